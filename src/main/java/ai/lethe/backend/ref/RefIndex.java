// The ref backend's index kernels: gather / scatter-add / index-select / index-add, every index checked.
package ai.lethe.backend.ref;

import ai.lethe.backend.View;

final class RefIndex {
    private RefIndex() {}

    private static long checked(String op, long idx, long size, int axis) {
        if (idx < 0 || idx >= size)
            throw new IndexOutOfBoundsException(op + ": index " + idx + " is out of range for dimension " + axis + " of size " + size);
        return idx;
    }

    /** Offsets of every element of {@code shape} under {@code strides}, with dimension {@code axis} zeroed. */
    private static long[] baseOffsets(long[] shape, long[] strides, long offset, int axis) {
        long[] s = strides.clone();
        s[axis] = 0;
        return RefData.offsets(shape, s, offset);
    }

    /** Index along {@code axis} of each row-major position of {@code shape}. */
    private static long[] axisCoordinates(long[] shape, int axis) {
        long[] s = new long[shape.length];
        s[axis] = 1;
        return RefData.offsets(shape, s, 0);
    }

    static void gather(View x, int axis, View index, View out) {
        RefData xd = new RefData(x), id = new RefData(index), od = new RefData(out);
        long[] io = id.offsets(), oo = od.offsets();
        long[] xb = baseOffsets(index.shape(), x.strides(), x.offset(), axis);
        for (int i = 0; i < oo.length; i++) {
            long k = checked("gather", id.getLong(io[i]), x.dim(axis), axis);
            od.set(oo[i], xd.get(xb[i] + k * x.stride(axis)));
        }
    }

    static void scatterAdd(View src, int axis, View index, View out) {
        RefData sd = new RefData(src), id = new RefData(index), od = new RefData(out);
        long[] so = sd.offsets(), io = id.offsets();
        long[] ob = baseOffsets(index.shape(), out.strides(), out.offset(), axis);
        for (int i = 0; i < io.length; i++) {
            long k = checked("scatterAdd", id.getLong(io[i]), out.dim(axis), axis);
            long o = ob[i] + k * out.stride(axis);
            od.set(o, od.get(o) + sd.get(so[i]));
        }
    }

    static void indexSelect(View x, int axis, View index, View out) {
        RefData xd = new RefData(x), id = new RefData(index), od = new RefData(out);
        long[] oo = od.offsets();
        long[] xb = baseOffsets(out.shape(), x.strides(), x.offset(), axis);
        long[] pos = axisCoordinates(out.shape(), axis);
        long[] io = id.offsets();
        for (int i = 0; i < oo.length; i++) {
            long k = checked("indexSelect", id.getLong(io[(int) pos[i]]), x.dim(axis), axis);
            od.set(oo[i], xd.get(xb[i] + k * x.stride(axis)));
        }
    }

    static void indexAdd(View src, int axis, View index, View out) {
        RefData sd = new RefData(src), id = new RefData(index), od = new RefData(out);
        long[] so = sd.offsets();
        long[] ob = baseOffsets(src.shape(), out.strides(), out.offset(), axis);
        long[] pos = axisCoordinates(src.shape(), axis);
        long[] io = id.offsets();
        for (int i = 0; i < so.length; i++) {
            long k = checked("indexAdd", id.getLong(io[(int) pos[i]]), out.dim(axis), axis);
            long o = ob[i] + k * out.stride(axis);
            od.set(o, od.get(o) + sd.get(so[i]));
        }
    }
}
