// Issue 15's fused attention (FusedAttention over Backend.attention / attentionBackward; on cuda-emu the flash-style
// kernels of cuda-kernels/attention.cu) against the unfused definition: qkv split into heads, softmax(q kᵀ/√d) v by
// matmul-softmax-matmul (F.scaledDotProductAttention), heads merged, computed on the ref backend in float64. Values
// and qkv gradients on every backend of the run, for head dims 6 (scalar loads), 8, 16, 40 and 64, T not a multiple
// of any tile (10, 17, 37, 70) and ViT-S/4's T = 65, within TOL of the reference (relative to max(1, |value|) for the
// output, to the largest gradient entry for gradients: fp32 rounding of sums over T and d terms). On cuda-emu: one
// launch forward and two backward where the unfused path takes many, and the memory proxy: the fused forward and
// backward never hold a [B, H, T, T] buffer (peak bytes below it) while the unfused path does. The module level:
// MultiheadSelfAttention takes the fused path and equals the unfused one (a hook on attn_drop forces it and sees the
// weights), and bad arguments are named by the op.
package ai.lethe.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.View;
import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FusedAttentionTest {
    /** Tolerance of the output (relative to max(1, |value|)) and of the gradients (relative to their largest entry). */
    static final double TOL = 2e-5;

    /** The unfused definition (MultiheadSelfAttention's code before the fusion). */
    static Tensor unfused(Tensor qkv, int heads) {
        long b = qkv.shape().dim(0), t = qkv.shape().dim(1), dim = qkv.shape().dim(2) / 3, d = dim / heads;
        Tensor p = qkv.reshape(b, t, 3, heads, d).permute(2, 0, 3, 1, 4);
        Tensor o = F.scaledDotProductAttention(p.select(0, 0), p.select(0, 1), p.select(0, 2));
        return o.transpose(1, 2).reshape(b, t, dim);
    }

    /** {out, dqkv} of the fused (or unfused) attention of qkv [b, t, 3·heads·d] with upstream gradient up. */
    static double[][] run(Device device, DType dtype, float[] qkv, float[] up, long b, long t, int heads, long d, boolean fused) {
        try (Scope _ = Scope.open("attention")) {
            long dim = heads * d;
            double[] x = new double[qkv.length];
            for (int i = 0; i < x.length; i++) x[i] = qkv[i];
            double[] u = new double[up.length];
            for (int i = 0; i < u.length; i++) u[i] = up[i];
            Tensor in = Tensor.fromArray(x, dtype, device, b, t, 3 * dim).setRequiresGrad(true);
            Tensor out = fused ? FusedAttention.selfAttention(in, heads) : unfused(in, heads);
            assertArrayEquals(new long[] {b, t, dim}, out.shape().dims());
            out.mul(Tensor.fromArray(u, dtype, device, b, t, dim)).sum().backward();
            return new double[][] {out.toDoubleArray(), in.grad().toDoubleArray()};
        }
    }

    static void assertClose(String what, double[] expected, double[] actual, boolean relativeToMax) {
        assertClose(what, expected, actual, relativeToMax, TOL);
    }

    static void assertClose(String what, double[] expected, double[] actual, boolean relativeToMax, double tol) {
        assertEquals(expected.length, actual.length, what + ": length");
        double max = 1;
        if (relativeToMax) {
            max = 0;
            for (double e : expected) max = Math.max(max, Math.abs(e));
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            double scale = relativeToMax ? max : Math.max(1, Math.abs(e));
            assertTrue(Math.abs(e - a) <= tol * scale, what + "[" + i + "]: expected " + e + ", got " + a + " (scale " + scale + ")");
            worst = Math.max(worst, Math.abs(e - a) / scale);
        }
        assertTrue(worst <= tol, what + ": worst relative error " + worst);
    }

    static float[] normal(Random r, int n, double scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (scale * r.nextGaussian());
        return f;
    }

    @Test void fusedAttentionEqualsMatmulSoftmaxMatmulOnEveryBackend() {
        Random r = new Random(21);
        // {B, T, heads, d}: T not a multiple of the tiles (16, 32, 48, 64 rows), T = 65 (ViT-S/4), head dims through both
        // kernel variants (d <= 32, d <= 64), d % 4 != 0 (scalar loads), one token
        long[][] shapes = {{2, 10, 2, 8}, {1, 65, 3, 64}, {2, 37, 1, 16}, {1, 70, 2, 40}, {2, 17, 2, 6}, {3, 1, 2, 4}};
        for (long[] s : shapes) {
            long b = s[0], t = s[1], d = s[3];
            int heads = (int) s[2];
            int n = (int) (b * t * 3 * heads * d), m = (int) (b * t * heads * d);
            float[] qkv = normal(r, n, 1.5), up = normal(r, m, 1);
            double[][] expected = run(Device.REF, DType.FLOAT64, qkv, up, b, t, heads, d, false);
            for (Device dev : TestBackends.devices()) {
                String what = "attention B=" + b + " T=" + t + " H=" + heads + " d=" + d + " on " + dev;
                double[][] actual = run(dev, DType.FLOAT32, qkv, up, b, t, heads, d, true);
                assertClose(what + " out", expected[0], actual[0], false);
                assertClose(what + " dqkv", expected[1], actual[1], true);
            }
        }
    }

    /** The largest |q·k|/√d of a single-head qkv [t, 3·d]. */
    static double maxScore(float[] qkv, long t, long d) {
        double max = 0;
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++) {
                double s = 0;
                for (int c = 0; c < d; c++) s += (double) qkv[(int) (i * 3 * d + c)] * qkv[(int) (j * 3 * d + d + c)];
                max = Math.max(max, Math.abs(s) / Math.sqrt(d));
            }
        return max;
    }

    @Test void largeScoresAndNaNsBehaveAsTheUnfusedSoftmax() {
        // scores of a few hundred (the online softmax rescales across tiles without overflow: exp(s) alone would
        // overflow float above 88), and a NaN in one query row makes exactly that row's output NaN, as the unfused
        // softmax does. A score of size S carries an fp32 rounding error of about S·2^-24·d, which moves the output by as
        // much relative to the values: the tolerance grows with S (TOL per 10 of the largest score).
        Random r = new Random(4);
        long b = 1, t = 40, d = 8;
        int heads = 1;
        float[] qkv = normal(r, (int) (b * t * 3 * d), 6);
        float[] up = normal(r, (int) (b * t * d), 1);
        double[][] expected = run(Device.REF, DType.FLOAT64, qkv, up, b, t, heads, d, false);
        qkv[(int) (5 * 3 * d + 2)] = Float.NaN;   // q of token 5
        for (Device dev : TestBackends.devices()) {
            double[][] big = run(dev, DType.FLOAT32, java.util.Arrays.copyOf(qkv, qkv.length), up, b, t, heads, d, true);
            for (int tok = 0; tok < t; tok++)
                for (int c = 0; c < d; c++) {
                    double v = big[0][(int) (tok * d + c)];
                    if (tok == 5) assertTrue(Double.isNaN(v), "row 5 is NaN on " + dev);
                    else assertFalse(Double.isNaN(v), "row " + tok + " is not NaN on " + dev);
                }
        }
        qkv[(int) (5 * 3 * d + 2)] = 0.25f;
        expected = run(Device.REF, DType.FLOAT64, qkv, up, b, t, heads, d, false);
        double maxScore = maxScore(qkv, t, d), tol = TOL * Math.max(1, maxScore / 10);
        assertTrue(maxScore > 100, "the scores reach " + maxScore);
        for (Device dev : TestBackends.devices()) {
            double[][] actual = run(dev, DType.FLOAT32, qkv, up, b, t, heads, d, true);
            assertClose("large scores (max " + maxScore + ") out on " + dev, expected[0], actual[0], false, tol);
            assertClose("large scores (max " + maxScore + ") dqkv on " + dev, expected[1], actual[1], true, tol);
        }
    }

    static long launches(CudaBackend cuda, Runnable body) {
        long before = cuda.counters().launches();
        body.run();
        return cuda.counters().launches() - before;
    }

    @Test void oneLaunchForwardTwoBackwardOnCudaEmu() {
        CudaBackend cuda = FusedOpsTest.emulator();
        Device dev = cuda.device();
        try (Scope _ = Scope.open("launches")) {
            Tensor qkv = Tensor.fromArray(normal(new Random(2), 2 * 10 * 3 * 16, 1), dev, 2, 10, 48).setRequiresGrad(true);
            Tensor[] y = new Tensor[2];
            long fused = launches(cuda, () -> y[0] = FusedAttention.selfAttention(qkv, 2));
            long plain = launches(cuda, () -> y[1] = unfused(qkv, 2));
            Tensor seed = Tensor.onesLike(y[0]);
            long fusedBack = launches(cuda, () -> y[0].backward(seed));
            qkv.zeroGrad();
            long plainBack = launches(cuda, () -> y[1].backward(seed));
            assertEquals(1, fused, "fused forward launches");
            assertEquals(2, fusedBack, "fused backward launches (dq with delta, then dk and dv)");
            assertTrue(plain >= 3 && plainBack >= 4, "unfused launches: " + plain + " forward, " + plainBack + " backward");
        }
    }

    /** Peak device bytes of a forward and backward beyond what was live before, on cuda-emu. */
    static long peakBytes(CudaBackend cuda, Device dev, long b, long t, int heads, long d, boolean fused) {
        try (Scope _ = Scope.open("memory")) {
            Tensor qkv = Tensor.fromArray(normal(new Random(6), (int) (b * t * 3 * heads * d), 1), dev, b, t, 3 * heads * d)
                    .setRequiresGrad(true);
            Tensor seed = Tensor.fromArray(normal(new Random(7), (int) (b * t * heads * d), 1), dev, b, t, heads * d);
            cuda.synchronize();
            long live = cuda.memoryStats().liveBytes();
            cuda.resetPeakBytes();
            Tensor y = fused ? FusedAttention.selfAttention(qkv, heads) : unfused(qkv, heads);
            y.backward(seed);
            return cuda.memoryStats().peakBytes() - live;
        }
    }

    @Test void theFusedPathNeverHoldsTheScoreMatrix() {
        CudaBackend cuda = FusedOpsTest.emulator();
        Device dev = cuda.device();
        long b = 2, t = 256, d = 8;
        int heads = 2;
        long scores = b * heads * t * t * 4;   // one [B, H, T, T] float32 buffer: 1 MiB; q, k, v together 48 KiB
        long fused = peakBytes(cuda, dev, b, t, heads, d, true), plain = peakBytes(cuda, dev, b, t, heads, d, false);
        assertTrue(plain >= scores, "the unfused path holds the scores: peak " + plain + " bytes >= " + scores);
        assertTrue(fused < scores / 4, "fused peak " + fused + " bytes, the scores alone would be " + scores);
    }

    @Test void multiheadSelfAttentionUsesTheFusedPathAndEqualsTheUnfusedOne() {
        for (Device dev : TestBackends.devices()) {
            Random r = new Random(3);
            float[] x = normal(r, 2 * 9 * 24, 1);
            double[][] res = new double[2][];
            for (int k = 0; k < 2; k++) {
                try (Scope _ = Scope.open("mhsa");
                     MultiheadSelfAttention a = new MultiheadSelfAttention(24, 3, true, 0, 0, new Generator(5))) {
                    a.to(dev);
                    List<long[]> seen = new ArrayList<>();
                    if (k == 1) a.module("attn_drop").addForwardHook((m, in, out) -> seen.add(out.shape().dims()));
                    assertEquals(k == 0, a.fusedAttention(), "fused path without a hook on attn_drop");
                    Tensor xt = Tensor.fromArray(x, dev, 2, 9, 24).setRequiresGrad(true);
                    Tensor y = a.forward(xt);
                    y.square().sum().backward();
                    res[k] = concat(y.toDoubleArray(), xt.grad().toDoubleArray(), a.parameter("qkv.weight").grad().toDoubleArray());
                    if (k == 1) {
                        assertEquals(1, seen.size(), "the hook saw the weights once");
                        assertArrayEquals(new long[] {2, 3, 9, 9}, seen.get(0), "the hook sees [B, H, T, T] weights");
                    }
                }
            }
            assertClose("MultiheadSelfAttention fused vs unfused on " + dev, res[1], res[0], true);
        }
    }

    static double[] concat(double[]... parts) {
        int n = 0;
        for (double[] p : parts) n += p.length;
        double[] all = new double[n];
        int at = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    @Test void badArgumentsAreNamedByTheOp() {
        for (Device dev : TestBackends.devices()) {
            Backend be = Backends.of(dev);
            try (Scope _ = Scope.open("bad")) {
                View q = Tensor.zeros(Shape.of(1, 2, 5, 4), dev).kernelView(), k = Tensor.zeros(Shape.of(1, 2, 6, 4), dev).kernelView();
                View v = Tensor.zeros(Shape.of(1, 2, 5, 4), dev).kernelView(), out = Tensor.zeros(Shape.of(1, 2, 5, 4), dev).kernelView();
                View lse = Tensor.zeros(Shape.of(1, 2, 5), dev).kernelView();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.attention(q, k, v, out, lse, 0.5));
                assertTrue(e.getMessage().startsWith("attention: k has shape [1, 2, 6, 4]"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class, () -> be.attention(q, q, v, v, lse, 0.5));
                assertTrue(e.getMessage().startsWith("attention: out") && e.getMessage().contains("overlaps v"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class, () -> be.attention(q, q, v, out, lse, Double.NaN));
                assertTrue(e.getMessage().contains("scale"), e.getMessage());
                View shortLse = Tensor.zeros(Shape.of(1, 2, 4), dev).kernelView();
                e = assertThrows(IllegalArgumentException.class, () -> be.attention(q, q, v, out, shortLse, 0.5));
                assertTrue(e.getMessage().startsWith("attention: logSumExp"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class,
                        () -> be.attentionBackward(q, q, v, out, out, lse, q, out, v, 0.5));
                assertTrue(e.getMessage().startsWith("attentionBackward: dq"), e.getMessage());
            }
        }
    }
}
