// Parity of the cpu backend's reductions (every ReduceOp over every set of dimensions, contiguous or not,
// strided outputs, NaN propagation, parallel paths), argmax/argmin, and matmul (plain, transposed, batched,
// broadcast batches, degenerate sizes, layouts BLAS cannot take, alpha/beta) with the ref backend.
package ai.lethe.backend.cpu;

import static ai.lethe.backend.cpu.BothBackends.assertClose;
import static ai.lethe.backend.cpu.BothBackends.assertExact;
import static ai.lethe.backend.cpu.BothBackends.assertStorageClose;

import ai.lethe.backend.ArgReduceOp;
import ai.lethe.backend.ReduceOp;
import ai.lethe.backend.cpu.BothBackends.Pair;
import ai.lethe.core.DType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CpuReductionParityTest {
    private BothBackends both;

    @BeforeEach void setUp() {
        BothBackends.assumeCpuAvailable();
        both = new BothBackends(7);
    }

    @AfterEach void tearDown() {
        if (both != null) both.close();
    }

    private static long[] reducedShape(long[] shape, int mask) {
        long[] out = shape.clone();
        for (int d = 0; d < shape.length; d++) if ((mask & (1 << d)) != 0) out[d] = 1;
        return out;
    }

    private void reduceBoth(ReduceOp op, Pair x, Pair out, double correction) {
        both.run(s -> s.backend().reduce(op, s.v(x), s.v(out), correction));
    }

    // ---- reduce ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void reduceOverEverySetOfDimensions(ReduceOp op) {
        long[] shape = {3, 5, 7};
        for (int mask = 1; mask < 8; mask++) {
            for (boolean transposed : new boolean[] {false, true}) {
                Pair x = transposed ? both.normal(7, 5, 3).transposed(0, 2) : both.normal(shape);
                Pair out = both.output(reducedShape(shape, mask));
                reduceBoth(op, x, out, 1);
                assertClose(op + " mask " + mask + (transposed ? " transposed" : ""), out);
            }
        }
    }

    @Test void varianceWithCorrections() {
        for (double correction : new double[] {0, 1, 2, 7}) {
            Pair x = both.normal(4, 7), out = both.output(4, 1);
            reduceBoth(ReduceOp.VAR, x, out, correction);
            assertClose("var correction " + correction, out);
        }
        Pair shifted = both.tensor(DType.FLOAT32, new long[] {2, 1000}, i -> 1000 + both.random.nextGaussian());
        Pair out = both.output(2, 1);
        reduceBoth(ReduceOp.VAR, shifted, out, 1);
        assertClose("var of data far from 0", out);
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void reduceKeepsSizeOneDimensionsAndWritesStridedOutputs(ReduceOp op) {
        Pair x = both.normal(3, 1, 7, 2);
        Pair out = both.output(3, 1, 4, 1).sliced(2, 1, 1, 1);   // [3, 1, 1, 1] inside a larger tensor
        reduceBoth(op, x, out, 1);
        assertClose(op + " strided out", out);
        assertStorageClose(op + " strided out", out);
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void reduceOnLargeInputsTakesTheParallelPaths(ReduceOp op) {
        Pair row = both.normal(1, 300_000), rowOut = both.output(1, 1);
        reduceBoth(op, row, rowOut, 1);
        assertClose(op + " one long row", rowOut);
        Pair rows = both.normal(700, 300), rowsOut = both.output(700, 1);
        reduceBoth(op, rows, rowsOut, 1);
        assertClose(op + " many rows", rowsOut);
        Pair columns = both.normal(4, 300, 601), columnsOut = both.output(4, 1, 601);
        reduceBoth(op, columns, columnsOut, 1);
        assertClose(op + " columns wider than a tile", columnsOut);
    }

    @ParameterizedTest
    @EnumSource(value = ReduceOp.class, names = {"MAX", "MIN", "SUM"})
    void nanPropagates(ReduceOp op) {
        Pair x = both.tensor(DType.FLOAT32, new long[] {4, 6}, i -> i == 7 || i == 20 ? Double.NaN : both.random.nextGaussian());
        for (int mask = 1; mask < 4; mask++) {
            Pair out = both.output(reducedShape(new long[] {4, 6}, mask));
            reduceBoth(op, x, out, 1);
            assertClose(op + " with NaN, mask " + mask, out);
        }
        Pair inf = both.tensor(DType.FLOAT32, new long[] {3, 3}, i -> i % 4 == 0 ? Double.NEGATIVE_INFINITY : -1e30);
        Pair out = both.output(3, 1);
        reduceBoth(op, inf, out, 1);
        assertClose(op + " with -inf", out);
    }

    @Test void reduceOverAnEmptyDimension() {
        for (ReduceOp op : ReduceOp.values()) {
            Pair x = both.normal(3, 0), out = both.output(3, 1);
            reduceBoth(op, x, out, 1);
            assertClose(op + " over nothing", out);
        }
    }

    // ---- argmax / argmin ------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ArgReduceOp.class)
    void argReduceAlongEveryAxis(ArgReduceOp op) {
        long[] shape = {3, 5, 7};
        for (int axis = 0; axis < 3; axis++) {
            for (boolean transposed : new boolean[] {false, true}) {
                Pair x = transposed ? both.normal(7, 5, 3).transposed(0, 2) : both.normal(shape);
                long[] outShape = shape.clone();
                outShape[axis] = 1;
                Pair out = both.output(DType.INT64, outShape);
                int ax = axis;
                both.run(s -> s.backend().argReduce(op, s.v(x), ax, s.v(out)));
                assertExact(op + " axis " + axis, out);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ArgReduceOp.class)
    void argReduceTakesTheFirstNaNAndWritesStridedOutputs(ArgReduceOp op) {
        Pair x = both.tensor(DType.FLOAT32, new long[] {4, 9}, i -> i == 3 || i == 5 || i == 30 ? Double.NaN : both.random.nextGaussian());
        Pair out = both.output(DType.INT64, 8, 1).sliced(0, 1, 2, 4);
        both.run(s -> s.backend().argReduce(op, s.v(x), 1, s.v(out)));
        assertExact(op + " with NaN", out);
        assertStorageClose(op + " strided out", out);
        Pair big = both.normal(2000, 100), bigOut = both.output(DType.INT64, 2000, 1);
        both.run(s -> s.backend().argReduce(op, s.v(big), 1, s.v(bigOut)));
        assertExact(op + " large", bigOut);
    }

    // ---- matmul ---------------------------------------------------------------------------------------------

    private void matmulBoth(String what, Pair a, Pair b, Pair out, double alpha, double beta) {
        both.run(s -> s.backend().matmul(s.v(a), s.v(b), s.v(out), alpha, beta));
        assertClose(what, out);
    }

    @Test void matmulOfPlainAndTransposedOperands() {
        for (int variant = 0; variant < 4; variant++) {
            Pair a = (variant & 1) == 0 ? both.normal(5, 7) : both.normal(7, 5).transposed(0, 1);
            Pair b = (variant & 2) == 0 ? both.normal(7, 3) : both.normal(3, 7).transposed(0, 1);
            matmulBoth("variant " + variant, a, b, both.output(5, 3), 1, 0);
        }
    }

    @Test void matmulScalesAndAccumulates() {
        Pair a = both.normal(6, 4), b = both.normal(4, 9), out = both.normal(6, 9);
        matmulBoth("alpha 2 beta 0.5", a, b, out, 2, 0.5);
    }

    @Test void batchedMatmulWithBroadcastBatches() {
        matmulBoth("batched", both.normal(2, 3, 5, 7), both.normal(2, 3, 7, 4), both.output(2, 3, 5, 4), 1, 0);
        Pair a = both.normal(1, 3, 5, 7).expanded(0, 2), b = both.normal(1, 1, 7, 4).expanded(0, 2).expanded(1, 3);
        matmulBoth("broadcast batches", a, b, both.output(2, 3, 5, 4), 1, 0);
        Pair at = both.normal(2, 3, 7, 5).transposed(2, 3);
        matmulBoth("batched transposed", at, both.normal(2, 3, 7, 4), both.output(2, 3, 5, 4), 1, 0);
    }

    @Test void matmulOfDegenerateSizes() {
        matmulBoth("M = 1", both.normal(1, 7), both.normal(7, 3), both.output(1, 3), 1, 0);
        matmulBoth("N = 1", both.normal(5, 7), both.normal(7, 1), both.output(5, 1), 1, 0);
        matmulBoth("K = 1", both.normal(5, 1), both.normal(1, 3), both.output(5, 3), 1, 0);
        matmulBoth("1 x 1 x 1", both.normal(1, 1), both.normal(1, 1), both.output(1, 1), 1, 0);
        matmulBoth("K = 0, beta 0", both.normal(4, 0), both.normal(0, 3), both.output(4, 3), 1, 0);
        matmulBoth("K = 0, beta 0.5", both.normal(4, 0), both.normal(0, 3), both.normal(4, 3), 1, 0.5);
        matmulBoth("empty batch", both.normal(0, 4, 2), both.normal(0, 2, 3), both.output(0, 4, 3), 1, 0);
        Pair row = both.normal(1, 7).expanded(0, 5);   // every row the same: stride 0, not a BLAS layout
        matmulBoth("broadcast rows", row, both.normal(7, 3), both.output(5, 3), 1, 0);
    }

    @Test void matmulOfLayoutsBlasCannotRead() {
        Pair a = both.normal(10, 14).sliced(0, 0, 2, 5).sliced(1, 1, 2, 7);   // [5, 7] with both strides > 1
        matmulBoth("doubly strided", a, both.normal(7, 3), both.output(5, 3), 1, 0);
    }

    @Test void largeMatmulsTakeTheParallelPaths() {
        matmulBoth("large", both.normal(300, 200), both.normal(200, 150), both.output(300, 150), 1, 0);
        matmulBoth("tall", both.normal(1000, 64), both.normal(64, 8), both.output(1000, 8), 1, 0);
        matmulBoth("large batch", both.normal(8, 64, 64), both.normal(8, 64, 64), both.output(8, 64, 64), 1, 0);
        matmulBoth("small batch of large", both.normal(3, 128, 96), both.normal(3, 96, 128).transposed(1, 2).transposed(1, 2),
                both.output(3, 128, 128), 1, 0);
    }
}
