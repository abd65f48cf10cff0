// CudaMath (math.cu, reduction.cu) on cuda-emu against the ref backend, whose double-precision formulas define every
// op: every UnaryOp and BinaryOp (float32; int64 arithmetic with wrap-around and comparisons) on strided, broadcast
// and in-place operands with special values, where (float32 and int64), every ReduceOp over several axis sets and
// lengths (one-thread and one-block kernels), arg-reductions with ties and NaN, and Philox random.
//
// Tolerances (the CUDA kernels evaluate each formula in double and round once, as ref does):
//  - elementwise: |cuda − ref| <= 1e-5·|ref| + 1e-30 per element, NaN exactly where ref has NaN (in practice the
//    results differ by at most one float ulp, from the math library's double functions);
//  - reductions over `count` elements: |cuda − ref| <= ulp(ref) + count·2^-50·S, S = Σ|x| (Σx² for VAR) over the
//    reduced elements: the kernels accumulate in double in another order than ref (error <= count·2^-53·S), then
//    round once to float (half an ulp each side);
//  - random UNIFORM/BERNOULLI bit-equal to ref; NORMAL within one float ulp (Box-Muller in double on both sides,
//    log and cos from different math libraries).
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lethe.backend.ArgReduceOp;
import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.RandomKind;
import ai.lethe.backend.ReduceOp;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;
import ai.lethe.backend.cuda.EmuAndRef.Pair;
import ai.lethe.core.DType;
import org.junit.jupiter.api.Test;

class CudaMathParityTest {
    private static final double TOL = 1e-5, FLOOR = 1e-30;
    private static final double[] SPECIALS = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0,
            1.0, -1.0, 1e-30, -1e-30, 3e38, -3e38, 0.5, -0.5, 88.8, -88.8, 1e-6};

    /** x [3, 5, 7] seen transposed (1, 2), specials first, then scale·N(0, 1). */
    private static Pair input(EmuAndRef both, double scale) {
        return both.tensor(DType.FLOAT32, new long[] {3, 7, 5},
                i -> i < SPECIALS.length ? SPECIALS[(int) i] : scale * both.random.nextGaussian()).transposed(1, 2);
    }

    // ---- unary ---------------------------------------------------------------------------------------------

    @Test void everyUnaryOpMatchesRefOnAStridedInputWithSpecialValues() {
        for (UnaryOp op : UnaryOp.values()) {
            double p0 = switch (op) {
                case AFFINE -> 1.5;
                case POW -> 2.5;
                case CLAMP -> -0.5;
                default -> 0;
            }, p1 = op == UnaryOp.CLAMP ? 0.7 : op == UnaryOp.AFFINE ? -0.25 : 0;
            try (EmuAndRef both = new EmuAndRef(op.ordinal())) {
                Pair x = op == UnaryOp.ERFINV
                        ? both.tensor(DType.FLOAT32, new long[] {5, 9}, i -> i < 4 ? new double[] {1, -1, 1.5, 0.999999}[(int) i]
                                : both.random.nextDouble(-1, 1)).transposed(0, 1)
                        : input(both, 2);
                Pair out = both.output(DType.FLOAT32, x.shape());
                both.run(s -> s.backend().unary(op, s.v(x), s.v(out), p0, p1));
                both.assertClose(op.name(), out, TOL, FLOOR);
            }
        }
    }

    @Test void unaryInPlaceAndPowOfTwo() {
        try (EmuAndRef both = new EmuAndRef(5)) {
            Pair x = both.normal(4, 33);
            both.run(s -> s.backend().unary(UnaryOp.TANH, s.v(x), s.v(x), 0, 0));
            both.assertClose("tanh in place", x, TOL, FLOOR);
            both.run(s -> s.backend().unary(UnaryOp.POW, s.v(x), s.v(x), 2, 0));
            both.assertClose("pow 2 in place", x, TOL, FLOOR);
        }
    }

    @Test void denseViewsTakeTheFloat4PathAlignedOrNotWithATail() {
        // offsets 0 and 4 are 16-byte aligned (float4 groups + a tail of n % 4), 1 is not (the scalar loop)
        for (long offset : new long[] {0, 1, 4}) {
            for (long n : new long[] {3, 4, 1027}) {
                try (EmuAndRef both = new EmuAndRef(offset * 31 + n)) {
                    Pair x = both.strided(DType.FLOAT32, new long[] {n}, new long[] {1}, offset, n + 8, i -> both.random.nextGaussian());
                    Pair y = both.strided(DType.FLOAT32, new long[] {n}, new long[] {1}, offset, n + 8, i -> both.random.nextGaussian());
                    Pair out = both.strided(DType.FLOAT32, new long[] {n}, new long[] {1}, offset, n + 8, i -> -1);
                    both.run(s -> s.backend().unary(UnaryOp.SIGMOID, s.v(x), s.v(out), 0, 0));
                    both.assertClose("sigmoid, offset " + offset + ", n " + n, out, TOL, FLOOR);
                    both.run(s -> s.backend().binary(BinaryOp.MUL, s.v(x), s.v(y), s.v(out), 1, 0));
                    both.assertClose("mul, offset " + offset + ", n " + n, out, TOL, FLOOR);
                    // the storage around the window is untouched
                    Pair whole = out.map(v -> new View(v.storage(), v.dtype(), 0, new long[] {n + 8}, new long[] {1}));
                    both.assertSame("around the window", whole);
                }
            }
        }
    }

    @Test void aStridedOutputOverlappingItsInputReadsTheInputFirst() {
        try (EmuAndRef both = new EmuAndRef(6)) {
            Pair buf = both.tensor(DType.FLOAT32, new long[] {20}, i -> i * 0.25 - 2);
            Pair src = buf.map(v -> new View(v.storage(), v.dtype(), 0, new long[] {15}, new long[] {1}));
            Pair dst = buf.map(v -> new View(v.storage(), v.dtype(), 19, new long[] {15}, new long[] {-1}));
            both.run(s -> s.backend().unary(UnaryOp.EXP, s.v(src), s.v(dst), 0, 0));
            both.assertClose("exp into a reversed overlapping window", buf, TOL, FLOOR);
        }
    }

    // ---- binary --------------------------------------------------------------------------------------------

    @Test void everyBinaryOpMatchesRefWithBroadcastAndTransposedOperands() {
        for (BinaryOp op : BinaryOp.values()) {
            for (double p0 : op == BinaryOp.ADD || op == BinaryOp.SUB ? new double[] {1, -2.5} : new double[] {-0.5}) {
                try (EmuAndRef both = new EmuAndRef(100 + op.ordinal())) {
                    Pair a = both.tensor(DType.FLOAT32, new long[] {4, 1, 5},
                            i -> i < 6 ? SPECIALS[(int) i] : both.random.nextGaussian() * 2).expanded(1, 3);
                    Pair b = both.tensor(DType.FLOAT32, new long[] {4, 5, 3},
                            i -> i % 11 == 0 ? 0.0 : (op == BinaryOp.POW ? both.random.nextDouble(-3, 3) : both.random.nextGaussian()))
                            .transposed(1, 2);
                    if (op == BinaryOp.POW) a = a.map(v -> v);   // negative bases give NaN on both sides
                    Pair out = both.output(DType.FLOAT32, 4, 3, 5);
                    Pair fa = a, fb = b;
                    both.run(s -> s.backend().binary(op, s.v(fa), s.v(fb), s.v(out), p0, 0.7));
                    both.assertClose(op.name() + " p0 " + p0, out, TOL, FLOOR);
                }
            }
        }
    }

    @Test void binaryIntoItsFirstOperand() {
        try (EmuAndRef both = new EmuAndRef(7)) {
            Pair a = both.normal(6, 7), b = both.normal(7).map(v -> new View(v.storage(), v.dtype(), 0, new long[] {6, 7},
                    new long[] {0, 1}));
            both.run(s -> s.backend().binary(BinaryOp.ADD, s.v(a), s.v(b), s.v(a), 0.5, 0));
            both.assertClose("a += 0.5 b", a, TOL, FLOOR);
        }
    }

    @Test void int64ArithmeticWrapsAsJavaAndComparesIntoFloat() {
        long big = Long.MAX_VALUE - 5;
        for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.EQ, BinaryOp.NE, BinaryOp.LT,
                BinaryOp.LE, BinaryOp.GT, BinaryOp.GE}) {
            try (EmuAndRef both = new EmuAndRef(200 + op.ordinal())) {
                Pair a = both.tensor(DType.INT64, new long[] {3, 4}, i -> i == 0 ? big : both.random.nextLong(-5, 5));
                Pair b = both.tensor(DType.INT64, new long[] {4, 3}, i -> i == 0 ? 7 : both.random.nextLong(-5, 5)).transposed(0, 1);
                Pair out = both.output(op.isComparison() ? DType.FLOAT32 : DType.INT64, 3, 4);
                both.run(s -> s.backend().binary(op, s.v(a), s.v(b), s.v(out), 3, 0));
                both.assertSame(op.name() + " int64", out);
            }
        }
        try (EmuAndRef both = new EmuAndRef(9)) {
            Pair a = both.tensor(DType.INT64, new long[] {3}, i -> i);
            var e = assertThrows(IllegalArgumentException.class, () -> both.emu.binary(BinaryOp.DIV, a.emu(), a.emu(), a.emu(), 1, 0));
            assertEquals("div: not supported for int64", e.getMessage());
        }
    }

    // ---- where ---------------------------------------------------------------------------------------------

    @Test void whereSelectsFloatsAndLongsWithABroadcastCondition() {
        for (DType t : new DType[] {DType.FLOAT32, DType.INT64}) {
            try (EmuAndRef both = new EmuAndRef(t.ordinal())) {
                Pair cond = both.tensor(DType.FLOAT32, new long[] {1, 6}, i -> i % 3 == 0 ? 0 : (i == 1 ? Double.NaN : -2))
                        .expanded(0, 5);
                Pair a = both.tensor(t, new long[] {6, 5}, i -> (1L << 60) + i).transposed(0, 1);
                Pair b = both.tensor(t, new long[] {5, 6}, i -> -i - 0.5);
                Pair out = both.output(t, 5, 6);
                both.run(s -> s.backend().where(s.v(cond), s.v(a), s.v(b), s.v(out)));
                both.assertSame("where " + t, out);
            }
        }
    }

    // ---- reductions ----------------------------------------------------------------------------------------

    /** The documented bound (see the header) for out = op over x's reduced dimensions. */
    private static void assertReduction(EmuAndRef both, String what, ReduceOp op, Pair x, Pair out, long count) {
        // S per output, on ref: Σ|x| (Σx² for VAR) over the same dimensions
        Pair mag = both.output(DType.FLOAT32, x.shape()), s = both.output(DType.FLOAT32, out.shape());
        both.ref.unary(op == ReduceOp.VAR ? UnaryOp.SQUARE : UnaryOp.ABS, x.ref(), mag.ref(), 0, 0);
        both.ref.reduce(ReduceOp.SUM, mag.ref(), s.ref(), 0);
        double[] e = EmuAndRef.read(both.ref, out.ref()), a = EmuAndRef.read(both.emu, out.emu()),
                sum = EmuAndRef.read(both.ref, s.ref());
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i]) || Double.isNaN(a[i]) || Double.isInfinite(e[i])) {
                if (Double.compare(e[i], a[i]) != 0 && !(Double.isNaN(e[i]) && Double.isNaN(a[i])))
                    fail(what + ": output " + i + " is " + a[i] + ", ref " + e[i]);
                continue;
            }
            double bound = Math.ulp((float) e[i]) + count * 0x1p-50 * sum[i];
            if (Math.abs(a[i] - e[i]) > bound)
                fail(what + ": output " + i + " is " + a[i] + ", ref " + e[i] + " (bound " + bound + ")");
        }
    }

    @Test void everyReductionOverSeveralAxisSetsMatchesRefWithinItsBound() {
        long[] shape = {6, 33, 40};
        int[][] axisSets = {{1}, {0, 2}, {0, 1, 2}, {2}, {0}};
        for (ReduceOp op : ReduceOp.values()) {
            for (int[] axes : axisSets) {
                for (double correction : op == ReduceOp.VAR ? new double[] {0, 1} : new double[] {0}) {
                    try (EmuAndRef both = new EmuAndRef(300 + op.ordinal())) {
                        // x [6, 33, 40] as a transposed view of a [6, 40, 33] buffer, values with an offset (cancellation)
                        Pair x = both.tensor(DType.FLOAT32, new long[] {6, 40, 33}, i -> 3 + both.random.nextGaussian())
                                .transposed(1, 2);
                        long[] outShape = shape.clone();
                        long count = 1;
                        for (int ax : axes) {
                            outShape[ax] = 1;
                            count *= shape[ax];
                        }
                        Pair out = both.output(DType.FLOAT32, outShape);
                        both.run(s -> s.backend().reduce(op, s.v(x), s.v(out), correction));
                        assertReduction(both, op + " over " + java.util.Arrays.toString(axes), op, x, out, count);
                    }
                }
            }
        }
    }

    @Test void aLongRowUsesTheBlockKernelAndNaNPropagates() {
        for (ReduceOp op : ReduceOp.values()) {
            try (EmuAndRef both = new EmuAndRef(400 + op.ordinal())) {
                Pair x = both.tensor(DType.FLOAT32, new long[] {3, 5000},
                        i -> i == 7777 ? Double.NaN : both.random.nextGaussian() * 100);
                Pair out = both.output(DType.FLOAT32, 3, 1);
                both.run(s -> s.backend().reduce(op, s.v(x), s.v(out), 1));
                assertReduction(both, op + " of rows of 5000 (one NaN in row 1)", op, x, out, 5000);
            }
        }
    }

    @Test void anEmptyReductionGivesRefsIdentities() {
        for (ReduceOp op : ReduceOp.values()) {
            try (EmuAndRef both = new EmuAndRef(8)) {
                Pair x = both.tensor(DType.FLOAT32, new long[] {4, 0, 3}, i -> 0);
                Pair out = both.output(DType.FLOAT32, 4, 1, 3);
                both.run(s -> s.backend().reduce(op, s.v(x), s.v(out), 1));
                both.assertSame(op + " over an empty dimension", out);
            }
        }
    }

    @Test void argReductionsTakeTheFirstExtremeAndTheFirstNaN() {
        for (ArgReduceOp op : ArgReduceOp.values()) {
            for (int axis = 0; axis < 3; axis++) {
                try (EmuAndRef both = new EmuAndRef(500 + axis)) {
                    // small integers: many ties; a few NaNs
                    Pair x = both.tensor(DType.FLOAT32, new long[] {5, 7, 6},
                            i -> i % 37 == 5 ? Double.NaN : both.random.nextInt(4)).transposed(0, 2);
                    long[] outShape = x.shape().clone();
                    outShape[axis] = 1;
                    Pair out = both.output(DType.INT64, outShape);
                    int ax = axis;
                    both.run(s -> s.backend().argReduce(op, s.v(x), ax, s.v(out)));
                    both.assertSame(op + " along " + axis, out);
                }
            }
        }
    }

    // ---- random --------------------------------------------------------------------------------------------

    @Test void randomDrawsTheRefStreams() {
        try (EmuAndRef both = new EmuAndRef(10)) {
            for (RandomKind kind : RandomKind.values()) {
                double a = kind == RandomKind.BERNOULLI ? 0.3 : -2, b = 3;
                for (long n : new long[] {1, 7, 1001}) {
                    Pair dst = both.output(DType.FLOAT32, n);
                    both.run(s -> s.backend().random(kind, s.v(dst), 0x1234_5678_9ABCL, 17, a, b));
                    if (kind == RandomKind.NORMAL) both.assertClose(kind + " " + n, dst, 1.2e-7, 0);
                    else both.assertSame(kind + " " + n, dst);
                }
            }
            Pair dst = both.output(DType.FLOAT32, 333);
            both.run(s -> s.backend().random(RandomKind.NORMAL, s.v(dst), -99L, 1L << 40, 1, 2));
            both.assertClose("normal at a counter past 2^32 blocks, negative seed", dst, 1.2e-7, 0);
        }
    }

    // ---- dtypes --------------------------------------------------------------------------------------------

    @Test void otherDtypesAreRejectedNamingTheOp() {
        try (EmuAndRef both = new EmuAndRef(11)) {
            Pair d = both.tensor(DType.FLOAT64, new long[] {4}, i -> i), l = both.tensor(DType.INT64, new long[] {4}, i -> i);
            var e = assertThrows(IllegalArgumentException.class, () -> both.emu.random(RandomKind.UNIFORM, d.emu(), 1, 0, 0, 1));
            assertEquals("random: float64 is supported only on the ref backend", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> both.emu.unary(UnaryOp.EXP, l.emu(), l.emu(), 0, 0));
            assertEquals("exp: int64 is not supported on cuda (expected float32)", e.getMessage());
            Pair out = both.output(DType.FLOAT32, 1);
            e = assertThrows(IllegalArgumentException.class, () -> both.emu.reduce(ReduceOp.SUM, d.emu(), out.emu(), 0));
            assertEquals("reduce sum: float64 is supported only on the ref backend", e.getMessage());
        }
    }
}
