// Element access for the ref backend: reads any dtype as double (or long) and writes with one rounding, and
// lists the storage offsets of a strided view in row-major order. Slow and obviously correct by design.
package ai.lethe.backend.ref;

import ai.lethe.backend.HostStorage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

final class RefData {
    final MemorySegment seg;
    final DType dtype;
    final View view;

    RefData(View v) {
        this.view = v;
        this.seg = ((HostStorage) v.storage()).segment();
        this.dtype = v.dtype();
    }

    double get(long i) {
        return switch (dtype) {
            case FLOAT32 -> seg.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            case FLOAT64 -> seg.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
            case INT64 -> seg.getAtIndex(ValueLayout.JAVA_LONG, i);
        };
    }

    long getLong(long i) {
        return dtype == DType.INT64 ? seg.getAtIndex(ValueLayout.JAVA_LONG, i) : (long) get(i);
    }

    void set(long i, double v) {
        switch (dtype) {
            case FLOAT32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
            case FLOAT64 -> seg.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
            case INT64 -> seg.setAtIndex(ValueLayout.JAVA_LONG, i, (long) v);
        }
    }

    void setLong(long i, long v) {
        if (dtype == DType.INT64) seg.setAtIndex(ValueLayout.JAVA_LONG, i, v);
        else set(i, v);
    }

    /** Storage offsets (in elements) of every element of the view, in row-major order. */
    long[] offsets() { return offsets(view.shape(), view.strides(), view.offset()); }

    static long[] offsets(long[] shape, long[] strides, long base) {
        long n = 1;
        for (long d : shape) n *= d;
        long[] out = new long[Math.toIntExact(n)];
        if (n == 0) return out;
        int r = shape.length;
        long[] idx = new long[r];
        long off = base;
        for (int i = 0; i < n; i++) {
            out[i] = off;
            for (int d = r - 1; d >= 0; d--) {
                idx[d]++;
                off += strides[d];
                if (idx[d] < shape[d]) break;
                off -= strides[d] * shape[d];
                idx[d] = 0;
            }
        }
        return out;
    }

    /** Contiguous double copy of the view's values (row-major). */
    double[] toDoubles() {
        long[] offs = offsets();
        double[] out = new double[offs.length];
        for (int i = 0; i < offs.length; i++) out[i] = get(offs[i]);
        return out;
    }

    /** Writes row-major values into the view. */
    void fromDoubles(double[] values) {
        long[] offs = offsets();
        for (int i = 0; i < offs.length; i++) set(offs[i], values[i]);
    }
}
