// Test support for parity suites of the CUDA backend: tensors mirrored on ref, cuda-emu and cpu (same dtype, shape,
// strides, offset and storage contents, each on its own backend's storage), view transforms applied to all sides,
// reading any strided view back from any of them, and the comparisons (norm-wise relative error, or bit for bit).
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import ai.lethe.testing.TestBackends;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongToDoubleFunction;
import java.util.function.UnaryOperator;

final class Mirrored implements AutoCloseable {
    /** Norm-wise relative tolerance of float32 results against ref (the conformance suite's). */
    static final double TOLERANCE = 1e-5;

    final Backend ref = Backends.byName("ref");
    final Backend cuda = CudaBackendTest.emu();
    final Backend cpu;
    final Random random;
    private final List<Storage> storages = new ArrayList<>();

    Mirrored(long seed) {
        TestBackends.requireCpu();
        cpu = Backends.byName("cpu");
        random = new Random(seed);
    }

    /** The same window on each backend: ref, cuda-emu, cpu. */
    record T(View ref, View cuda, View cpu) {
        DType dtype() { return ref.dtype(); }

        T map(UnaryOperator<View> f) { return new T(f.apply(ref), f.apply(cuda), f.apply(cpu)); }

        T transposed(int a, int b) {
            return map(v -> {
                long[] shape = v.shape().clone(), strides = v.strides().clone();
                shape[a] = v.dim(b);
                shape[b] = v.dim(a);
                strides[a] = v.stride(b);
                strides[b] = v.stride(a);
                return new View(v.storage(), v.dtype(), v.offset(), shape, strides);
            });
        }

        /** Elements start, start + step, ... (count of them) along axis. */
        T sliced(int axis, long start, long step, long count) {
            return map(v -> {
                long[] shape = v.shape().clone(), strides = v.strides().clone();
                shape[axis] = count;
                strides[axis] = v.stride(axis) * step;
                return new View(v.storage(), v.dtype(), v.offset() + start * v.stride(axis), shape, strides);
            });
        }

        /** Size-1 dimension axis broadcast to size (stride 0). */
        T expanded(int axis, long size) {
            return map(v -> {
                long[] shape = v.shape().clone(), strides = v.strides().clone();
                shape[axis] = size;
                strides[axis] = 0;
                return new View(v.storage(), v.dtype(), v.offset(), shape, strides);
            });
        }
    }

    // ---- making tensors ----------------------------------------------------------------------------------------

    /** A tensor of shape/strides at offset of a storage of capacity elements, storage element i = value(i). */
    T strided(DType dtype, long[] shape, long[] strides, long offset, long capacity, LongToDoubleFunction value) {
        double[] init = new double[Math.toIntExact(capacity)];
        for (int i = 0; i < init.length; i++) init[i] = value.applyAsDouble(i);
        View[] v = new View[3];
        Backend[] bs = {ref, cuda, cpu};
        for (int k = 0; k < 3; k++) {
            Storage s = bs[k].allocate(Math.max(1, capacity) * dtype.byteSize());
            storages.add(s);
            if (capacity > 0) bs[k].write(host(dtype, init), new View(s, dtype, 0, new long[] {capacity}, new long[] {1}));
            v[k] = new View(s, dtype, offset, shape, strides);
        }
        return new T(v[0], v[1], v[2]);
    }

    private static MemorySegment host(DType dtype, double[] init) {
        MemorySegment m = Arena.ofAuto().allocate((long) init.length * dtype.byteSize(), 8);
        for (int i = 0; i < init.length; i++)
            switch (dtype) {
                case FLOAT32 -> m.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) init[i]);
                case FLOAT64 -> m.setAtIndex(ValueLayout.JAVA_DOUBLE, i, init[i]);
                case INT64 -> m.setAtIndex(ValueLayout.JAVA_LONG, i, (long) init[i]);
            }
        return m;
    }

    /** A contiguous tensor with value(i) at row-major position i. */
    T tensor(long[] shape, LongToDoubleFunction value) {
        long n = Shape.of(shape).numel();
        return strided(DType.FLOAT32, shape, Shape.of(shape).contiguousStrides(), 0, n, value);
    }

    T normal(long... shape) { return tensor(shape, i -> random.nextGaussian()); }

    T uniform(double lo, double hi, long... shape) { return tensor(shape, i -> lo + (hi - lo) * random.nextDouble()); }

    /** A float32 tensor of shape inside a larger storage: every dimension padded by one, offset 5 (odd: unaligned). */
    T paddedNormal(long... shape) {
        long[] strides = new long[shape.length];
        long stride = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = stride;
            stride *= shape[d] + 1;
        }
        return strided(DType.FLOAT32, shape, strides, 5, stride + 5, i -> random.nextGaussian());
    }

    /** A contiguous float32 tensor starting at element 1 of its storage (its pointer is not 16-byte aligned). */
    T unalignedNormal(long n) {
        return strided(DType.FLOAT32, new long[] {n}, new long[] {1}, 1, n + 1, i -> random.nextGaussian());
    }

    // ---- reading -----------------------------------------------------------------------------------------------

    /** The view's elements, row-major, as doubles (read from its backend). */
    static double[] values(View v) {
        Backend b = Backends.byName(v.storage().device().type());
        long cap = v.storage().byteSize() / v.dtype().byteSize();
        MemorySegment m = Arena.ofAuto().allocate(Math.max(1, cap) * v.dtype().byteSize(), 8);
        if (cap > 0) b.read(new View(v.storage(), v.dtype(), 0, new long[] {cap}, new long[] {1}), m);
        long n = v.numel();
        double[] out = new double[Math.toIntExact(n)];
        long[] idx = new long[v.rank()];
        long off = v.offset();
        for (int i = 0; i < n; i++) {
            out[i] = switch (v.dtype()) {
                case FLOAT32 -> m.getAtIndex(ValueLayout.JAVA_FLOAT, off);
                case FLOAT64 -> m.getAtIndex(ValueLayout.JAVA_DOUBLE, off);
                case INT64 -> m.getAtIndex(ValueLayout.JAVA_LONG, off);
            };
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

    /** Every element of the view's storage (to see that nothing outside the window changed). */
    static double[] storageValues(View v) {
        long cap = v.storage().byteSize() / v.dtype().byteSize();
        return values(new View(v.storage(), v.dtype(), 0, new long[] {cap}, new long[] {1}));
    }

    // ---- running and comparing ---------------------------------------------------------------------------------

    /** One backend and a selector of its side of each T. */
    record Side(Backend backend, int k) {
        View v(T t) { return t == null ? null : k == 0 ? t.ref() : k == 1 ? t.cuda() : t.cpu(); }
    }

    /** Runs op on ref, cuda-emu and cpu, each with its own views. */
    void run(Consumer<Side> op) {
        op.accept(new Side(ref, 0));
        op.accept(new Side(cuda, 1));
        op.accept(new Side(cpu, 2));
    }

    /** Runs op on ref and cuda-emu only (views the cpu kernels do not take: strided accumulators and the like). */
    void runRefCuda(Consumer<Side> op) {
        op.accept(new Side(ref, 0));
        op.accept(new Side(cuda, 1));
    }

    /** cuda-emu within TOLERANCE of ref (norm-wise), NaN and infinities at the same places. */
    static void assertClose(String what, T t) { assertClose(what, values(t.ref()), values(t.cuda()), TOLERANCE); }

    static void assertClose(String what, double[] expected, double[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, what + ": length");
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (!Double.isFinite(e) || !Double.isFinite(a)) {
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

    /** cuda-emu equal to ref bit for bit (as doubles). */
    static void assertExact(String what, T t) { assertArrayEquals(values(t.ref()), values(t.cuda()), what + " (cuda-emu vs ref)"); }

    /** cuda-emu equal to cpu bit for bit. */
    static void assertSameAsCpu(String what, T t) { assertArrayEquals(values(t.cpu()), values(t.cuda()), what + " (cuda-emu vs cpu)"); }

    /** The whole storage of cuda-emu's side within tolerance of ref's (nothing written outside the window). */
    static void assertStorageClose(String what, T t) {
        assertClose(what + " (whole storage)", storageValues(t.ref()), storageValues(t.cuda()), TOLERANCE);
    }

    /**
     * Releases every storage and empties cuda-emu's allocator cache: the emulator's guard checks and other suites'
     * "a new allocation reads as NaN" expect few live allocations and fresh memory, not blocks these tests cached.
     */
    @Override public void close() {
        for (Storage s : storages) if (!s.isFreed()) s.release();
        storages.clear();
        ((CudaBackend) ai.lethe.backend.Backends.implementation(cuda)).context().allocator().emptyCache();
    }
}
