// Parity of the cpu backend's data-movement and elementwise kernels with the ref backend: copy (every dtype
// pair), fill, random, every UnaryOp and BinaryOp (float32 and int64), and where, on contiguous, strided,
// offset, broadcast and aliased (in-place) views, empty and single-element tensors, and sizes large enough
// for the multithreaded paths.
package ai.lethe.backend.cpu;

import static ai.lethe.backend.cpu.BothBackends.assertClose;
import static ai.lethe.backend.cpu.BothBackends.assertExact;
import static ai.lethe.backend.cpu.BothBackends.assertStorageClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.RandomKind;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.cpu.BothBackends.Pair;
import ai.lethe.core.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CpuElementwiseParityTest {
    private static final double[] SPECIALS = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0,
            1.0, -1.0, 0.5, 1e-30, -1e30, 88.5, -88.5, 100, -110};

    private BothBackends both;

    @BeforeEach void setUp() {
        BothBackends.assumeCpuAvailable();
        both = new BothBackends(20240601);
    }

    @AfterEach void tearDown() {
        if (both != null) both.close();
    }

    /** Normal values times {@code scale}, with the special values at the start. */
    private Pair withSpecials(double scale, long... shape) {
        return both.tensor(DType.FLOAT32, shape, i -> i < SPECIALS.length ? SPECIALS[(int) i] : scale * both.random.nextGaussian());
    }

    // ---- copy / fill ----------------------------------------------------------------------------------------

    static Stream<Arguments> dtypePairs() {
        List<Arguments> out = new ArrayList<>();
        for (DType from : DType.values()) for (DType to : DType.values()) out.add(Arguments.of(from, to));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("dtypePairs")
    void copyConvertsLikeRefFromTransposedToSlicedViews(DType from, DType to) {
        double[] extremes = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e30, -1e30, 2.5, -2.5,
                -0.0, 9.3e18, -9.3e18, 16777217, (double) (1L << 53) + 1};
        Pair src = from == DType.INT64
                ? both.tensor(from, new long[] {3, 5, 7}, i -> i < 3 ? new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 16777217}[(int) i]
                        : both.random.nextLong(-1000, 1000))
                : both.tensor(from, new long[] {3, 5, 7}, i -> i < extremes.length ? extremes[(int) i] : 50 * both.random.nextGaussian());
        Pair dst = both.output(to, 7, 10, 3).sliced(1, 1, 2, 5);   // [7, 5, 3], every other row of a larger tensor
        Pair tsrc = src.transposed(0, 2);
        both.run(s -> s.backend().copy(s.v(tsrc), s.v(dst)));
        assertExact("copy", dst);
        assertStorageClose("copy", dst);
    }

    @Test void copyBetweenOverlappingViewsReadsBeforeWriting() {
        Pair p = both.normal(40);
        Pair src = p.sliced(0, 0, 1, 30), dst = p.sliced(0, 3, 1, 30);
        both.run(s -> s.backend().copy(s.v(src), s.v(dst)));
        assertStorageClose("overlapping copy", p);
    }

    @Test void copyOfLargeTransposedTensorUsesEveryThreadAndMatches() {
        Pair src = both.normal(300, 401).transposed(0, 1);
        Pair dst = both.output(401, 300);
        both.run(s -> s.backend().copy(s.v(src), s.v(dst)));
        assertExact("copy", dst);
    }

    @Test void copyOfEmptyAndSingleElementTensors() {
        Pair empty = both.normal(0, 3), emptyOut = both.output(0, 3);
        both.run(s -> s.backend().copy(s.v(empty), s.v(emptyOut)));
        Pair one = both.normal(1, 1), oneOut = both.output(DType.INT64, 1, 1);
        both.run(s -> s.backend().copy(s.v(one), s.v(oneOut)));
        assertExact("single element", oneOut);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void fillWritesOnlyTheWindow(DType dtype) {
        for (double value : new double[] {2.75, -3.9, Double.NaN, 1e300}) {
            Pair dst = both.output(dtype, 6, 8).sliced(1, 1, 3, 3).transposed(0, 1);
            both.run(s -> s.backend().fill(s.v(dst), value));
            assertStorageClose("fill " + value, dst);
        }
    }

    @Test void fillOfLargeTensor() {
        Pair dst = both.output(257, 1023);
        both.run(s -> s.backend().fill(s.v(dst), -1.25));
        assertExact("fill", dst);
    }

    // ---- random ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 5, 7, 1001, 100_003})
    void uniformAndBernoulliStreamsAreBitIdentical(long n) {
        for (RandomKind kind : new RandomKind[] {RandomKind.UNIFORM, RandomKind.BERNOULLI}) {
            double a = kind == RandomKind.UNIFORM ? -2 : 0.3, b = 3;
            Pair dst = both.output(n);
            both.run(s -> s.backend().random(kind, s.v(dst), 0x1234_5678_9ABCL, 17, a, b));
            assertExact(kind + " n=" + n, dst);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 1001, 100_003})
    void normalStreamIsWithinOneUlp(long n) {
        Pair dst = both.output(n);
        both.run(s -> s.backend().random(RandomKind.NORMAL, s.v(dst), -99L, 1L << 40, 1, 2));
        double[] r = BothBackends.values(dst.ref()), c = BothBackends.values(dst.cpu());
        for (int i = 0; i < r.length; i++)
            assertTrue(Math.abs(r[i] - c[i]) <= Math.ulp((float) r[i]), "normal element " + i + ": " + c[i] + " vs ref " + r[i]);
    }

    @Test void randomRejectsFloat64() {
        Pair dst = both.output(DType.FLOAT64, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> both.cpu.random(RandomKind.UNIFORM, dst.cpu(), 1, 0, 0, 1));
        assertEquals("random: float64 is supported only on the ref backend", e.getMessage());
    }

    // ---- unary ----------------------------------------------------------------------------------------------

    private static double[] params(UnaryOp op) {
        return switch (op) {
            case AFFINE -> new double[] {1.5, -0.25};
            case POW -> new double[] {3, 0};
            case CLAMP -> new double[] {-0.5, 0.75};
            default -> new double[] {0, 0};
        };
    }

    private Pair unaryInput(UnaryOp op, long... shape) {
        return switch (op) {
            case ERFINV -> both.tensor(DType.FLOAT32, shape, i -> i < 4 ? new double[] {1, -1, 1.5, Double.NaN}[(int) i]
                    : both.random.nextDouble(-1, 1));
            case LOG, SQRT, RSQRT -> both.tensor(DType.FLOAT32, shape, i -> i < 3 ? -i : both.random.nextDouble(1e-3, 20));
            default -> withSpecials(3, shape);
        };
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryOnContiguousStridedAndInPlaceViews(UnaryOp op) {
        double[] p = params(op);
        Pair x = unaryInput(op, 3, 5, 7), out = both.output(3, 5, 7);
        both.run(s -> s.backend().unary(op, s.v(x), s.v(out), p[0], p[1]));
        assertClose(op + " contiguous", out);

        Pair xt = unaryInput(op, 7, 5, 3).transposed(0, 2), outStrided = both.output(3, 12, 7).sliced(1, 2, 2, 5);
        both.run(s -> s.backend().unary(op, s.v(xt), s.v(outStrided), p[0], p[1]));
        assertClose(op + " strided", outStrided);
        assertStorageClose(op + " strided", outStrided);

        Pair inPlace = unaryInput(op, 4, 9);
        both.run(s -> s.backend().unary(op, s.v(inPlace), s.v(inPlace), p[0], p[1]));
        assertClose(op + " in place", inPlace);

        Pair big = unaryInput(op, 70_001), bigOut = both.output(70_001);
        both.run(s -> s.backend().unary(op, s.v(big), s.v(bigOut), p[0], p[1]));
        assertClose(op + " large", bigOut);
    }

    @ParameterizedTest
    @ValueSource(doubles = {2, 0.5, -1, 0, 2.5})
    void powerWithVariousExponents(double exponent) {
        Pair x = withSpecials(2, 50), out = both.output(50);
        both.run(s -> s.backend().unary(UnaryOp.POW, s.v(x), s.v(out), exponent, 0));
        assertClose("pow " + exponent, out);
    }

    @Test void unaryOfEmptyAndScalarTensors() {
        Pair empty = both.normal(3, 0), emptyOut = both.output(3, 0);
        both.run(s -> s.backend().unary(UnaryOp.EXP, s.v(empty), s.v(emptyOut), 0, 0));
        Pair scalar = both.normal(), scalarOut = both.output();
        both.run(s -> s.backend().unary(UnaryOp.TANH, s.v(scalar), s.v(scalarOut), 0, 0));
        assertClose("scalar", scalarOut);
    }

    @Test void unaryOnMoreDimensionsThanTheNativeWalkTakes() {
        // 10 dimensions of size 2 in reversed order: nothing merges, so the walk is split into blocks
        long[] shape = new long[10];
        java.util.Arrays.fill(shape, 2);
        Pair x = both.normal(shape);
        Pair reversed = x.map(v -> {
            long[] st = new long[10];
            for (int d = 0; d < 10; d++) st[d] = v.stride(9 - d);
            return new ai.lethe.backend.View(v.storage(), v.dtype(), v.offset(), shape, st);
        });
        Pair out = both.output(shape);
        both.run(s -> s.backend().unary(UnaryOp.NEG, s.v(reversed), s.v(out), 0, 0));
        assertExact("10-d walk", out);
    }

    @Test void unaryRejectsFloat64AndInt64() {
        Pair d = both.output(DType.FLOAT64, 3), l = both.output(DType.INT64, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> both.cpu.unary(UnaryOp.EXP, d.cpu(), d.cpu(), 0, 0));
        assertEquals("exp: float64 is supported only on the ref backend", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> both.cpu.unary(UnaryOp.EXP, l.cpu(), l.cpu(), 0, 0));
    }

    // ---- binary ---------------------------------------------------------------------------------------------

    private static double[][] binaryParams(BinaryOp op) {
        return switch (op) {
            case ADD, SUB -> new double[][] {{1, 0}, {-0.5, 0}, {0.1, 0}};
            case CLAMP_BACKWARD -> new double[][] {{-0.5, 0.5}};
            default -> new double[][] {{0, 0}};
        };
    }

    private Pair binaryInput(BinaryOp op, boolean second, long... shape) {
        if (op == BinaryOp.POW)
            return both.tensor(DType.FLOAT32, shape, i -> second ? both.random.nextDouble(-3, 3) : both.random.nextDouble(0, 4));
        if (op == BinaryOp.SIGMOID_BACKWARD && second) return both.uniform(0, 1, shape);
        if (op == BinaryOp.TANH_BACKWARD && second) return both.uniform(-1, 1, shape);
        // equal values at the start so that comparisons see ties; specials in the first operand
        return both.tensor(DType.FLOAT32, shape, i -> i < 6 ? i % 3 - 1.0 : i < 6 + SPECIALS.length && !second
                ? SPECIALS[(int) i - 6] : 2 * both.random.nextGaussian());
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryFloat32OnContiguousBroadcastStridedAndInPlaceViews(BinaryOp op) {
        for (double[] p : binaryParams(op)) {
            String what = op + " p0=" + p[0];
            Pair a = binaryInput(op, false, 3, 5, 7), b = binaryInput(op, true, 3, 5, 7), out = both.output(3, 5, 7);
            both.run(s -> s.backend().binary(op, s.v(a), s.v(b), s.v(out), p[0], p[1]));
            assertClose(what + " contiguous", out);

            Pair row = binaryInput(op, true, 1, 5, 1).expanded(0, 3).expanded(2, 7), outB = both.output(3, 5, 7);
            both.run(s -> s.backend().binary(op, s.v(a), s.v(row), s.v(outB), p[0], p[1]));
            assertClose(what + " broadcast b", outB);

            Pair scalar = binaryInput(op, false, 1, 1, 1).expanded(0, 3).expanded(1, 5).expanded(2, 7);
            Pair outS = both.output(3, 5, 7);
            both.run(s -> s.backend().binary(op, s.v(scalar), s.v(b), s.v(outS), p[0], p[1]));
            assertClose(what + " scalar a", outS);

            Pair at = binaryInput(op, false, 7, 3, 5).transposed(0, 1).transposed(1, 2), outT = both.output(3, 9, 7).sliced(1, 1, 2, 4);
            Pair bs = b.sliced(1, 0, 1, 4);
            both.run(s -> s.backend().binary(op, s.v(at.sliced(1, 1, 1, 4)), s.v(bs), s.v(outT), p[0], p[1]));
            assertClose(what + " strided", outT);
            assertStorageClose(what + " strided", outT);

            Pair inPlace = binaryInput(op, false, 3, 5, 7);
            both.run(s -> s.backend().binary(op, s.v(inPlace), s.v(b), s.v(inPlace), p[0], p[1]));
            assertClose(what + " in place", inPlace);

            Pair bigA = binaryInput(op, false, 300, 250), bigB = binaryInput(op, true, 300, 250), bigOut = both.output(300, 250);
            both.run(s -> s.backend().binary(op, s.v(bigA), s.v(bigB), s.v(bigOut), p[0], p[1]));
            assertClose(what + " large", bigOut);
        }
    }

    @Test void inPlaceUpdateWithABroadcastOfItsOwnRowReadsTheOriginalRow() {
        Pair x = both.normal(4, 6);
        Pair firstRow = x.sliced(0, 0, 1, 1).expanded(0, 4);
        both.run(s -> s.backend().binary(BinaryOp.SUB, s.v(x), s.v(firstRow), s.v(x), 1, 0));
        assertExact("x -= x[0]", x);
    }

    @ParameterizedTest
    @EnumSource(value = BinaryOp.class, names = {"ADD", "SUB", "MUL", "EQ", "NE", "LT", "LE", "GT", "GE"})
    void binaryInt64(BinaryOp op) {
        for (double p0 : new double[] {1, 3, -2.7}) {
            Pair a = both.longs(-5, 5, 4, 9), b = both.longs(-5, 5, 4, 9);
            Pair out = both.output(op.isComparison() ? DType.FLOAT32 : DType.INT64, 4, 9);
            both.run(s -> s.backend().binary(op, s.v(a), s.v(b), s.v(out), p0, 0));
            assertExact(op + " int64", out);
            Pair col = both.longs(-5, 5, 4, 1).expanded(1, 9), outB = both.output(out.dtype(), 4, 9);
            both.run(s -> s.backend().binary(op, s.v(a), s.v(col), s.v(outB), p0, 0));
            assertExact(op + " int64 broadcast", outB);
        }
        Pair huge = both.tensor(DType.INT64, new long[] {2}, i -> Long.MAX_VALUE - i), out = both.output(DType.INT64, 2);
        if (!op.isComparison()) {
            both.run(s -> s.backend().binary(op, s.v(huge), s.v(huge), s.v(out), 1, 0));
            assertExact(op + " int64 wraps around", out);
        }
    }

    @Test void int64DivisionIsRejected() {
        Pair a = both.longs(1, 5, 3), out = both.output(DType.INT64, 3);
        assertThrows(IllegalArgumentException.class, () -> both.cpu.binary(BinaryOp.DIV, a.cpu(), a.cpu(), out.cpu(), 0, 0));
    }

    // ---- where ----------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "INT64"})
    void whereWithBroadcastCondition(DType dtype) {
        Pair cond = both.tensor(DType.FLOAT32, new long[] {5, 1}, i -> new double[] {0, 1, Double.NaN, -0.0, 2}[(int) i])
                .expanded(1, 6);
        Pair a = dtype == DType.INT64 ? both.longs(-9, 9, 5, 6) : both.normal(5, 6);
        Pair b = dtype == DType.INT64 ? both.longs(-9, 9, 6, 5).transposed(0, 1) : both.normal(6, 5).transposed(0, 1);
        Pair out = both.output(dtype, 5, 6);
        both.run(s -> s.backend().where(s.v(cond), s.v(a), s.v(b), s.v(out)));
        assertExact("where " + dtype, out);

        Pair bigCond = both.tensor(DType.FLOAT32, new long[] {100_000}, i -> i % 3 == 0 ? 1 : 0);
        Pair bigA = both.normal(100_000), bigB = both.normal(100_000), bigOut = both.output(100_000);
        both.run(s -> s.backend().where(s.v(bigCond), s.v(bigA), s.v(bigB), s.v(bigOut)));
        assertExact("where large", bigOut);
    }
}
