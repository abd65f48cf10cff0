// F.linear with a bias is one backend op forward (Backend.linearBias: on cuda the bias in the GEMM's epilogue), and
// nothing else changed: on every backend this run has (ref, cpu, cuda-emu), at FP32, TF32 and BF16,
// for x of rank 1, 2 and 3 and with only some of x, weight and bias requiring grad, its output and the gradients of
// x, weight and bias equal BIT FOR BIT those of the unfused definition x.matmul(weight.t()).add(bias) that F.linear
// ran before — the forward's GEMM is the same call (and the bias the same float add), the backward the same GEMMs
// (dy · weight, xᵀ · dy) at the forward's precision and the same sum of dy for the bias. On cuda-emu the fused
// forward launches one kernel fewer than the unfused one and makes the same GEMM calls. A bias that is not [out]
// (broadcast from [1, out]) still takes matmul then add.
package ai.lethe.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lethe.backend.Precision;
import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.backend.cuda.DeviceCounters;
import ai.lethe.core.Device;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearEpilogueTest {
    private static float[] normal(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) r.nextGaussian();
        return f;
    }

    private static long[] bits(Tensor t) {
        if (t == null) return null;
        float[] f = t.contiguous().toFloatArray();
        long[] b = new long[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
        return b;
    }

    /** out, dx, dweight, dbias (null where not asked) of the fused (F.linear) or the unfused definition. */
    private static long[][] run(Device d, long[] xShape, int in, int out, float[] x, float[] w, float[] b, float[] up,
                                boolean[] grads, boolean fused) {
        try (Scope _ = Scope.open("linear-epilogue")) {
            Tensor xt = Tensor.fromArray(x, d, xShape).setRequiresGrad(grads[0]);
            Tensor wt = Tensor.fromArray(w, d, out, in).setRequiresGrad(grads[1]);
            Tensor bt = Tensor.fromArray(b, d, out).setRequiresGrad(grads[2]);
            Tensor y = fused ? F.linear(xt, wt, bt) : xt.matmul(wt.t()).add(bt);
            long[] yShape = y.shape().dims();
            y.mul(Tensor.fromArray(up, d, yShape)).sum().backward();
            return new long[][] {bits(y), grads[0] ? bits(xt.grad()) : null, grads[1] ? bits(wt.grad()) : null,
                    grads[2] ? bits(bt.grad()) : null};
        }
    }

    @Test void linearWithABiasEqualsMatmulThenAddBitForBitForwardAndBackward() {
        Random r = new Random(29);
        int in = 11, out = 6;
        List<long[]> shapes = List.of(new long[] {in}, new long[] {9, in}, new long[] {3, 5, in});
        boolean[][] grads = {{true, true, true}, {true, false, false}, {false, true, true}, {false, false, true}};
        for (Device d : TestBackends.devices())
            for (Precision p : Precision.values())
                for (long[] shape : shapes)
                    for (boolean[] g : grads) {
                        int rows = 1;
                        for (int i = 0; i < shape.length - 1; i++) rows *= (int) shape[i];
                        float[] x = normal(r, rows * in), w = normal(r, out * in), b = normal(r, out), up = normal(r, rows * out);
                        long[][] fused, unfused;
                        try (Precision.Scope _ = Precision.autocast(p)) {
                            fused = run(d, shape, in, out, x, w, b, up, g, true);
                            unfused = run(d, shape, in, out, x, w, b, up, g, false);
                        }
                        String what = d + " " + p + " x " + java.util.Arrays.toString(shape) + " grads "
                                + java.util.Arrays.toString(g);
                        String[] parts = {"out", "dx", "dweight", "dbias"};
                        for (int i = 0; i < parts.length; i++) assertArrayEquals(unfused[i], fused[i], what + ": " + parts[i]);
                    }
    }

    @Test void theFusedForwardLaunchesOneKernelFewerOnCudaEmu() {
        CudaBackend cuda = FusedOpsTest.emulator();
        Device d = cuda.device();
        Random r = new Random(4);
        try (Scope _ = Scope.open("linear-launches")) {
            Tensor x = Tensor.fromArray(normal(r, 12 * 10), d, 3, 4, 10), w = Tensor.fromArray(normal(r, 7 * 10), d, 7, 10);
            Tensor b = Tensor.fromArray(normal(r, 7), d, 7);
            DeviceCounters c0 = cuda.counters();
            F.linear(x, w, b);
            DeviceCounters fused = cuda.counters().minus(c0);
            c0 = cuda.counters();
            x.matmul(w.t()).add(b);
            DeviceCounters unfused = cuda.counters().minus(c0);
            assertEquals(unfused.gemmCalls(), fused.gemmCalls(), fused + " vs " + unfused);
            assertEquals(1, fused.gemmCalls(), fused.toString());
            assertEquals(unfused.launches() - 1, fused.launches(), "the bias-add kernel is gone: " + fused + " vs " + unfused);
            assertEquals(0, fused.launches(), fused.toString());
            // a bias of shape [1, out] is not the epilogue's [out]: matmul then add, as before
            Tensor b2 = b.reshape(1, 7);
            c0 = cuda.counters();
            Tensor y2 = F.linear(x, w, b2);
            assertEquals(unfused.launches(), cuda.counters().minus(c0).launches(), "a [1, out] bias takes matmul then add");
            assertArrayEquals(bits(x.matmul(w.t()).add(b2)), bits(y2));
        }
    }
}
