// NvidiaRuntime's cuBLASLt wiring, without a GPU: the runtime over the fake driver (fake_cuda.c, whose "device" memory
// is host memory) with the fake libcublasLt (fake_cublaslt.c: a column-major GEMM with CUBLASLT_EPILOGUE_BIAS written
// from cublasLt.h's documented semantics) loads it, reports it for lethe info, and the "cuda" backend's linearBias
// runs through cublasLtMatmul — no kernel launched, so the fake driver's non-executing launches do not matter —
// agreeing with the ref backend, for x read as stored and x a transposed view, N = 1, K = 1. What the fake saw pins
// the binding's argument order and the row-major to column-major mapping: transa = T (the weight, row-major [N, K],
// is column-major [K, N]; N for a vector), transb = N or T with x's layout, D [N, M] (bias over D's rows), the bias epilogue, compute
// type 32F (FAST_TF32 under TF32; bf16 operand types under BF16), the backend's stream and a workspace of the size
// the heuristic asked, from the caching allocator. Descriptors are cached per shape (one heuristic call for two
// GEMMs), and closing the runtime destroys the handle and every descriptor. Where cuBLASLt has no algorithm, where
// libcublasLt is absent, and under lethe.cuda.gemm-epilogue=off, the runtime runs cuBLAS's sgemm and launches
// bias_add_rows_f32, counted as one launch more, and says why. A failed cuBLASLt call is a CudaException naming the
// call and its CUBLAS_STATUS_* name, with the shapes, and leaves no descriptor behind.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Precision;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvidiaRuntimeCublasLtTest {
    @TempDir static Path dir;
    static FakeCuda driver;
    static FakeCublasLt lt;

    @BeforeAll static void build() throws Exception {
        CudaBuildSupport.resource(FatbinImage.RESOURCE);
        driver = new FakeCuda(dir);
        lt = new FakeCublasLt(dir);
    }

    private static NvidiaRuntime open(String cublasLt) {
        driver.reset();
        lt.reset();
        return NvidiaRuntime.open(driver.driver.toString(), driver.cublas.toString(), dir.resolve("nowhere/libcudnn.so.9").toString(),
                cublasLt, NvidiaRuntimeCublasLtTest.class.getClassLoader(), 0);
    }

    private static float[] normal(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static Storage upload(Backend b, List<Storage> keep, float[] values) {
        Storage s = b.allocate(Math.max(1, values.length) * 4L);
        keep.add(s);
        b.write(MemorySegment.ofArray(values), new View(s, DType.FLOAT32, 0, new long[] {values.length}, new long[] {1}));
        return s;
    }

    /** linearBias of x [M, K] (stored [K, M] when transposed), w [N, K], bias [N] on b; returns out [M, N]. */
    private static float[] linear(Backend b, int m, int k, int n, float[] x, float[] w, float[] bias, boolean transposed) {
        List<Storage> keep = new ArrayList<>();
        try {
            Storage xs = upload(b, keep, x), ws = upload(b, keep, w), bs = upload(b, keep, bias), os = upload(b, keep, new float[m * n]);
            View xv = transposed ? new View(xs, DType.FLOAT32, 0, new long[] {m, k}, new long[] {1, m})
                    : new View(xs, DType.FLOAT32, 0, new long[] {m, k}, new long[] {k, 1});
            View out = new View(os, DType.FLOAT32, 0, new long[] {m, n}, new long[] {n, 1});
            b.linearBias(xv, new View(ws, DType.FLOAT32, 0, new long[] {n, k}, new long[] {k, 1}),
                    new View(bs, DType.FLOAT32, 0, new long[] {n}, new long[] {1}), out);
            float[] result = new float[m * n];
            b.read(out, MemorySegment.ofArray(result));
            return result;
        } finally {
            for (Storage s : keep) s.release();
        }
    }

    private static void assertClose(String what, float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++)
            assertTrue(Math.abs(actual[i] - expected[i]) <= 1e-5 * (1 + Math.abs(expected[i])),
                    what + ": element " + i + " " + actual[i] + " vs ref " + expected[i]);
    }

    @Test void theLinearLayersGemmRunsThroughCublasLtWithTheBiasEpilogue() {
        Random r = new Random(21);
        Backend ref = Backends.byName("ref");
        int live = lt.live();
        try (NvidiaRuntime rt = open(lt.library.toString())) {
            assertTrue(rt.gemmBiasFused());
            assertEquals("cuBLASLt 13.1.0 (" + lt.library + "): the bias in the GEMM's epilogue (CUBLASLT_EPILOGUE_BIAS)",
                    GemmEpilogue.describe(rt));
            CudaBackend cuda = new CudaBackend(CudaGpuBackend.NAME, CudaGpuBackend.PRIORITY, rt);
            int[][] shapes = {{5, 7, 3}, {1, 1, 1}, {33, 1, 9}, {4, 6, 1}};
            long heuristics = 0;
            for (int[] s : shapes)
                for (boolean transposed : new boolean[] {false, true}) {
                    int m = s[0], k = s[1], n = s[2];
                    float[] x = normal(r, m * k), w = normal(r, n * k), bias = normal(r, n);
                    String what = "M=" + m + " K=" + k + " N=" + n + (transposed ? " (x transposed)" : "");
                    long launches = rt.launches();
                    DeviceCounters before = cuda.counters();
                    float[] got = linear(cuda, m, k, n, x, w, bias, transposed);
                    DeviceCounters d = cuda.counters().minus(before);
                    assertEquals(launches, rt.launches(), what + ": no kernel launched");
                    assertEquals(1, d.gemmCalls(), what + ": " + d);
                    assertClose(what, linear(ref, m, k, n, x, w, bias, transposed), got);
                    FakeCublasLt.Record rec = lt.record();
                    // the weight, row-major [N, K], is column-major [K, N]: A' transposed (a vector when N or K is 1: as stored)
                    assertEquals(n > 1 && k > 1 ? CublasLtLibrary.CUBLAS_OP_T : CublasLtLibrary.CUBLAS_OP_N, rec.transa(), what);
                    // x as stored: row-major [M, K] is column-major [K, M] = op N; a transposed view is row-major [K, M]
                    boolean xTransposed = transposed && m > 1 && k > 1;
                    assertEquals(xTransposed ? CublasLtLibrary.CUBLAS_OP_T : CublasLtLibrary.CUBLAS_OP_N, rec.transb(), what);
                    assertEquals(CublasLtLibrary.CUBLASLT_EPILOGUE_BIAS, rec.epilogue(), what);
                    assertEquals(CublasLtLibrary.CUBLAS_COMPUTE_32F, rec.computeType(), what);
                    assertEquals(CublasLtLibrary.CUDA_R_32F, rec.aType(), what);
                    assertEquals(n, rec.m(), what + ": D has the N output features as rows (the bias vector's length)");
                    assertEquals(m, rec.n(), what + ": and the M rows of x as columns");
                    assertEquals(k, rec.k(), what);
                    assertEquals(Stream.DEFAULT.handle(), rec.stream(), what + ": the backend's stream");
                    assertEquals(4096, rec.workspaceBytes(), what + ": the workspace the heuristic asked for");
                    assertNotEquals(0, rec.workspace(), what + ": a workspace from the allocator");
                    assertTrue(rec.heuristics() >= 1, what + ": planned by the heuristic");
                    heuristics = rec.heuristics();
                }
            linear(cuda, 5, 7, 3, normal(r, 35), normal(r, 21), normal(r, 3), false);
            assertEquals(heuristics, lt.record().heuristics(), "a shape seen before reuses its cached descriptors and algorithm");
            try (Precision.Scope _ = Precision.autocast(Precision.TF32)) {
                linear(cuda, 5, 7, 3, normal(r, 35), normal(r, 21), normal(r, 3), false);
            }
            assertEquals(CublasLtLibrary.CUBLAS_COMPUTE_32F_FAST_TF32, lt.record().computeType(), "TF32");
            try (Precision.Scope _ = Precision.autocast(Precision.BF16)) {   // values not checked: the fake driver runs no conversion kernel
                linear(cuda, 5, 7, 3, normal(r, 35), normal(r, 21), normal(r, 3), false);
            }
            FakeCublasLt.Record bf16 = lt.record();
            assertEquals(CublasLtLibrary.CUDA_R_16BF, bf16.aType(), "BF16 operands");
            assertEquals(CublasLtLibrary.CUDA_R_16BF, bf16.bType(), "BF16 operands");
            assertEquals(CublasLtLibrary.CUBLAS_COMPUTE_32F, bf16.computeType(), "BF16: float32 accumulation");
        }
        assertEquals(live, lt.live(), "the runtime's close destroyed the cuBLASLt handle and every descriptor");
    }

    /** A linear layer with the bias kernel after cuBLAS's sgemm: one GEMM and one launch (of bias_add_rows_f32), counted. */
    private static void assertComposition(NvidiaRuntime rt, String why) {
        CudaBackend cuda = new CudaBackend(CudaGpuBackend.NAME, CudaGpuBackend.PRIORITY, rt);
        Random r = new Random(5);
        long launches = rt.launches(), matmuls = lt.record().matmuls();
        DeviceCounters before = cuda.counters();
        linear(cuda, 6, 4, 3, normal(r, 24), normal(r, 12), normal(r, 3), false);
        DeviceCounters d = cuda.counters().minus(before);
        assertEquals(launches + 1, rt.launches(), why);
        assertEquals(GemmEpilogue.BIAS_KERNEL, driver.lastLaunch().kernel(), why);
        assertEquals(1, d.gemmCalls(), why + ": " + d);
        assertEquals(1, d.launches(), why + ": the bias kernel is counted: " + d);
        assertEquals(matmuls, lt.record().matmuls(), why + ": no cublasLtMatmul");
    }

    @Test void whereCublasLtHasNoAlgorithmTheRuntimeRunsSgemmAndTheBiasKernel() {
        try (NvidiaRuntime rt = open(lt.library.toString())) {
            lt.unsupported(true);
            assertComposition(rt, "the heuristic says CUBLAS_STATUS_NOT_SUPPORTED");
        } finally {
            lt.unsupported(false);
        }
    }

    @Test void withoutLibcublasLtTheRuntimeSaysWhyAndAddsTheBiasWithAKernel() {
        String missing = dir.resolve("nowhere/libcublasLt.so.13").toString();
        try (NvidiaRuntime rt = open(missing)) {
            assertFalse(rt.gemmBiasFused());
            assertEquals("cuBLAS sgemm, then the bias_add_rows_f32 kernel (" + missing + " not found)", GemmEpilogue.describe(rt));
            assertComposition(rt, "no libcublasLt");
        }
    }

    @Test void theSwitchOffForcesTheComposition() {
        String before = System.getProperty(GemmEpilogue.PROPERTY);
        System.setProperty(GemmEpilogue.PROPERTY, "off");
        try (NvidiaRuntime rt = open(lt.library.toString())) {
            assertFalse(rt.gemmBiasFused());
            assertEquals("cuBLAS sgemm, then the bias_add_rows_f32 kernel (lethe.cuda.gemm-epilogue=off)", GemmEpilogue.describe(rt));
            assertComposition(rt, GemmEpilogue.PROPERTY + "=off");
        } finally {
            if (before == null) System.clearProperty(GemmEpilogue.PROPERTY);
            else System.setProperty(GemmEpilogue.PROPERTY, before);
        }
    }
    @Test void aFailedCallIsACudaExceptionNamingTheCallAndTheStatus() {
        // a leading dimension below the rows of the column-major layout: cublasLtMatrixLayoutCreate refuses it
        CublasLtLibrary.Load load = CublasLtLibrary.load(lt.library.toString());
        assertTrue(load.loaded(), load.reason());
        int live = lt.live();
        try (CublasLtLibrary.Handle h = load.library().create()) {
            CudaException e = org.junit.jupiter.api.Assertions.assertThrows(CudaException.class, () -> h.matmulBias(false, false,
                    4, 3, 5, 4096, 2, 8192, 3, 12288, 16384, 3, 0, Precision.FP32, bytes -> 20480));
            assertEquals("cublasLtMatrixLayoutCreate(B)", e.call(), e.getMessage());
            assertEquals("CUBLAS_STATUS_INVALID_VALUE", e.errorName(), e.getMessage());
            assertTrue(e.getMessage().contains("k=5"), "the shapes: " + e.getMessage());
        }
        assertEquals(live, lt.live(), "the descriptors made before the failure are destroyed");
    }
}
