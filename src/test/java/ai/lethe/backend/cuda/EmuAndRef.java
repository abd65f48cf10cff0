// Test support for the CUDA backend's parity suites: the same data on the ref backend and on cuda-emu (same dtype,
// shape, strides, offset and storage contents), reading any strided view back, and the comparisons.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongToDoubleFunction;

final class EmuAndRef implements AutoCloseable {
    final Backend ref = Backends.byName("ref");
    final Backend emu = CudaBackendTest.emu();
    final Random random;
    private final List<Storage> storages = new ArrayList<>();

    EmuAndRef(long seed) { random = new Random(seed); }

    /** The same window on each backend. */
    record Pair(View ref, View emu) {
        long[] shape() { return ref.shape(); }

        Pair map(java.util.function.UnaryOperator<View> f) { return new Pair(f.apply(ref), f.apply(emu)); }

        /** Dimensions a and b swapped. */
        Pair transposed(int a, int b) {
            return map(v -> {
                long[] s = v.shape().clone(), st = v.strides().clone();
                long t = s[a]; s[a] = s[b]; s[b] = t;
                t = st[a]; st[a] = st[b]; st[b] = t;
                return new View(v.storage(), v.dtype(), v.offset(), s, st);
            });
        }

        /** Size-1 dimension axis broadcast to size (stride 0). */
        Pair expanded(int axis, long size) {
            return map(v -> {
                long[] s = v.shape().clone(), st = v.strides().clone();
                s[axis] = size;
                st[axis] = 0;
                return new View(v.storage(), v.dtype(), v.offset(), s, st);
            });
        }
    }

    /** A view on a storage of storageElements elements, storage element j = f(j) (converted to dtype). */
    Pair strided(DType dtype, long[] shape, long[] strides, long offset, long storageElements, LongToDoubleFunction f) {
        double[] init = new double[(int) storageElements];
        for (int j = 0; j < init.length; j++) init[j] = f.applyAsDouble(j);
        return new Pair(place(ref, dtype, init, offset, shape, strides), place(emu, dtype, init, offset, shape, strides));
    }

    /** A contiguous tensor with element i = f(i). */
    Pair tensor(DType dtype, long[] shape, LongToDoubleFunction f) {
        return strided(dtype, shape, Shape.of(shape).contiguousStrides(), 0, Math.max(1, Shape.of(shape).numel()), f);
    }

    Pair normal(long... shape) { return tensor(DType.FLOAT32, shape, i -> random.nextGaussian()); }

    /** Uninitialised-looking output: the same garbage (a pattern) on both sides. */
    Pair output(DType dtype, long... shape) { return tensor(dtype, shape, i -> -7777 - i); }

    private View place(Backend b, DType dtype, double[] init, long offset, long[] shape, long[] strides) {
        Storage s = b.allocate(init.length * (long) dtype.byteSize());
        storages.add(s);
        View whole = new View(s, dtype, 0, new long[] {init.length}, new long[] {1});
        b.write(StorageValues.hostOf(dtype, init), whole);
        return new View(s, dtype, offset, shape, strides);
    }

    /** Runs the same call on both backends. */
    void run(Consumer<Side> call) {
        call.accept(new Side(ref, true));
        call.accept(new Side(emu, false));
    }

    /** One backend's side of a call: its backend and its half of each pair. */
    record Side(Backend backend, boolean isRef) {
        View v(Pair p) { return isRef ? p.ref() : p.emu(); }
    }

    /** The view's elements in row-major order as doubles (int64 as exact longs in a long[] via readLongs). */
    static double[] read(Backend b, View v) {
        int n = (int) v.numel();
        Storage tmp = b.allocate(Math.max(1, n) * (long) v.dtype().byteSize());
        try {
            View dense = View.contiguous(tmp, v.dtype(), Shape.of(v.shape()));
            b.copy(v, dense);
            double[] out = new double[n];
            switch (v.dtype()) {
                case FLOAT32 -> {
                    float[] f = new float[n];
                    b.read(dense, MemorySegment.ofArray(f));
                    for (int i = 0; i < n; i++) out[i] = f[i];
                }
                case FLOAT64 -> b.read(dense, MemorySegment.ofArray(out));
                case INT64 -> {
                    long[] l = new long[n];
                    b.read(dense, MemorySegment.ofArray(l));
                    for (int i = 0; i < n; i++) out[i] = l[i];
                }
            }
            return out;
        } finally {
            tmp.release();
        }
    }

    /** Both sides bit-equal (as doubles; NaN equals NaN). */
    void assertSame(String what, Pair p) {
        double[] e = read(ref, p.ref()), a = read(emu, p.emu());
        for (int i = 0; i < e.length; i++)
            if (Double.compare(e[i], a[i]) != 0 && !(Double.isNaN(e[i]) && Double.isNaN(a[i])))
                fail(what + ": element " + i + " is " + a[i] + " on cuda-emu, " + e[i] + " on ref");
    }

    /**
     * Elementwise parity: |actual − expected| <= tolerance · |expected| + floor for every element, NaN where ref has
     * NaN (and only there), infinities equal.
     */
    void assertClose(String what, Pair p, double tolerance, double floor) {
        double[] e = read(ref, p.ref()), a = read(emu, p.emu());
        assertEquals(e.length, a.length, what + ": element count");
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i]) || Double.isNaN(a[i]) || Double.isInfinite(e[i])) {
                if (Double.compare(e[i], a[i]) != 0 && !(Double.isNaN(e[i]) && Double.isNaN(a[i])))
                    fail(what + ": element " + i + " is " + a[i] + " on cuda-emu, " + e[i] + " on ref");
                continue;
            }
            if (Math.abs(a[i] - e[i]) > tolerance * Math.abs(e[i]) + floor)
                fail(what + ": element " + i + " is " + a[i] + " on cuda-emu, " + e[i] + " on ref (|diff| "
                        + Math.abs(a[i] - e[i]) + " > " + tolerance + " relative + " + floor + ")");
        }
    }

    static String shape(Pair p) { return Arrays.toString(p.shape()); }

    @Override public void close() {
        for (Storage s : storages) if (!s.isFreed()) s.release();
    }
}
