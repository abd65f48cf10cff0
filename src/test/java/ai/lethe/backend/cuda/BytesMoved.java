// The bytes each memory-bound kernel of the CUDA backend reads and writes, against the minimum its inputs and outputs
// require, counted by the emulator (EmulatorBytes: the kernels' instrumented twins) on cuda-emu. One case per kernel
// issue 15 lists (elementwise unary and binary, fills and copies, the optimizer steps with the multi-tensor ones, SSD
// dampening, magnitude scores, masks, noise, add + ReLU, bias + GELU, cross-entropy backward), each run through the
// backend's SPI op as Lethe calls it; and the one-pass layer norms (recorded, with their exact per-block extra). BytesMovedTest asserts on these; the GPU harness (GpuBench, --emulated) records
// them for benchmarks/RESULTS.md (benchmarks/gpu/report.py renders the ratios).
package ai.lethe.backend.cuda;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.RandomKind;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;
import ai.lethe.core.Device;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

public final class BytesMoved {
    private BytesMoved() {}

    /** The elements of the test's 1-D cases: float4 groups and a scalar tail of 3. */
    public static final int TEST_ELEMENTS = (1 << 18) + 3;

    /**
     * One case: the kernels its op launched (counted launches), the bytes they read and wrote, the minimum the op's
     * inputs and outputs require, and the bytes the backend's DeviceCounters saw for the op. exact: the kernel reads
     * and writes each element once (no per-row or per-column operand), so its counts equal the minimum plus the
     * stated extra (0 but for the layer norms' per-block weight loads and partial sums). listed: one of the
     * memory-bound kernels issue 15 holds to 1.1x (the layer norms are recorded, not bounded).
     */
    public record Result(String name, String kernel, long launches, long read, long written, long minRead, long minWritten,
                         long opBytes, boolean exact, boolean listed, long extraRead, long extraWritten) {
        public double ratio() { return (double) (read + written) / (minRead + minWritten); }

        @Override public String toString() {
            return String.format(Locale.ROOT, "%-34s %-30s %3d launch(es)  read %,12d (min %,12d)  written %,12d (min %,12d)  ratio %.4f",
                    name, kernel, launches, read, minRead, written, minWritten, ratio());
        }
    }

    /** The cuda-emu backend (its implementation, not the checked wrapper); an IllegalStateException when unavailable. */
    static CudaBackend emulator() {
        Backend b = Backends.byName("cuda-emu");
        if (!b.availability().available()) throw new IllegalStateException("cuda-emu is not available: " + b.availability().reason());
        return (CudaBackend) Backends.implementation(b);
    }

    /** The emulator's byte counting. */
    public static EmulatorBytes bytes() {
        return ((EmulatedRuntime) CountingRuntime.unwrap(emulator().context().runtime())).bytes();
    }

    private record Case(String name, boolean exact, boolean listed, long minRead, long minWritten, long extraRead,
                        long extraWritten, Runnable op, String... kernels) {
        /** A kernel of issue 15's list: bounded by 1.1x, no extra bytes expected. */
        Case(String name, boolean exact, long minRead, long minWritten, Runnable op, String... kernels) {
            this(name, exact, true, minRead, minWritten, 0, 0, op, kernels);
        }
    }

    /** Every case at n elements (1-D) or about n elements (2-D), each with byte counting on. */
    public static List<Result> measure(int n) {
        CudaBackend cuda = emulator();
        Backend be = Backends.byName("cuda-emu");   // through CheckedBackend, as Lethe calls it
        Device d = cuda.device();
        EmulatorBytes bytes = bytes();
        List<Result> out = new ArrayList<>();
        Random r = new Random(15);
        try (Scope _ = Scope.open("bytes-moved")) {
            View x = vec(r, d, n, 1), y = vec(r, d, n, 1), z = vec(r, d, n, 1), w = vec(r, d, n, 1), m = vec(r, d, n, 1);
            View pos = abs(r, d, n), pos2 = abs(r, d, n);
            long f = 4L * n;
            List<Case> cases = new ArrayList<>();
            cases.add(new Case("fill", true, 0, f, () -> be.fill(x, 2.5), "fill_f32"));
            int rows = 512, cols = Math.max(4, n / 512 / 4 * 4);
            View mat = vec(r, d, rows * cols, 1).reshaped(rows, cols), matOut = vec(r, d, rows * cols, 1).reshaped(cols, rows);
            View transposed = new View(mat.storage(), mat.dtype(), mat.offset(), new long[] {cols, rows}, new long[] {1, cols});
            cases.add(new Case("copy (transpose)", true, 4L * rows * cols, 4L * rows * cols,
                    () -> be.copy(transposed, matOut), "copy_strided"));
            cases.add(new Case("unary EXP", true, f, f, () -> be.unary(UnaryOp.EXP, x, z, 0, 0), "unary_f32"));
            cases.add(new Case("magnitude scores (unary ABS)", true, f, f, () -> be.unary(UnaryOp.ABS, x, z, 0, 0), "unary_f32"));
            cases.add(new Case("binary ADD", true, 2 * f, f, () -> be.binary(BinaryOp.ADD, x, y, z, 1, 0), "binary_f32_strided"));
            cases.add(new Case("binary MUL in place", true, 2 * f, f, () -> be.binary(BinaryOp.MUL, z, y, z, 1, 0),
                    "binary_f32_strided"));
            cases.add(new Case("random (uniform)", true, 0, f, () -> be.random(RandomKind.UNIFORM, z, 7, 0, 0, 1), "random_f32"));
            cases.add(new Case("add + ReLU", true, 2 * f, f, () -> be.addRelu(x, y, z), "add_relu_f32"));
            cases.add(new Case("Fisher accumulate (addSquared)", true, 2 * f, f, () -> be.addSquared(x, z, 0.5), "add_squared_f32"));
            for (int c : new int[] {cols, cols - 1}) {
                View yy = vec(r, d, rows * c, 1).reshaped(rows, c), bias = vec(r, d, c, 1), pre = vec(r, d, rows * c, 1).reshaped(rows, c);
                View act = vec(r, d, rows * c, 1).reshaped(rows, c);
                long e = 4L * rows * c;
                cases.add(new Case("bias + GELU " + rows + "x" + c, false, e + 4L * c, 2 * e,
                        () -> be.biasGelu(yy, bias, pre, act, UnaryOp.GELU_ERF), "bias_gelu_f32"));
            }
            SgdParams sgd = new SgdParams(0.1, 0.9, 0, 5e-4, false, false, false);
            View mask = vec(r, d, n, 1);
            be.unary(UnaryOp.SIGN, pos, mask, 0, 0);   // 1 almost everywhere, 0 where |x| rounded to 0
            cases.add(new Case("SGD (momentum, weight decay, mask)", true, 4 * f, 2 * f,
                    () -> be.sgdStep(w, x, y, mask, sgd), "sgd_step_f32"));
            SgdParams plain = new SgdParams(0.1, 0, 0, 0, false, false, false);
            cases.add(new Case("SGD (plain)", true, 2 * f, f, () -> be.sgdStep(w, x, null, null, plain), "sgd_step_f32"));
            AdamParams adam = new AdamParams(1e-3, 0.9, 0.999, 1e-8, 0.01, true, false, 3);
            cases.add(new Case("AdamW (mask)", true, 5 * f, 3 * f, () -> be.adamStep(w, x, pos, pos2, mask, adam), "adam_step_f32"));
            // multi-tensor: a model's worth of parameters of assorted sizes (not multiples of the chunk or of 4)
            long[] sizes = {n / 2 + 1, 3, n / 4, 4096, 129, n / 8 + 5};
            View[] ps = new View[sizes.length], gs = new View[sizes.length], bs = new View[sizes.length], ms = new View[sizes.length],
                    vs = new View[sizes.length];
            long total = 0;
            for (int i = 0; i < sizes.length; i++) {
                ps[i] = vec(r, d, sizes[i], 1);
                gs[i] = vec(r, d, sizes[i], 1);
                bs[i] = vec(r, d, sizes[i], 1);
                ms[i] = abs(r, d, sizes[i]);
                vs[i] = abs(r, d, sizes[i]);
                total += 4 * sizes[i];
            }
            cases.add(new Case("SGD multi-tensor (momentum)", true, 3 * total, 2 * total,
                    () -> be.sgdStepMulti(ps, gs, bs, null, sgd), "sgd_step_multi_f32"));
            cases.add(new Case("AdamW multi-tensor", true, 4 * total, 3 * total,
                    () -> be.adamStepMulti(ps, gs, ms, vs, null, adam), "adam_step_multi_f32"));
            cases.add(new Case("SSD dampening", true, 3 * f, f, () -> be.ssdDampen(w, pos, pos2, 1.0, 1.0), "ssd_dampen_f32"));
            cases.add(new Case("Gaussian noise", true, 2 * f, f, () -> be.addGaussianNoise(w, pos, 11, 0), "add_gaussian_noise_f32"));
            View maskOut = vec(r, d, n, 1);
            cases.add(new Case("mask from scores (3 passes)", false, f, f, () -> be.maskFromScores(pos, maskOut, 0.5f, 0),
                    "mask_strict_f32", "mask_tie_scan", "mask_ties_f32"));
            for (int c : new int[] {10, 1000}) {
                int nRows = Math.max(1, n / c);
                View logits = vec(r, d, nRows * c, 2).reshaped(nRows, c), dl = vec(r, d, nRows * c, 1).reshaped(nRows, c);
                long[] t = new long[nRows];
                for (int i = 0; i < nRows; i++) t[i] = r.nextInt(c);
                View target = Tensor.fromLongs(t, d, nRows).kernelView(), lse = vec(r, d, nRows, 1);
                be.crossEntropy(logits, target, null, lse, vec(r, d, 1, 1), 0.1, 1.0 / nRows);
                View one = vec(r, d, 1, 1);
                View up = new View(one.storage(), one.dtype(), one.offset(), new long[] {nRows}, new long[] {0});
                long e = 4L * nRows * c;
                cases.add(new Case("cross-entropy backward C=" + c, false, e + 12L * nRows + 4, e,
                        () -> be.crossEntropyBackward(logits, target, lse, up, dl, 0.1, 1.0 / nRows), "cross_entropy_backward_f32"));
            }
            // layer norm (not a memory-bound kernel of issue 15's list, but its one-pass claim: each row read once)
            int lm = Math.max(16, n / 384), ld = 384;
            View lx = vec(r, d, (long) lm * ld, 1).reshaped(lm, ld), ly = vec(r, d, (long) lm * ld, 1).reshaped(lm, ld);
            View lw = vec(r, d, ld, 1), lb = vec(r, d, ld, 1), lmean = vec(r, d, lm, 1), linv = vec(r, d, lm, 1);
            View ldy = vec(r, d, (long) lm * ld, 1).reshaped(lm, ld), ldx = vec(r, d, (long) lm * ld, 1).reshaped(lm, ld);
            View ldw = vec(r, d, ld, 1), ldb = vec(r, d, ld, 1);
            long le = 4L * lm * ld;
            // exactly the minimum plus, per block (each walks 16+ rows), its weight and bias loads and, backward, its
            // dweight/dbias partials written and read back: nothing is read twice
            long blocks = Math.min(cuda.context().maxGrid(), (lm + 15) / 16);
            cases.add(new Case("layer norm " + lm + "x" + ld, true, false, le + 8L * ld, le + 8L * lm, (blocks - 1) * 8L * ld, 0,
                    () -> be.layerNorm(lx, lw, lb, ly, lmean, linv, 1e-5), "layer_norm_onepass_f32"));
            cases.add(new Case("layer norm backward " + lm + "x" + ld, true, false, 2 * le + 4L * ld + 8L * lm, le + 8L * ld,
                    (blocks - 1) * 4L * ld + blocks * 8L * ld, blocks * 8L * ld,
                    () -> be.layerNormBackward(ldy, lx, lw, lmean, linv, ldx, ldw, ldb), "layer_norm_backward_onepass_f32",
                    "layer_norm_params_sum_f32"));
            cuda.synchronize();
            for (Case c : cases) out.add(run(cuda, bytes, c));
        }
        return out;
    }

    private static Result run(CudaBackend cuda, EmulatorBytes bytes, Case c) {
        try (EmulatorBytes.On _ = bytes.on()) {
            EmulatorBytes.KernelTraffic[] before = new EmulatorBytes.KernelTraffic[c.kernels.length];
            for (int i = 0; i < before.length; i++) before[i] = bytes.kernel(c.kernels[i]);
            DeviceCounters start = cuda.counters();
            c.op.run();
            cuda.synchronize();
            DeviceCounters op = cuda.counters().minus(start);
            long launches = 0, read = 0, written = 0;
            for (int i = 0; i < before.length; i++) {
                EmulatorBytes.KernelTraffic k = bytes.kernel(c.kernels[i]).minus(before[i]);
                launches += k.countedLaunches();
                read += k.read();
                written += k.written();
            }
            return new Result(c.name, String.join("+", c.kernels), launches, read, written, c.minRead, c.minWritten,
                    op.bytesRead() + op.bytesWritten(), c.exact, c.listed, c.extraRead, c.extraWritten);
        }
    }

    private static View vec(Random r, Device d, long n, double scale) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (scale * r.nextGaussian());
        return Tensor.fromArray(v, d, n).kernelView();
    }

    private static View abs(Random r, Device d, long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.abs(r.nextGaussian()) + 1e-3f;
        return Tensor.fromArray(v, d, n).kernelView();
    }
}
