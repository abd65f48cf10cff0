// The BLAS the cpu backend runs on: the kernel chosen from the CPU's flags (not its model name), forced kernels,
// the GEMM check (a correct sgemm passes, a subtly wrong one fails), the fallback to the next kernel when one
// fails its check (loaded from a copy of the library), and the errors for a missing or foreign library.
package ai.lethe.backend.cpu;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.testing.TestBackends;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenBlasTest {
    private static final ClassLoader LOADER = OpenBlasTest.class.getClassLoader();
    private CpuFeatures features;

    @BeforeEach void needsTheCpuBackend() {
        TestBackends.requireCpu();
        features = new CpuBackend().cpuFeatures().orElseThrow();
    }

    private static OpenBlas.Loaded loaded(OpenBlas.Result r) {
        if (r instanceof OpenBlas.Failed(String reason, String fix)) fail(reason + " / " + fix);
        return (OpenBlas.Loaded) r;
    }

    private static OpenBlas.Request auto() { return new OpenBlas.Request(null, null, null, null, null); }

    /** OpenBLAS's core names ("SkylakeX") against the core types Lethe sets ("SKYLAKEX"). */
    private static void assertKernel(String coreType, BlasInfo info) {
        assertEquals(coreType, info.kernel().toUpperCase(Locale.ROOT), info.describe());
    }

    @Test void kernelsFollowTheFeatureFlags() {
        CpuFeatures avx512 = new CpuFeatures(true, true, true, true, true, true, true, true);
        CpuFeatures avx2 = new CpuFeatures(true, true, true, false, false, false, false, false);
        CpuFeatures partial512 = new CpuFeatures(true, true, true, true, true, false, false, false);   // no BW/DQ/VL
        CpuFeatures avxOnly = new CpuFeatures(true, false, false, false, false, false, false, false);
        CpuFeatures none = CpuFeatures.fromBits(0);
        assertEquals(List.of("SKYLAKEX", "HASWELL", "SANDYBRIDGE", "PRESCOTT"), avx512.blasKernels());
        assertEquals(List.of("HASWELL", "SANDYBRIDGE", "PRESCOTT"), avx2.blasKernels());
        assertEquals(List.of("HASWELL", "SANDYBRIDGE", "PRESCOTT"), partial512.blasKernels());
        assertEquals(List.of("SANDYBRIDGE", "PRESCOTT"), avxOnly.blasKernels());
        assertEquals(List.of("PRESCOTT"), none.blasKernels());
        assertEquals(avx512, CpuFeatures.fromBits(0xff));
        assertEquals("AVX-512 (F, CD, BW, DQ, VL)", avx512.describe());
        assertEquals("AVX2 + FMA", avx2.describe());
    }

    @Test void theBestKernelForThisCpuIsChosenAndChecked() {
        BlasInfo info = loaded(OpenBlas.load(LOADER, features, auto(), (k, sgemm) -> GemmCheck.run(sgemm))).info();
        assertKernel(features.blasKernels().getFirst(), info);
        assertTrue(info.choice().startsWith("chosen from the CPU's " + features.describe() + " flags"), info.choice());
        assertTrue(info.rejected().isEmpty());
        assertEquals(1, info.threadsPerCall(), "OpenBLAS runs on the calling thread; Lethe parallelises around it");
        assertTrue(info.library().startsWith("OpenBLAS 0.3.31 (org.bytedeco:openblas "), info.library());
        assertEquals("0.3.31", info.version());
    }

    @Test void theBackendReportsTheBlasItRunsOn() {
        BlasInfo info = new CpuBackend().blas().orElseThrow();
        assertTrue(List.of("SKYLAKEX", "HASWELL").contains(info.kernel().toUpperCase(Locale.ROOT)), info.describe());
        assertTrue(info.describe().contains("GEMM check passed"), info.describe());
    }

    @Test void aForcedKernelIsUsedWhenTheCpuCanRunIt() {
        var forced = new OpenBlas.Request(null, null, "HASWELL", "LETHE_BLAS_KERNEL=haswell", "SkylakeX");
        BlasInfo info = loaded(OpenBlas.load(LOADER, features, forced, (k, sgemm) -> GemmCheck.run(sgemm))).info();
        assertKernel("HASWELL", info);
        assertTrue(info.choice().contains("forced by LETHE_BLAS_KERNEL=haswell"), info.choice());
        assertTrue(info.choice().contains("OPENBLAS_CORETYPE=SkylakeX in the environment ignored"), info.choice());
    }

    @Test void aKernelTheCpuCannotRunIsIgnoredNotForced() {
        var forced = new OpenBlas.Request(null, null, "ARMV8", "-Dlethe.blas.kernel=armv8", null);
        BlasInfo info = loaded(OpenBlas.load(LOADER, features, forced, (k, sgemm) -> GemmCheck.run(sgemm))).info();
        assertKernel(features.blasKernels().getFirst(), info);
        assertTrue(info.choice().contains("-Dlethe.blas.kernel=armv8 ignored: this CPU can run " + features.blasKernels()),
                info.choice());
    }

    @Test void aKernelThatFailsTheCheckIsReplacedByTheNext() {
        List<String> kernels = features.blasKernels();
        String bad = kernels.getFirst(), next = kernels.get(1);
        OpenBlas.Result r = OpenBlas.load(LOADER, features, auto(),
                (k, sgemm) -> k.equals(bad) ? "C[0,0] is wrong (made up by the test)" : GemmCheck.run(sgemm));
        BlasInfo info = loaded(r).info();
        assertKernel(next, info);
        assertEquals(1, info.rejected().size(), info.rejected().toString());
        assertTrue(info.rejected().getFirst().startsWith(bad + " ("), info.rejected().toString());
        assertTrue(info.path().getFileName().toString().equals("libopenblas-" + next.toLowerCase(Locale.ROOT) + ".so.0"),
                "the next kernel comes from a copy of the library: " + info.path());
        assertTrue(info.describe().contains("rejected: " + bad), info.describe());
    }

    @Test void noKernelPassingTheCheckMakesTheBackendUnavailable() {
        OpenBlas.Result r = OpenBlas.load(LOADER, features, auto(), (k, sgemm) -> "wrong");
        var failed = assertInstanceOf(OpenBlas.Failed.class, r);
        assertTrue(failed.reason().startsWith("no BLAS kernel computed correct products: "), failed.reason());
        for (String k : features.blasKernels()) assertTrue(failed.reason().contains(k + " ("), failed.reason());
        assertNotNull(failed.fix());
    }

    @Test void aMissingOrForeignLibraryIsReported(@org.junit.jupiter.api.io.TempDir Path temp) throws Exception {
        var missing = new OpenBlas.Request(temp.resolve("nope.so"), "-Dlethe.blas=" + temp.resolve("nope.so"), null, null, null);
        var failed = assertInstanceOf(OpenBlas.Failed.class, OpenBlas.load(LOADER, features, missing, (k, s) -> null));
        assertEquals("-Dlethe.blas=" + temp.resolve("nope.so") + ": no such file", failed.reason());
        Path libm = java.util.stream.Stream.of("/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib64/libm.so.6", "/lib64/libm.so.6")
                .map(Path::of).filter(java.nio.file.Files::isRegularFile).findFirst().orElseThrow();
        var foreign = new OpenBlas.Request(libm, "LETHE_BLAS=" + libm, null, null, null);
        failed = assertInstanceOf(OpenBlas.Failed.class, OpenBlas.load(LOADER, features, foreign, (k, s) -> null));
        assertEquals(libm + " exports no cblas_sgemm", failed.reason());
    }

    @Test void theGemmCheckPassesARealSgemmAndCatchesAWrongOne() throws Exception {
        OpenBlas.Loaded blas = loaded(OpenBlas.load(LOADER, features, auto(), (k, sgemm) -> GemmCheck.run(sgemm)));
        MethodHandle real = GemmCheck.sgemmHandle(blas.sgemm());
        assertNull(GemmCheck.run(real));
        // the same sgemm, but one element of each result off by a relative 1e-3: far beyond rounding
        MethodHandle wrong = MethodHandles.lookup().findStatic(OpenBlasTest.class, "offByOne",
                MethodType.methodType(void.class, MethodHandle.class, int.class, int.class, int.class, int.class, int.class,
                        int.class, float.class, MemorySegment.class, int.class, MemorySegment.class, int.class, float.class,
                        MemorySegment.class, int.class)).bindTo(real);
        String failure = GemmCheck.run(wrong);
        assertNotNull(failure);
        assertTrue(failure.startsWith("C[0,0] of a 1x1x1 product"), failure);
    }

    @SuppressWarnings("unused")   // through the method handle above
    private static void offByOne(MethodHandle real, int order, int ta, int tb, int m, int n, int k, float alpha, MemorySegment a,
                                 int lda, MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) throws Throwable {
        real.invokeExact(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        MemorySegment cc = c.reinterpret(Float.BYTES);
        cc.set(ValueLayout.JAVA_FLOAT, 0, cc.get(ValueLayout.JAVA_FLOAT, 0) * 1.001f);
    }

    @Test void versionComesFromOpenBlasConfig() {
        assertEquals("0.3.31", OpenBlas.versionOf("OpenBLAS 0.3.31 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64"));
        assertEquals("unknown", OpenBlas.versionOf(""));
        assertEquals("unknown", OpenBlas.versionOf("BLIS 1.0"));
    }
}
