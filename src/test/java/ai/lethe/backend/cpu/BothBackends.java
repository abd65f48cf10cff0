// Test support for the cpu-vs-ref parity suites: tensors mirrored on both backends (same dtype, shape, strides,
// offset and contents, each on its own backend's storage), view transforms applied to both sides, reading any
// strided view back, and the comparisons (norm-wise relative error for float32, exact for int64).
package ai.lethe.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lethe.backend.Backend;
import ai.lethe.backend.HostStorage;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.backend.ref.RefBackend;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import ai.lethe.testing.TestBackends;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongToDoubleFunction;

final class BothBackends implements AutoCloseable {
    /** Norm-wise relative tolerance of float32 results against the ref backend. */
    static final double TOLERANCE = 1e-5;

    private static final CpuBackend SHARED_CPU = new CpuBackend();

    final RefBackend ref = new RefBackend();
    final CpuBackend cpu = SHARED_CPU;
    final Random random;
    private final List<Storage> storages = new ArrayList<>();

    BothBackends(long seed) { random = new Random(seed); }

    /** Skips the calling test (with the reason) when the cpu backend cannot run here. */
    static void assumeCpuAvailable() {
        TestBackends.requireCpu();
    }

    /** The same window on each backend. */
    record Pair(View ref, View cpu) {
        long[] shape() { return ref.shape(); }

        DType dtype() { return ref.dtype(); }

        Pair map(java.util.function.UnaryOperator<View> f) { return new Pair(f.apply(ref), f.apply(cpu)); }

        /** Dimensions a and b swapped. */
        Pair transposed(int a, int b) { return map(v -> transpose(v, a, b)); }

        /** Elements start, start + step, ... (count of them) along axis. */
        Pair sliced(int axis, long start, long step, long count) { return map(v -> slice(v, axis, start, step, count)); }

        /** Size-1 dimension {@code axis} broadcast to {@code size} (stride 0). */
        Pair expanded(int axis, long size) { return map(v -> expand(v, axis, size)); }

        /** The contiguous window seen with another shape. */
        Pair reshaped(long... shape) { return map(v -> v.reshaped(shape)); }
    }

    static View transpose(View v, int a, int b) {
        long[] shape = v.shape().clone(), strides = v.strides().clone();
        shape[a] = v.dim(b);
        shape[b] = v.dim(a);
        strides[a] = v.stride(b);
        strides[b] = v.stride(a);
        return new View(v.storage(), v.dtype(), v.offset(), shape, strides);
    }

    static View slice(View v, int axis, long start, long step, long count) {
        long[] shape = v.shape().clone(), strides = v.strides().clone();
        shape[axis] = count;
        strides[axis] = v.stride(axis) * step;
        return new View(v.storage(), v.dtype(), v.offset() + start * v.stride(axis), shape, strides);
    }

    static View expand(View v, int axis, long size) {
        long[] shape = v.shape().clone(), strides = v.strides().clone();
        shape[axis] = size;
        strides[axis] = 0;
        return new View(v.storage(), v.dtype(), v.offset(), shape, strides);
    }

    // ---- making tensors ----------------------------------------------------------------------------------

    private View allocate(Backend b, DType dtype, long elements, long offset, long[] shape, long[] strides) {
        Storage s = b.allocate(Math.max(1, elements) * dtype.byteSize());
        storages.add(s);
        return new View(s, dtype, offset, shape, strides);
    }

    /**
     * A tensor of {@code shape} stored at {@code offset} of a storage of {@code capacity} elements with the
     * given strides; every storage element (inside the window or not) is value(storage index).
     */
    Pair strided(DType dtype, long[] shape, long[] strides, long offset, long capacity, LongToDoubleFunction value) {
        View r = allocate(ref, dtype, capacity, offset, shape, strides);
        View c = allocate(cpu, dtype, capacity, offset, shape, strides);
        MemorySegment rs = ((HostStorage) r.storage()).segment(), cs = ((HostStorage) c.storage()).segment();
        for (long i = 0; i < capacity; i++) {
            double v = value.applyAsDouble(i);
            set(rs, dtype, i, v);
            set(cs, dtype, i, v);
        }
        return new Pair(r, c);
    }

    /** A contiguous tensor with value(i) at row-major position i. */
    Pair tensor(DType dtype, long[] shape, LongToDoubleFunction value) {
        long n = Shape.of(shape).numel();
        return strided(dtype, shape, Shape.of(shape).contiguousStrides(), 0, n, value);
    }

    /** Standard normal float32 values. */
    Pair normal(long... shape) { return tensor(DType.FLOAT32, shape, i -> random.nextGaussian()); }

    /** Uniform float32 values on [lo, hi). */
    Pair uniform(double lo, double hi, long... shape) { return tensor(DType.FLOAT32, shape, i -> lo + (hi - lo) * random.nextDouble()); }

    /** Uniform int64 values on [lo, hi). */
    Pair longs(long lo, long hi, long... shape) { return tensor(DType.INT64, shape, i -> lo + random.nextLong(hi - lo)); }

    /** An output tensor whose every element starts as the same garbage (NaN for floats) on both sides. */
    Pair output(DType dtype, long... shape) { return tensor(dtype, shape, i -> dtype == DType.INT64 ? -7 : Double.NaN); }

    Pair output(long... shape) { return output(DType.FLOAT32, shape); }

    /** A float32 tensor of {@code shape} placed inside a larger storage: every dimension padded, offset 5. */
    Pair paddedNormal(long... shape) {
        long[] strides = new long[shape.length];
        long stride = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = stride;
            stride *= shape[d] + 1;
        }
        return strided(DType.FLOAT32, shape, strides, 5, stride + 5, i -> random.nextGaussian());
    }

    private static void set(MemorySegment seg, DType dtype, long i, double v) {
        switch (dtype) {
            case FLOAT32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
            case FLOAT64 -> seg.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
            case INT64 -> seg.setAtIndex(ValueLayout.JAVA_LONG, i, (long) v);
        }
    }

    // ---- reading -------------------------------------------------------------------------------------------

    /** Storage offsets of every element of the view, row-major. */
    static long[] offsets(View v) {
        long n = v.numel();
        long[] out = new long[Math.toIntExact(n)];
        long[] idx = new long[v.rank()];
        long off = v.offset();
        for (int i = 0; i < n; i++) {
            out[i] = off;
            for (int d = v.rank() - 1; d >= 0; d--) {
                idx[d]++;
                off += v.stride(d);
                if (idx[d] < v.dim(d)) break;
                off -= v.stride(d) * v.dim(d);
                idx[d] = 0;
            }
        }
        return out;
    }

    /** The view's elements, row-major, as doubles. */
    static double[] values(View v) {
        MemorySegment seg = ((HostStorage) v.storage()).segment();
        long[] offs = offsets(v);
        double[] out = new double[offs.length];
        for (int i = 0; i < offs.length; i++)
            out[i] = switch (v.dtype()) {
                case FLOAT32 -> seg.getAtIndex(ValueLayout.JAVA_FLOAT, offs[i]);
                case FLOAT64 -> seg.getAtIndex(ValueLayout.JAVA_DOUBLE, offs[i]);
                case INT64 -> seg.getAtIndex(ValueLayout.JAVA_LONG, offs[i]);
            };
        return out;
    }

    /** The view's int64 elements, row-major. */
    static long[] longValues(View v) {
        MemorySegment seg = ((HostStorage) v.storage()).segment();
        return Arrays.stream(offsets(v)).map(o -> seg.getAtIndex(ValueLayout.JAVA_LONG, o)).toArray();
    }

    /** Every storage element of the view's storage (to check that nothing outside a window was written). */
    static double[] storageValues(View v) {
        MemorySegment seg = ((HostStorage) v.storage()).segment();
        int n = Math.toIntExact(v.storage().byteSize() / v.dtype().byteSize());
        double[] out = new double[n];
        for (int i = 0; i < n; i++)
            out[i] = switch (v.dtype()) {
                case FLOAT32 -> seg.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                case FLOAT64 -> seg.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
                case INT64 -> seg.getAtIndex(ValueLayout.JAVA_LONG, i);
            };
        return out;
    }

    // ---- running and comparing --------------------------------------------------------------------------------

    /** Runs {@code op} on the ref backend with the ref views and on the cpu backend with the cpu views. */
    void run(Consumer<Side> op) {
        op.accept(new Side(ref, true));
        op.accept(new Side(cpu, false));
    }

    /** One backend and a selector of its half of each Pair. */
    record Side(Backend backend, boolean isRef) {
        View v(Pair p) { return p == null ? null : isRef ? p.ref() : p.cpu(); }
    }

    /** ||cpu - ref|| / ||ref|| <= tolerance, with NaN (and infinities) required at the same places. */
    static void assertClose(String what, Pair p, double tolerance) {
        assertClose(what, values(p.ref()), values(p.cpu()), tolerance);
    }

    static void assertClose(String what, Pair p) { assertClose(what, p, TOLERANCE); }

    static void assertClose(String what, double[] expected, double[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, what + ": length");
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (Double.isNaN(e) || Double.isInfinite(e) || Double.isNaN(a) || Double.isInfinite(a)) {
                if (!(Double.compare(e, a) == 0 || (Double.isNaN(e) && Double.isNaN(a))))
                    fail(what + ": element " + i + " is " + a + ", ref has " + e);
                continue;
            }
            diff += (a - e) * (a - e);
            norm += e * e;
        }
        double err = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
        assertTrue(err <= tolerance, what + ": relative error " + err + " > " + tolerance);
    }

    /** Bit-for-bit equal values. */
    static void assertExact(String what, Pair p) {
        if (p.dtype() == DType.INT64) assertArrayEquals(longValues(p.ref()), longValues(p.cpu()), what);
        else assertArrayEquals(values(p.ref()), values(p.cpu()), what);
    }

    /** Same storage contents outside and inside the window (nothing written where it must not be). */
    static void assertStorageClose(String what, Pair p) {
        assertClose(what + " (whole storage)", storageValues(p.ref()), storageValues(p.cpu()), TOLERANCE);
    }

    @Override public void close() {
        for (Storage s : storages) s.release();
        storages.clear();
    }
}
