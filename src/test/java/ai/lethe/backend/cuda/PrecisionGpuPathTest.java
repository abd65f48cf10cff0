// The real-GPU path of Precision without a GPU: what the NVIDIA runtime asks of cuBLAS and what the CUDA backend asks
// of cuDNN under each setting, through the fake libraries of src/test/resources/cuda-fake (independent C stand-ins
// that compute on host memory and record what they were called with).
//   cuBLAS (NvidiaRuntime over the fake driver and fake cuBLAS): FP32 is cublasSgemm with CUBLAS_DEFAULT_MATH, TF32
//   the same with CUBLAS_TF32_TENSOR_OP_MATH, BF16 cublasGemmEx / cublasGemmStridedBatchedEx with CUDA_R_16BF A and
//   B, CUDA_R_32F C, CUBLAS_COMPUTE_32F and CUBLAS_GEMM_DEFAULT (math mode back to default), its result the GEMM of the
//   bf16 values; the cudaDataType constants are checked against JavaCPP's transcription of library_types.h.
//   cuDNN (cuda-emu opened with the fake libcudnn): FP32 runs with CUDNN_FMA_MATH, TF32 and BF16 with the default
//   math type (tensor ops allowed), TF32 on the float32 operands as they are (a GPU's tensor cores round them; the
//   fake computes exactly, so its result is float32's), BF16 on operands already rounded to bf16 (the fake's result
//   equals the ref backend's at BF16 and is off float32's by more than float32 explains); an algorithm listed
//   with CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION (FP16 down-conversion) is passed over for the next one.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.Precision;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrecisionGpuPathTest {
    @TempDir static Path dir;
    static FakeCuda cuda;
    static FakeCudnn cudnn;
    static EmulatedRuntime dnnRuntime;
    static CudaBackend dnn;

    private final Random random = new Random(9);
    private final List<Storage> storages = new ArrayList<>();

    @BeforeAll static void build() throws Exception {
        CudaBuildSupport.resource(FatbinImage.RESOURCE);
        cuda = new FakeCuda(dir);
        EmulatorSupport.open().close();
        cudnn = new FakeCudnn(dir);
        dnnRuntime = EmulatedRuntime.openWithCudnn(cudnn.library.toString());
        dnn = new CudaBackend(CudaBackend.EMULATED, CudaBackend.EMULATED_PRIORITY, dnnRuntime);
        assertTrue(dnn.availability().available(), dnn.availability().reason());
    }

    @AfterAll static void close() {
        if (dnnRuntime != null) dnnRuntime.close();
    }

    @AfterEach void reset() {
        cuda.reset();
        cudnn.reset();
        for (Storage s : storages) if (!s.isFreed()) s.release();
    }

    // ---- cuBLAS ------------------------------------------------------------------------------------------------

    private static NvidiaRuntime open() {
        return NvidiaRuntime.open(cuda.driver.toString(), cuda.cublas.toString(), PrecisionGpuPathTest.class.getClassLoader(), 0);
    }

    private float[] normal(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) random.nextGaussian();
        return x;
    }

    private static long upload(NvidiaRuntime rt, float[] x) {
        long p = rt.alloc(4L * x.length);
        rt.copyHostToDevice(p, MemorySegment.ofArray(x), 4L * x.length, Stream.DEFAULT);
        return p;
    }

    private static long uploadBf16(NvidiaRuntime rt, float[] x) {
        short[] bits = new short[x.length];
        for (int i = 0; i < x.length; i++) bits[i] = (short) Precision.bf16Bits(x[i]);
        long p = rt.alloc(2L * x.length);
        rt.copyHostToDevice(p, MemorySegment.ofArray(bits), 2L * x.length, Stream.DEFAULT);
        return p;
    }

    private static float[] download(NvidiaRuntime rt, long p, int n) {
        float[] x = new float[n];
        rt.copyDeviceToHost(MemorySegment.ofArray(x), p, 4L * n, Stream.DEFAULT);
        return x;
    }

    /** Row-major C = op(A) op(B) of the values rounded to p (double sums, one rounding), C[i*n + j]. */
    private static float[] reference(Precision p, boolean ta, boolean tb, int m, int n, int k, float[] a, int ao, float[] b, int bo) {
        int lda = ta ? m : k, ldb = tb ? k : n;
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int q = 0; q < k; q++)
                    s += (double) p.round(ta ? a[ao + q * lda + i] : a[ao + i * lda + q]) * p.round(tb ? b[bo + j * ldb + q] : b[bo + q * ldb + j]);
                c[i * n + j] = (float) s;
            }
        return c;
    }

    @Test void cublasGetsTheComputeTypeAndMathModeOfEachPrecision() {
        int m = 5, n = 3, k = 6, batch = 2;
        try (NvidiaRuntime rt = open()) {
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true}) {
                    int lda = ta ? m : k, ldb = tb ? k : n;
                    float[] a = normal(batch * m * k), b = normal(batch * k * n);
                    long da = upload(rt, a), db = upload(rt, b), dc = rt.alloc(4L * batch * m * n);
                    rt.sgemm(ta, tb, m, n, k, 1f, da, lda, db, ldb, 0f, dc, n, Stream.DEFAULT, Precision.FP32);
                    assertEquals(CublasLibrary.CUBLAS_DEFAULT_MATH, cuda.cublasLast()[0], "FP32: true FP32 math");
                    rt.sgemm(ta, tb, m, n, k, 1f, da, lda, db, ldb, 0f, dc, n, Stream.DEFAULT, Precision.TF32);
                    assertEquals(CublasLibrary.CUBLAS_TF32_TENSOR_OP_MATH, cuda.cublasLast()[0], "TF32: the tensor-op math mode");

                    long ha = uploadBf16(rt, a), hb = uploadBf16(rt, b);
                    rt.sgemm(ta, tb, m, n, k, 1f, ha, lda, hb, ldb, 0f, dc, n, Stream.DEFAULT, Precision.BF16);
                    int[] ex = {CublasLibrary.CUDA_R_16BF, CublasLibrary.CUDA_R_16BF, CublasLibrary.CUDA_R_32F,
                            CublasLibrary.CUBLAS_COMPUTE_32F, CublasLibrary.CUBLAS_GEMM_DEFAULT};
                    assertArrayEquals(ex, cuda.cublasLastEx(), "BF16: bf16 A and B, float32 C, 32F compute, default algorithm");
                    assertEquals(CublasLibrary.CUBLAS_DEFAULT_MATH, cuda.cublasLast()[0], "BF16: the math mode is back to default");
                    assertArrayEquals(reference(Precision.BF16, ta, tb, m, n, k, a, 0, b, 0), download(rt, dc, m * n), 1e-6f,
                            "cublasGemmEx of the bf16 values, transA=" + ta + " transB=" + tb);

                    rt.sgemmStridedBatched(ta, tb, m, n, k, 1f, ha, lda, (long) m * k, hb, ldb, (long) k * n, 0f, dc, n,
                            (long) m * n, batch, Stream.DEFAULT, Precision.BF16);
                    assertArrayEquals(ex, cuda.cublasLastEx(), "strided batched BF16");
                    float[] got = download(rt, dc, batch * m * n);
                    for (int i = 0; i < batch; i++) {
                        float[] want = reference(Precision.BF16, ta, tb, m, n, k, a, i * m * k, b, i * k * n);
                        assertArrayEquals(want, java.util.Arrays.copyOfRange(got, i * m * n, (i + 1) * m * n), 1e-6f,
                                "cublasGemmStridedBatchedEx, matrix " + i);
                    }
                }
        }
    }

    @Test void theCudaDataTypesAreLibraryTypesHs() throws Exception {
        JavaCppHeader h = JavaCppHeader.fromClassPath("org/bytedeco/cuda/global/cudart.java");
        assertEquals(h.constant("CUDA_R_16BF").orElseThrow(), (long) CublasLibrary.CUDA_R_16BF);
        assertEquals(h.constant("CUDA_R_32F").orElseThrow(), (long) CublasLibrary.CUDA_R_32F);
    }

    // ---- cuDNN ---------------------------------------------------------------------------------------------------

    private View put(Backend b, long[] shape, float[] values) {
        Storage s = b.allocate(Math.max(1, values.length) * 4L);
        storages.add(s);
        View v = View.contiguous(s, DType.FLOAT32, Shape.of(shape));
        b.write(MemorySegment.ofArray(values), v);
        return v;
    }

    private static float[] get(Backend b, View v) {
        float[] out = new float[Math.toIntExact(v.numel())];
        b.read(v, MemorySegment.ofArray(out));
        return out;
    }

    /** [forward, input gradient, weight gradient] of the geometry on b at p. */
    private float[][] convolutions(Backend b, Precision p, Conv2dGeometry g, float[] x, float[] w, float[] dy) {
        long[] xs = {g.n(), g.c(), g.h(), g.w()}, ws = {g.k(), g.c(), g.kh(), g.kw()}, ys = {g.n(), g.k(), g.outH(), g.outW()};
        try (Precision.Scope s = Precision.autocast(p)) {
            View y = put(b, ys, new float[dy.length]), dx = put(b, xs, new float[x.length]), dw = put(b, ws, new float[w.length]);
            b.conv2d(put(b, xs, x), put(b, ws, w), null, y, g);
            b.conv2dBackwardInput(put(b, ys, dy), put(b, ws, w), dx, g);
            b.conv2dBackwardWeight(put(b, ys, dy), put(b, xs, x), dw, g);
            return new float[][] {get(b, y), get(b, dx), get(b, dw)};
        }
    }

    private static double relative(float[] want, float[] got) {
        double d = 0, n = 0;
        for (int i = 0; i < want.length; i++) {
            d += (got[i] - (double) want[i]) * (got[i] - (double) want[i]);
            n += (double) want[i] * want[i];
        }
        return Math.sqrt(d / n);
    }

    @Test void cudnnRunsEachPrecisionWithItsMathTypeAndRoundedOperands() {
        Backend ref = Backends.byName("ref");
        var g = new Conv2dGeometry(2, 6, 7, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1);
        float[] x = normal(2 * 6 * 49), w = normal(5 * 6 * 9), dy = normal(2 * 5 * 49);
        float[][] fp32 = convolutions(ref, Precision.FP32, g, x, w, dy);
        int[] directions = {FakeCudnn.FORWARD, FakeCudnn.BACKWARD_DATA, FakeCudnn.BACKWARD_FILTER};
        for (Precision p : Precision.values()) {
            cudnn.reset();
            // TF32: Lethe hands cuDNN the float32 operands and the GPU's tensor cores round them (the fake computes
            // exactly, so its result is float32's); BF16: Lethe rounds them itself first
            float[][] got = convolutions(dnn, p, g, x, w, dy);
            float[][] want = p == Precision.TF32 ? fp32 : convolutions(ref, p, g, x, w, dy);
            int math = p == Precision.FP32 ? CudnnLibrary.CUDNN_FMA_MATH : CudnnLibrary.CUDNN_DEFAULT_MATH;
            for (int d = 0; d < 3; d++) {
                FakeCudnn.Record r = cudnn.record(directions[d]);
                assertEquals(1, r.calls(), p + ": cuDNN ran direction " + d);
                assertEquals(math, r.mathType(), p + ": the math type of direction " + d);
                assertTrue(relative(want[d], got[d]) < 1e-6, p + ": direction " + d + " equals ref (" + (p == Precision.TF32 ? "FP32" : p) + ") ("
                        + relative(want[d], got[d]) + ")");
                if (p == Precision.BF16)
                    assertTrue(relative(fp32[d], got[d]) > 1e-4, "BF16: direction " + d + " computed on bf16-rounded operands, "
                            + "not float32's (" + relative(fp32[d], got[d]) + ")");
            }
        }
    }

    @Test void anAlgorithmThatConvertsToFp16IsPassedOver() {
        CudnnConvolutions c = dnnRuntime.cudnn().orElseThrow();
        var g = new Conv2dGeometry(1, 3, 6, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1);   // a geometry no other test plans
        cudnn.conversion(true);
        CudnnConvolutions.Plan plan = c.plan(CudnnConvolutions.Direction.FORWARD, g, true);
        assertNotEquals(CudnnLibrary.CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION, plan.mathType());
        assertEquals(0, plan.algorithm(), "the next usable algorithm (the fake lists 1 with ALLOW_CONVERSION, then 0)");
        assertEquals(CudnnLibrary.CUDNN_DEFAULT_MATH, plan.mathType());
    }
}
