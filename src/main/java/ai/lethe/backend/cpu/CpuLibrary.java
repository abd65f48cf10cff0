// Finds and loads liblethe_cpu.so, the native CPU kernels built from native/ by the Maven build, then the BLAS its
// GEMMs run on (OpenBlas: the kernel chosen from the CPU's flags and checked), and says why not when it cannot:
// not linux-x86_64, not built (the build's BUILD-ERROR.txt), a CPU without AVX2/FMA, a dlopen failure, or no
// BLAS kernel that computes correct products — each with what the user can do about it. Never throws.
//
// Before the library (and with it libgomp) is loaded, the OpenMP busy-wait is shortened to GOMP_SPINCOUNT =
// 10000 unless the user chose a wait policy: with the default (300000 spins) a thread waiting at a barrier
// keeps its core while its partner may need it, and on a 2-core machine shared with another busy process
// that made kernels 2-3x slower than on one thread; short spins cost nothing measurable when idle.
//
// The library is a class-path resource: from a directory (file: URL, e.g. target/classes) it is loaded in
// place; from a jar it is extracted once to ~/.cache/lethe/native/<sha-256 of its bytes>/liblethe_cpu.so
// (NativeFiles).
package ai.lethe.backend.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

final class CpuLibrary {
    /** Class-path folder of the library and of the build's error report. */
    static final String DEFAULT_RESOURCE_DIR = "native/linux-x86_64/";
    static final String LIBRARY_NAME = "liblethe_cpu.so";
    static final String BUILD_ERROR_NAME = "BUILD-ERROR.txt";
    /** Busy-wait iterations of an idle OpenMP thread before it sleeps. */
    private static final String OPENMP_SPIN_COUNT = "10000";
    /** What to do when the native build was skipped or failed. */
    static final String REBUILD_FIX = "install gcc (sudo apt-get install gcc) and run ./lethe again, which rebuilds it "
            + "(or mvn package)";

    private CpuLibrary() {}

    /** Outcome of a load: the bindings, or why there are none. */
    sealed interface Result permits Loaded, Unavailable {}

    record Loaded(NativeCpu bindings, Path path, CpuFeatures features, BlasInfo blas) implements Result {}

    /** Why the library cannot be used, and what the user can do about it. */
    record Unavailable(String reason, String fix) implements Result {}

    /** Loads the library found under {@code resourceDir} of {@code loader}. */
    static Result load(ClassLoader loader, String resourceDir) {
        try {
            String os = System.getProperty("os.name", "?"), arch = System.getProperty("os.arch", "?");
            if (!os.toLowerCase(Locale.ROOT).startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64")))
                return new Unavailable("not linux-x86_64 (" + os + "/" + arch + ")",
                        "none on this machine: the cpu backend is built for Linux on x86-64 only");
            URL url = loader.getResource(resourceDir + LIBRARY_NAME);
            if (url == null) return new Unavailable("native library not built: " + buildError(loader, resourceDir), REBUILD_FIX);
            Path path = NativeFiles.inPlace(url);
            if (path == null) path = extract(url);
            shortenOpenMpSpinning();
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(path, Arena.global());
            } catch (IllegalArgumentException | IllegalCallerException e) {
                return new Unavailable("cannot load " + LIBRARY_NAME + ": " + e.getMessage(),
                        "check that libgomp1 is installed (it comes with gcc); rebuild with mvn package");
            }
            NativeCpu bindings = NativeCpu.bind(lookup);
            if (!bindings.cpuSupported())
                return new Unavailable("CPU lacks AVX2/FMA (x86-64-v3), which " + LIBRARY_NAME + " is built for",
                        "none on this machine: the cpu backend needs a CPU with AVX2 and FMA (2013 or later)");
            CpuFeatures features = CpuFeatures.fromBits(bindings.cpuFeatures());
            return switch (OpenBlas.load(loader, features)) {
                case OpenBlas.Failed(String reason, String fix) -> new Unavailable(reason, fix);
                case OpenBlas.Loaded(var sgemm, BlasInfo blas) -> {
                    bindings.init(sgemm);
                    String convProblem = applyConvKernelSetting(bindings, features);
                    if (convProblem != null)
                        yield new Unavailable(convProblem, "unset it, or name one of auto, gemm, generic, avx2, avx512 that this CPU runs");
                    yield new Loaded(bindings, path, features, blas);
                }
            };
        } catch (IOException | URISyntaxException | RuntimeException | LinkageError e) {
            return new Unavailable("cannot load " + LIBRARY_NAME + ": " + e, "rebuild it with mvn package; run with --debug for details");
        }
    }

    /**
     * Applies -Dlethe.conv.kernel or else LETHE_CONV_KERNEL (ConvKernel); returns why it cannot be used, or null
     * (also when neither is set: the library then runs AUTO).
     */
    private static String applyConvKernelSetting(NativeCpu bindings, CpuFeatures features) {
        String name = System.getProperty("lethe.conv.kernel"), setting = "-Dlethe.conv.kernel=" + name;
        if (name == null) {
            name = System.getenv("LETHE_CONV_KERNEL");
            setting = "LETHE_CONV_KERNEL=" + name;
        }
        if (name == null || name.isBlank()) return null;
        ConvKernel kernel;
        try {
            kernel = ConvKernel.parse(name, setting);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (!kernel.runsOn(features) || !bindings.convSetKernel(kernel.code))
            return setting + ": this CPU (" + features.describe() + ") lacks the instruction set of that convolution kernel";
        return null;
    }

    /** Sets GOMP_SPINCOUNT for libgomp, which reads it once when it is loaded, unless a wait policy is set. */
    private static void shortenOpenMpSpinning() {
        if (System.getenv("OMP_WAIT_POLICY") != null || System.getenv("GOMP_SPINCOUNT") != null) return;
        ProcessEnvironment.set("GOMP_SPINCOUNT", OPENMP_SPIN_COUNT);
    }

    /** The build's reason for not producing the library, or a note that neither file is on the class path. */
    private static String buildError(ClassLoader loader, String resourceDir) throws IOException {
        URL report = loader.getResource(resourceDir + BUILD_ERROR_NAME);
        if (report == null) return resourceDir + LIBRARY_NAME + " is not on the class path";
        try (InputStream in = report.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    /** Copies a library inside a jar to the per-user cache, once per distinct content. */
    private static Path extract(URL url) throws IOException {
        byte[] bytes;
        try (InputStream in = url.openStream()) {
            bytes = in.readAllBytes();
        }
        return NativeFiles.extract(url, NativeFiles.cacheRoot().resolve(NativeFiles.sha256(bytes)), LIBRARY_NAME);
    }
}
