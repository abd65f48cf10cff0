// TF32 and bf16 (ai.lethe.backend.Precision) on every backend's conv/GEMM ops, against float32 and against the
// oracle: matmul (batched, a broadcast operand, a transposed one) and conv2d forward, input gradient and weight
// gradient (the 64x64 and narrow kernel tiles, stride, padding, dilation, a split weight-gradient reduction) on cpu
// and cuda-emu, with the ref backend as the reference.
//
// The bounds, per output element, with S = sum over its K products of |a|·|b| (K the reduction length: the GEMM's k,
// C·kh·kw forward, K·kh·kw for the input gradient, N·OH·OW for the weight gradient), u the format's unit roundoff
// (TF32 2^-11, bf16 2^-8: round to nearest) and g = K·2^-24 / (1 − K·2^-24) float32's accumulation bound:
//   against float32 (ref at FP32, double accumulation of the unrounded operands):
//       |y − y32| <= (2u + u²)·S + g·(1 + u)²·S + 2^-24·|y32|
//     (each product of rounded operands is off by at most (2u + u²)·|a||b|, and the device sums in float32);
//   against the oracle (ref at the same precision: double accumulation of the same rounded operands):
//       |y − yref| <= g·(1 + u)²·S + 2^-24·|yref|;
//   and the rounding is really applied: some element is further from y32 than float32 alone explains
//       (|y − y32| > g·S + 2^-24·|y32|), which an implementation that ignores the setting cannot be.
// On a GPU (device-check: -Dlethe.expect.cuda) `cuda` joins; its TF32 operands are converted by the tensor cores,
// which may truncate rather than round (NVIDIA does not say), so there TF32 is held to the float32 bound with
// u = 2^-10 and not to the oracle (whose rounding is to nearest even); its bf16 operands are rounded by our kernel and
// meet both bounds.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.Precision;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PrecisionToleranceTest {
    private static final double U32 = 0x1p-24;
    private final Backend ref = Backends.byName("ref");
    private final Random random = new Random(11);
    private final List<Storage> storages = new ArrayList<>();

    @AfterEach void release() {
        for (Storage s : storages) if (!s.isFreed()) s.release();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String device : devices())
            for (Precision p : List.of(Precision.TF32, Precision.BF16)) out.add(Arguments.of(device, p));
        return out.stream();
    }

    /** cpu and cuda-emu, and cuda where the run expects a GPU. */
    static List<String> devices() {
        List<String> d = new ArrayList<>(List.of("cpu", "cuda-emu"));
        if (ai.lethe.testing.TestBackends.expected().contains("cuda")) d.add("cuda");
        return d;
    }

    static Backend device(String name) {
        if (name.equals("cuda-emu")) return CudaBackendTest.emu();
        Backend b = Backends.byName(name);
        assertTrue(b.availability().available(), name + ": " + b.availability().reason());
        return b;
    }

    /** Whether the device's tensor cores convert TF32 operands themselves (a GPU: truncation allowed). */
    static boolean hardwareTf32(Backend b, Precision p) { return p == Precision.TF32 && b.name().equals("cuda"); }

    // ---- data -------------------------------------------------------------------------------------------------

    private float[] normal(long n) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian();
        return v;
    }

    private static float[] abs(float[] v) {
        float[] a = new float[v.length];
        for (int i = 0; i < v.length; i++) a[i] = Math.abs(v[i]);
        return a;
    }

    private View put(Backend b, long[] shape, float[] values) {
        Storage s = b.allocate(Math.max(1, values.length) * 4L);
        storages.add(s);
        View v = View.contiguous(s, DType.FLOAT32, Shape.of(shape));
        b.write(MemorySegment.ofArray(values), v);
        return v;
    }

    private View out(Backend b, long[] shape) { return put(b, shape, new float[Math.toIntExact(Shape.of(shape).numel())]); }

    private static float[] get(Backend b, View v) {
        float[] out = new float[Math.toIntExact(v.numel())];
        b.read(v, MemorySegment.ofArray(out));
        return out;
    }

    /** Runs op on backend b at precision p. */
    private static float[] at(Precision p, Function<Precision, float[]> op) {
        try (Precision.Scope s = Precision.autocast(p)) {
            return op.apply(p);
        }
    }

    // ---- the bounds ---------------------------------------------------------------------------------------------

    /**
     * Checks y (device at p) against y32 (ref, FP32) and yref (ref at p) with the bounds of the file comment; s = the
     * op on |operands| (ref, FP32), k the reduction length.
     */
    private static void assertWithinBounds(String what, Precision p, long k, float[] y, float[] y32, float[] yref, float[] s) {
        assertWithinBounds(what, p, false, k, y, y32, yref, s);
    }

    private static void assertWithinBounds(String what, Precision p, boolean hardware, long k, float[] y, float[] y32, float[] yref,
                                           float[] s) {
        double u = hardware ? 2 * p.unitRoundoff() : p.unitRoundoff(), g = k * U32 / (1 - k * U32), grow = (1 + u) * (1 + u);
        double worstRatio = 0;
        for (int i = 0; i < y.length; i++) {
            double si = s[i] * (1 + 1e-6);   // S itself came out of a float32 store
            double vs32 = Math.abs((double) y[i] - y32[i]), vsRef = Math.abs((double) y[i] - yref[i]);
            double bound32 = (2 * u + u * u) * si + g * grow * si + U32 * Math.abs(y32[i]);
            double boundRef = g * grow * si + U32 * Math.abs(yref[i]);
            if (!(vs32 <= bound32))
                fail(what + " " + p + ": element " + i + " is " + y[i] + ", float32 gives " + y32[i] + " (|diff| " + vs32
                        + " > bound " + bound32 + ")");
            if (!hardware && !(vsRef <= boundRef))
                fail(what + " " + p + ": element " + i + " is " + y[i] + ", ref at " + p + " gives " + yref[i] + " (|diff| " + vsRef
                        + " > bound " + boundRef + ")");
            worstRatio = Math.max(worstRatio, vs32 / (g * si + U32 * Math.abs(y32[i]) + 1e-30));
        }
        assertTrue(worstRatio > 1, what + " " + p + ": every element is within float32's own bound of the float32 result "
                + "(largest ratio " + worstRatio + "): the rounding was not applied");
    }

    // ---- matmul --------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matmulIsWithinTheBoundOfFloat32AndOfTheOracle(String name, Precision p) {
        Backend dev = device(name);
        int batch = 3, m = 7, k = 48, n = 9;
        float[] a = normal((long) batch * m * k), b = normal((long) n * k);
        // a [3, 7, 48]; b stored [9, 48], used transposed ([48, 9]) and broadcast over the batch (stride 0)
        Function<Backend, Function<float[][], float[]>> run = be -> ops -> {
            View va = put(be, new long[] {batch, m, k}, ops[0]);
            View sb = put(be, new long[] {n, k}, ops[1]);
            View vb = new View(sb.storage(), DType.FLOAT32, 0, new long[] {batch, k, n}, new long[] {0, 1, k});
            View vo = out(be, new long[] {batch, m, n});
            be.matmul(va, vb, vo, 1, 0);
            return get(be, vo);
        };
        float[] y = at(p, q -> run.apply(dev).apply(new float[][] {a, b}));
        float[] y32 = at(Precision.FP32, q -> run.apply(ref).apply(new float[][] {a, b}));
        float[] yref = at(p, q -> run.apply(ref).apply(new float[][] {a, b}));
        float[] s = at(Precision.FP32, q -> run.apply(ref).apply(new float[][] {abs(a), abs(b)}));
        assertWithinBounds("matmul on " + name, p, hardwareTf32(dev, p), k, y, y32, yref, s);

        // a transposed operand: a stored [3, 48, 7], viewed as [3, 7, 48]
        float[] aT = normal((long) batch * k * m), bT = normal((long) k * n);
        Function<Backend, Function<float[][], float[]>> runT = be -> ops -> {
            View sa = put(be, new long[] {batch, k, m}, ops[0]);
            View va = new View(sa.storage(), DType.FLOAT32, 0, new long[] {batch, m, k}, new long[] {(long) k * m, 1, m});
            View vb = put(be, new long[] {1, k, n}, ops[1]);
            View vbb = new View(vb.storage(), DType.FLOAT32, 0, new long[] {batch, k, n}, new long[] {0, n, 1});
            View vo = out(be, new long[] {batch, m, n});
            be.matmul(va, vbb, vo, 1, 0);
            return get(be, vo);
        };
        assertWithinBounds("matmul (A transposed) on " + name, p, hardwareTf32(dev, p), k,
                at(p, q -> runT.apply(dev).apply(new float[][] {aT, bT})),
                at(Precision.FP32, q -> runT.apply(ref).apply(new float[][] {aT, bT})),
                at(p, q -> runT.apply(ref).apply(new float[][] {aT, bT})),
                at(Precision.FP32, q -> runT.apply(ref).apply(new float[][] {abs(aT), abs(bT)})));
    }

    // ---- convolutions --------------------------------------------------------------------------------------------

    static List<Conv2dGeometry> geometries() {
        return List.of(
                new Conv2dGeometry(2, 5, 9, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1),      // 64x64 tiles
                new Conv2dGeometry(4, 3, 12, 12, 8, 3, 3, 1, 1, 1, 1, 1, 1),    // narrow tiles; a split weight gradient
                new Conv2dGeometry(2, 4, 11, 10, 20, 3, 3, 2, 2, 2, 2, 2, 2));  // stride 2, padding 2, dilation 2
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void convolutionsAreWithinTheBoundOfFloat32AndOfTheOracle(String name, Precision p) {
        Backend dev = device(name);
        for (Conv2dGeometry g : geometries()) {
            long[] xs = {g.n(), g.c(), g.h(), g.w()}, ws = {g.k(), g.c(), g.kh(), g.kw()}, ys = {g.n(), g.k(), g.outH(), g.outW()};
            float[] x = normal(Shape.of(xs).numel()), w = normal(Shape.of(ws).numel()), dy = normal(Shape.of(ys).numel());
            String where = " on " + name + " " + CudnnConvolutions.shapes(g);

            Function<Backend, Function<float[][], float[]>> fwd = be -> ops -> {
                View vo = out(be, ys);
                be.conv2d(put(be, xs, ops[0]), put(be, ws, ops[1]), null, vo, g);
                return get(be, vo);
            };
            check("conv2d" + where, p, g.c() * g.kh() * g.kw(), fwd, dev, x, w);

            Function<Backend, Function<float[][], float[]>> bwdIn = be -> ops -> {
                View vo = out(be, xs);
                be.conv2dBackwardInput(put(be, ys, ops[0]), put(be, ws, ops[1]), vo, g);
                return get(be, vo);
            };
            check("conv2dBackwardInput" + where, p, g.k() * g.kh() * g.kw(), bwdIn, dev, dy, w);

            Function<Backend, Function<float[][], float[]>> bwdW = be -> ops -> {
                View vo = out(be, ws);
                be.conv2dBackwardWeight(put(be, ys, ops[0]), put(be, xs, ops[1]), vo, g);
                return get(be, vo);
            };
            check("conv2dBackwardWeight" + where, p, g.n() * g.outH() * g.outW(), bwdW, dev, dy, x);
        }
    }

    private static void check(String what, Precision p, long k, Function<Backend, Function<float[][], float[]>> op, Backend dev,
                              float[] first, float[] second) {
        Backend ref = Backends.byName("ref");
        float[][] ops = {first, second}, absOps = {abs(first), abs(second)};
        assertWithinBounds(what, p, hardwareTf32(dev, p), k, at(p, q -> op.apply(dev).apply(ops)), at(Precision.FP32, q -> op.apply(ref).apply(ops)),
                at(p, q -> op.apply(ref).apply(ops)), at(Precision.FP32, q -> op.apply(ref).apply(absOps)));
    }
}
