// Issue 15's fused ops at the tensor level, on every backend this run has (ref, cpu, cuda-emu): F.crossEntropy (the
// fused Backend.crossEntropy op) against the unfused composition log-softmax + gather + reductions computed on the
// ref backend in float64, values and logit gradients, every reduction, with and without label smoothing, within
// 1e-5 (relative to max(1, |value|)); batch norm + ReLU (training and eval) and add + ReLU against the unfused op
// sequence on the same backend (outputs, input and parameter gradients, running statistics); a target out of range
// named by the op; and on cuda-emu the kernel launches of each fused op against its unfused sequence (counted by the
// backend's DeviceCounters): one launch each way where the unfused ops take several.
package ai.lethe.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class FusedOpsTest {
    static final double TOL = 1e-5;

    static CudaBackend emulator() {
        Backend b = Backends.byName("cuda-emu");
        Availability a = b.availability();
        if (!a.available()) {
            assumeTrue(TestBackends.optional("cuda-emu"), "cuda-emu is optional in this run: " + a.reason());
            fail("cuda-emu must be available: " + a.reason());
        }
        return (CudaBackend) Backends.implementation(b);
    }

    static void assertClose(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (Double.isNaN(e)) {
                assertTrue(Double.isNaN(a), what + "[" + i + "]: expected NaN, got " + a);
                continue;
            }
            assertTrue(Math.abs(e - a) <= TOL * Math.max(1, Math.abs(e)), what + "[" + i + "]: expected " + e + ", got " + a);
        }
    }

    static float[] normal(Random r, int n, double scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (scale * r.nextGaussian());
        return f;
    }

    /** The unfused definition (the code F.crossEntropy ran before the fusion). */
    static Tensor unfusedCrossEntropy(Tensor logits, Tensor target, F.Reduction reduction, double eps) {
        long c = logits.shape().dim(1);
        Tensor logp = F.logSoftmax(logits, 1);
        Tensor perSample = logp.gather(1, target.unsqueeze(1)).squeeze(1).neg();
        if (eps > 0) perSample = perSample.mul(1 - eps).add(logp.sum(1).mul(-1.0 / c), eps);
        return switch (reduction) {
            case NONE -> perSample;
            case MEAN -> perSample.mean();
            case SUM -> perSample.sum();
        };
    }

    // ---- cross-entropy --------------------------------------------------------------------------------------

    @Test void crossEntropyMatchesTheUnfusedDefinitionOnEveryBackend() {
        Random r = new Random(11);
        int[][] shapes = {{1, 1}, {5, 3}, {17, 10}, {4, 100}, {9, 37}};
        for (int[] nc : shapes) {
            int n = nc[0], c = nc[1];
            float[] x = normal(r, n * c, 3);
            long[] t = new long[n];
            for (int i = 0; i < n; i++) t[i] = r.nextInt(c);
            float[] upstream = normal(r, n, 1);
            for (F.Reduction red : F.Reduction.values())
                for (double eps : new double[] {0, 0.1}) {
                    String what = "crossEntropy " + n + "x" + c + " " + red + " eps=" + eps;
                    double[][] expected = run(Device.REF, DType.FLOAT64, x, t, upstream, n, c, red, eps, true);
                    for (Device d : TestBackends.devices()) {
                        double[][] actual = run(d, DType.FLOAT32, x, t, upstream, n, c, red, eps, false);
                        assertClose(what + " loss on " + d, expected[0], actual[0]);
                        assertClose(what + " dlogits on " + d, expected[1], actual[1]);
                    }
                }
        }
    }

    /** {loss values, dlogits} of the fused (or unfused) cross-entropy on a device. */
    private static double[][] run(Device d, DType dtype, float[] x, long[] t, float[] upstream, int n, int c,
                                  F.Reduction red, double eps, boolean unfused) {
        try (Scope _ = Scope.open("ce")) {
            double[] xd = new double[x.length];
            for (int i = 0; i < x.length; i++) xd[i] = x[i];
            Tensor logits = Tensor.fromArray(xd, dtype, d, n, c).setRequiresGrad(true);
            Tensor target = Tensor.fromLongs(t, d, n);
            Tensor loss = unfused ? unfusedCrossEntropy(logits, target, red, eps) : F.crossEntropy(logits, target, red, eps);
            double[] values = loss.toDoubleArray();
            if (red == F.Reduction.NONE) {
                double[] u = new double[n];
                for (int i = 0; i < n; i++) u[i] = upstream[i];
                loss.mul(Tensor.fromArray(u, dtype, d, n)).sum().backward();
            } else {
                loss.mul(upstream[0]).backward();
            }
            return new double[][] {values, logits.grad().toDoubleArray()};
        }
    }

    @Test void theLargeFormSplitsRowsAndSums() {
        // more logits than one block reduces (CudaNn.CE_ONE_BLOCK_ELEMENTS): a grid over rows, then one sum
        Random r = new Random(3);
        int n = 1100, c = 1000;
        float[] x = normal(r, n * c, 2);
        long[] t = new long[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(c);
        float[] up = {0.5f};
        double[][] expected = run(Device.REF, DType.FLOAT64, x, t, up, n, c, F.Reduction.MEAN, 0.05, true);
        double[][] actual = run(emulator().device(), DType.FLOAT32, x, t, up, n, c, F.Reduction.MEAN, 0.05, false);
        assertClose("large mean loss", expected[0], actual[0]);
        assertClose("large dlogits", expected[1], actual[1]);
    }

    @Test void aTargetOutOfRangeIsNamed() {
        for (Device d : TestBackends.devices()) {
            try (Scope _ = Scope.open("bad")) {
                Tensor logits = Tensor.fromArray(new float[6], d, 2, 3);
                Tensor target = Tensor.fromLongs(new long[] {1, 3}, d, 2);
                IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                        () -> F.crossEntropy(logits, target).item(), d.toString());   // on a GPU: at the read
                assertTrue(e.getMessage().contains("crossEntropy") && e.getMessage().contains("3"), e.getMessage());
            }
        }
        try (Scope _ = Scope.open("rank")) {
            Tensor logits = Tensor.fromArray(new float[6], Device.REF, 2, 3);
            assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits, Tensor.fromLongs(new long[] {0}, Device.REF, 1)));
        }
    }

    /** Launches of body on cuda-emu. */
    static long launches(CudaBackend cuda, Runnable body) {
        long before = cuda.counters().launches();
        body.run();
        return cuda.counters().launches() - before;
    }

    @Test void crossEntropyIsOneLaunchEachWayOnCudaEmu() {
        CudaBackend cuda = emulator();
        Device d = cuda.device();
        try (Scope _ = Scope.open("launches")) {
            Tensor logits = Tensor.fromArray(normal(new Random(1), 64 * 10, 1), d, 64, 10).setRequiresGrad(true);
            Tensor target = Tensor.fromLongs(new long[64], d, 64);
            Tensor[] loss = new Tensor[2];
            long fusedForward = launches(cuda, () -> loss[0] = F.crossEntropy(logits, target));
            long unfusedForward = launches(cuda, () -> loss[1] = unfusedCrossEntropy(logits, target, F.Reduction.MEAN, 0));
            Tensor seed = Tensor.onesLike(loss[0]);   // the upstream gradient, made outside the counted backward
            long fusedBackward = launches(cuda, () -> loss[0].backward(seed));
            logits.zeroGrad();
            long unfusedBackward = launches(cuda, () -> loss[1].backward(seed));
            assertEquals(1, fusedForward, "fused forward launches");
            assertTrue(fusedBackward <= 1, "fused backward launches: " + fusedBackward);
            assertTrue(unfusedForward >= 3 && unfusedBackward >= 3,
                    "unfused launches: " + unfusedForward + " forward, " + unfusedBackward + " backward");
        }
    }

    // ---- batch norm + ReLU, add + ReLU ----------------------------------------------------------------------

    /** {out, dx, dweight, dbias, runningMean, runningVar} of relu(batchNorm) on d, fused or not. */
    private static double[][] bnRelu(Device d, float[] x, float[] up, long[] shape, boolean training, boolean fused) {
        try (Scope _ = Scope.open("bn")) {
            long c = shape[1];
            Random r = new Random(7);
            Tensor xt = Tensor.fromArray(x, d, shape).setRequiresGrad(true);
            Tensor w = Tensor.fromArray(normal(r, (int) c, 1), d, c).setRequiresGrad(true);
            Tensor b = Tensor.fromArray(normal(r, (int) c, 0.5), d, c).setRequiresGrad(true);
            Tensor rm = Tensor.fromArray(normal(r, (int) c, 0.3), d, c);
            float[] var = normal(r, (int) c, 0.3);
            for (int i = 0; i < var.length; i++) var[i] = 0.5f + Math.abs(var[i]);
            Tensor rv = Tensor.fromArray(var, d, c);
            Tensor y = fused ? FusedNorm.batchNormRelu(xt, rm, rv, w, b, training, 0.1, 1e-5)
                    : F.relu(F.batchNorm(xt, rm, rv, w, b, training, 0.1, 1e-5));
            y.mul(Tensor.fromArray(up, d, shape)).sum().backward();
            return new double[][] {y.toDoubleArray(), xt.grad().toDoubleArray(), w.grad().toDoubleArray(),
                    b.grad().toDoubleArray(), rm.toDoubleArray(), rv.toDoubleArray()};
        }
    }

    @Test void batchNormReluEqualsBatchNormThenRelu() {
        Random r = new Random(5);
        String[] parts = {"out", "dx", "dweight", "dbias", "runningMean", "runningVar"};
        // the last shape is large enough for the cpu kernels to split channels over threads (GRAIN_ROWS, GRAIN_MEMORY)
        for (long[] shape : new long[][] {{4, 3, 5, 5}, {2, 8, 3, 3}, {16, 6}, {8, 16, 24, 24}}) {
            int numel = 1;
            for (long s : shape) numel *= (int) s;
            float[] x = normal(r, numel, 1), up = normal(r, numel, 1);
            for (boolean training : new boolean[] {true, false})
                for (Device d : TestBackends.devices()) {
                    double[][] expected = bnRelu(d, x, up, shape, training, false), actual = bnRelu(d, x, up, shape, training, true);
                    for (int k = 0; k < parts.length; k++)
                        assertClose("batchNormRelu " + java.util.Arrays.toString(shape) + (training ? " train " : " eval ")
                                + parts[k] + " on " + d, expected[k], actual[k]);
                }
        }
    }

    @Test void addReluEqualsAddThenRelu() {
        Random r = new Random(9);
        for (int n : new int[] {1, 7, 64, 1030, 70_001}) {   // 70,001: the cpu kernel's threaded path
            float[] a = normal(r, n, 1), b = normal(r, n, 1), up = normal(r, n, 1);
            for (Device d : TestBackends.devices()) {
                double[][] res = new double[2][];
                double[][] ga = new double[2][], gb = new double[2][];
                for (int k = 0; k < 2; k++) {
                    try (Scope _ = Scope.open("addRelu")) {
                        Tensor at = Tensor.fromArray(a, d, n).setRequiresGrad(true), bt = Tensor.fromArray(b, d, n).setRequiresGrad(true);
                        Tensor y = k == 0 ? at.add(bt).relu() : FusedNorm.addRelu(at, bt);
                        y.mul(Tensor.fromArray(up, d, n)).sum().backward();
                        res[k] = y.toDoubleArray();
                        ga[k] = at.grad().toDoubleArray();
                        gb[k] = bt.grad().toDoubleArray();
                    }
                }
                assertClose("addRelu n=" + n + " on " + d, res[0], res[1]);
                assertClose("addRelu da n=" + n + " on " + d, ga[0], ga[1]);
                assertClose("addRelu db n=" + n + " on " + d, gb[0], gb[1]);
            }
        }
    }

    @Test void fusedNormAndActivationLaunchLessOnCudaEmu() {
        CudaBackend cuda = emulator();
        Device d = cuda.device();
        Random r = new Random(2);
        try (Scope _ = Scope.open("launches")) {
            long c = 4;
            Tensor x = Tensor.fromArray(normal(r, 2 * 4 * 3 * 3, 1), d, 2, c, 3, 3).setRequiresGrad(true);
            Tensor w = Tensor.ones(ai.lethe.core.Shape.of(c), d).setRequiresGrad(true), b = Tensor.zeros(ai.lethe.core.Shape.of(c), d).setRequiresGrad(true);
            Tensor[] y = new Tensor[2];
            long fused = launches(cuda, () -> y[0] = FusedNorm.batchNormRelu(x, null, null, w, b, true, 0.1, 1e-5));
            long unfused = launches(cuda, () -> y[1] = F.relu(F.batchNorm(x, null, null, w, b, true, 0.1, 1e-5)));
            assertEquals(1, fused, "batchNormRelu forward");
            assertEquals(2, unfused, "batchNorm then relu forward");
            Tensor seed = Tensor.onesLike(y[0]);
            long fusedBack = launches(cuda, () -> y[0].backward(seed));
            long unfusedBack = launches(cuda, () -> y[1].backward(seed));
            assertTrue(fusedBack < unfusedBack, "backward launches: fused " + fusedBack + ", unfused " + unfusedBack);
            Tensor a = Tensor.fromArray(normal(r, 100, 1), d, 100), bb = Tensor.fromArray(normal(r, 100, 1), d, 100);
            assertEquals(1, launches(cuda, () -> FusedNorm.addRelu(a, bb)), "addRelu forward");
            assertEquals(2, launches(cuda, () -> a.add(bb).relu()), "add then relu forward");
        }
    }

    static <T> T quiet(Supplier<T> s) { return s.get(); }

    // ---- linear + bias + GELU (the ViT MLP's fc1 + act) -------------------------------------------------------

    @Test void linearGeluEqualsLinearThenGelu() {
        Random r = new Random(13);
        for (int[] dims : new int[][] {{3, 5, 8}, {2, 7, 6}, {1, 4, 3}}) {   // tokens x in -> out (out % 4 == 0 and not)
            int rows = dims[0] * 2, in = dims[1], outF = dims[2];
            float[] x = normal(r, rows * in, 1), w = normal(r, outF * in, 0.5), b = normal(r, outF, 0.5), up = normal(r, rows * outF, 1);
            for (boolean tanh : new boolean[] {false, true})
                for (Device d : TestBackends.devices()) {
                    double[][][] res = new double[2][][];
                    for (int k = 0; k < 2; k++) {
                        try (Scope _ = Scope.open("linearGelu")) {
                            Tensor xt = Tensor.fromArray(x, d, 2, dims[0], in).setRequiresGrad(true);
                            Tensor wt = Tensor.fromArray(w, d, outF, in).setRequiresGrad(true);
                            Tensor bt = Tensor.fromArray(b, d, outF).setRequiresGrad(true);
                            Tensor y = k == 0 ? F.gelu(F.linear(xt, wt, bt), tanh) : FusedLinear.linearGelu(xt, wt, bt, tanh);
                            y.mul(Tensor.fromArray(up, d, 2, dims[0], outF)).sum().backward();
                            res[k] = new double[][] {y.toDoubleArray(), xt.grad().toDoubleArray(), wt.grad().toDoubleArray(),
                                    bt.grad().toDoubleArray()};
                        }
                    }
                    String[] parts = {"out", "dx", "dweight", "dbias"};
                    for (int p = 0; p < parts.length; p++)
                        assertClose("linearGelu " + java.util.Arrays.toString(dims) + " tanh=" + tanh + " " + parts[p] + " on " + d,
                                res[0][p], res[1][p]);
                }
        }
    }

    @Test void linearGeluSavesALaunchOnCudaEmu() {
        CudaBackend cuda = emulator();
        Device d = cuda.device();
        Random r = new Random(8);
        try (Scope _ = Scope.open("launches")) {
            Tensor x = Tensor.fromArray(normal(r, 10 * 16, 1), d, 10, 16), w = Tensor.fromArray(normal(r, 32 * 16, 1), d, 32, 16);
            Tensor b = Tensor.fromArray(normal(r, 32, 1), d, 32);
            // the bias in the GEMM's epilogue (F.linear -> Backend.linearBias), then one GELU launch; unfused: the GEMM,
            // the broadcast add and the GELU
            long fused = launches(cuda, () -> FusedLinear.linearGelu(x, w, b, false));
            long unfused = launches(cuda, () -> F.gelu(x.matmul(w.t()).add(b), false));
            assertEquals(1, fused, "launches: fused " + fused);
            assertEquals(unfused - 1, fused, "launches: fused " + fused + ", unfused " + unfused);
        }
    }
}
