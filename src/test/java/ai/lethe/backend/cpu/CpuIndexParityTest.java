// Parity of the cpu backend's index kernels (gather, scatterAdd, indexSelect, indexAdd) with the ref backend:
// every axis, float32 and int64 data, strided data and index views, duplicate indices, and out-of-range
// indices, which must raise the ref backend's IndexOutOfBoundsException with the same message.
package ai.lethe.backend.cpu;

import static ai.lethe.backend.cpu.BothBackends.assertClose;
import static ai.lethe.backend.cpu.BothBackends.assertExact;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.lethe.backend.Backend;
import ai.lethe.backend.View;
import ai.lethe.backend.cpu.BothBackends.Pair;
import ai.lethe.core.DType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CpuIndexParityTest {
    private static final long[] SHAPE = {3, 5, 7};

    private BothBackends both;

    @BeforeEach void setUp() {
        BothBackends.assumeCpuAvailable();
        both = new BothBackends(99);
    }

    @AfterEach void tearDown() {
        if (both != null) both.close();
    }

    private Pair data(DType dtype, long... shape) { return dtype == DType.INT64 ? both.longs(-1000, 1000, shape) : both.normal(shape); }

    /** An index of {@code shape}, values in [0, size), stored transposed when asked (a non-contiguous view). */
    private Pair index(long size, boolean transposed, long... shape) {
        if (!transposed) return both.longs(0, size, shape);
        long[] swapped = shape.clone();
        swapped[0] = shape[shape.length - 1];
        swapped[shape.length - 1] = shape[0];
        return both.longs(0, size, swapped).transposed(0, shape.length - 1);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "INT64"})
    void gatherAndScatterAddAlongEveryAxis(DType dtype) {
        for (int axis = 0; axis < 3; axis++) {
            for (boolean transposed : new boolean[] {false, true}) {
                long[] idxShape = {3, 4, 7};
                idxShape[axis] = 6;
                int ax = axis;
                Pair x = transposed ? data(dtype, 7, 5, 3).transposed(0, 2) : data(dtype, SHAPE);
                Pair idx = index(SHAPE[axis], transposed, idxShape);
                Pair out = both.output(dtype, idxShape);
                both.run(s -> s.backend().gather(s.v(x), ax, s.v(idx), s.v(out)));
                assertExact("gather axis " + axis, out);

                Pair src = data(dtype, idxShape), acc = data(dtype, SHAPE);
                both.run(s -> s.backend().scatterAdd(s.v(src), ax, s.v(idx), s.v(acc)));
                if (dtype == DType.INT64) assertExact("scatterAdd axis " + axis, acc);
                else assertClose("scatterAdd axis " + axis, acc);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "INT64"})
    void indexSelectAndIndexAddAlongEveryAxis(DType dtype) {
        for (int axis = 0; axis < 3; axis++) {
            int ax = axis;
            Pair idx = both.longs(0, SHAPE[axis], 18).sliced(0, 1, 2, 8);   // 8 indices, stride 2, with duplicates
            long[] outShape = SHAPE.clone();
            outShape[axis] = 8;
            Pair x = data(dtype, 7, 5, 3).transposed(0, 2);
            Pair out = both.output(dtype, outShape);
            both.run(s -> s.backend().indexSelect(s.v(x), ax, s.v(idx), s.v(out)));
            assertExact("indexSelect axis " + axis, out);

            Pair src = data(dtype, outShape), acc = data(dtype, SHAPE);
            both.run(s -> s.backend().indexAdd(s.v(src), ax, s.v(idx), s.v(acc)));
            if (dtype == DType.INT64) assertExact("indexAdd axis " + axis, acc);
            else assertClose("indexAdd axis " + axis, acc);
        }
    }

    @Test void oneHotStyleScatterAndLargeGather() {
        Pair labels = both.longs(0, 10, 64, 1), ones = both.tensor(DType.FLOAT32, new long[] {64, 1}, i -> 1);
        Pair onehot = both.tensor(DType.FLOAT32, new long[] {64, 10}, i -> 0);
        both.run(s -> s.backend().scatterAdd(s.v(ones), 1, s.v(labels), s.v(onehot)));
        assertExact("one-hot", onehot);

        Pair x = both.normal(1000, 100), idx = both.longs(0, 100, 1000, 1), out = both.output(1000, 1);
        both.run(s -> s.backend().gather(s.v(x), 1, s.v(idx), s.v(out)));
        assertExact("gather picks", out);
        Pair rows = both.longs(0, 1000, 900), sel = both.output(900, 100);
        both.run(s -> s.backend().indexSelect(s.v(x), 0, s.v(rows), s.v(sel)));
        assertExact("large indexSelect", sel);
    }

    private interface IndexCall {
        void call(Backend b, View data, View index, View out);
    }

    /** Both backends throw IndexOutOfBoundsException with the same message. */
    private void assertSameIndexError(String what, Pair data, Pair index, Pair out, IndexCall call) {
        var expected = assertThrows(IndexOutOfBoundsException.class, () -> call.call(both.ref, data.ref(), index.ref(), out.ref()));
        var actual = assertThrows(IndexOutOfBoundsException.class, () -> call.call(both.cpu, data.cpu(), index.cpu(), out.cpu()));
        assertEquals(expected.getMessage(), actual.getMessage(), what);
    }

    @Test void outOfRangeIndicesThrowTheRefBackendsException() {
        for (long bad : new long[] {5, -1, Long.MAX_VALUE}) {
            Pair idx = both.tensor(DType.INT64, new long[] {3, 4, 7}, i -> i == 9 || i == 40 ? bad : i % 5);
            Pair x = both.normal(SHAPE), gathered = both.output(3, 4, 7), src = both.normal(3, 4, 7);
            assertSameIndexError("gather " + bad, x, idx, gathered, (b, d, i, o) -> b.gather(d, 1, i, o));
            assertSameIndexError("scatterAdd " + bad, src, idx, both.normal(SHAPE), (b, d, i, o) -> b.scatterAdd(d, 1, i, o));

            Pair list = both.tensor(DType.INT64, new long[] {4}, i -> i == 2 ? bad : i);
            assertSameIndexError("indexSelect " + bad, x, list, both.output(3, 4, 7), (b, d, i, o) -> b.indexSelect(d, 1, i, o));
            assertSameIndexError("indexAdd " + bad, both.normal(3, 4, 7), list, both.normal(SHAPE),
                    (b, d, i, o) -> b.indexAdd(d, 1, i, o));
        }
    }

    @Test void indexMustBeInt64AndDataNotFloat64() {
        Pair x = both.normal(SHAPE), floatIdx = both.normal(3, 4, 7), out = both.output(3, 4, 7);
        assertThrows(IllegalArgumentException.class, () -> both.cpu.gather(x.cpu(), 1, floatIdx.cpu(), out.cpu()));
        Pair d = both.output(DType.FLOAT64, SHAPE), idx = both.longs(0, 5, 3, 4, 7), dOut = both.output(DType.FLOAT64, 3, 4, 7);
        var e = assertThrows(IllegalArgumentException.class, () -> both.cpu.gather(d.cpu(), 1, idx.cpu(), dOut.cpu()));
        assertEquals("gather: float64 is supported only on the ref backend", e.getMessage());
    }
}
