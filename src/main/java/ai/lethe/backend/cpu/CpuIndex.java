// The cpu backend's index kernels on the Java side: gather / index_select as one native "take" and
// scatter_add / index_add as one native "put-add" (see native/index.c), laid out as a walk over the
// positions with the data's axis stride zeroed and an index operand that reads the index of each position.
// The native side checks every index before moving anything; a bad one becomes the ref backend's
// IndexOutOfBoundsException.
package ai.lethe.backend.cpu;

import static ai.lethe.backend.cpu.CpuViews.address;
import static ai.lethe.backend.cpu.CpuViews.requireDType;
import static ai.lethe.backend.cpu.CpuViews.requireFloat32OrInt64;

import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.lang.foreign.MemorySegment;

final class CpuIndex {
    private final NativeCpu lib;
    private final CpuMath math;

    CpuIndex(NativeCpu lib, CpuMath math) {
        this.lib = lib;
        this.math = math;
    }

    void gather(View x, int axis, View index, View out) {
        check("gather", x, index, out);
        if (out.numel() == 0) return;
        take("gather", x, axis, index, out, index.strides());
    }

    void indexSelect(View x, int axis, View index, View out) {
        check("indexSelect", x, index, out);
        if (out.numel() == 0) return;
        take("indexSelect", x, axis, index, out, alongAxis(out.rank(), axis, index.stride(0)));
    }

    void scatterAdd(View src, int axis, View index, View out) {
        check("scatterAdd", src, index, out);
        if (src.numel() == 0) return;
        putAdd("scatterAdd", src, axis, index, out, index.strides());
    }

    void indexAdd(View src, int axis, View index, View out) {
        check("indexAdd", src, index, out);
        if (src.numel() == 0) return;
        putAdd("indexAdd", src, axis, index, out, alongAxis(src.rank(), axis, index.stride(0)));
    }

    private static void check(String op, View data, View index, View out) {
        requireFloat32OrInt64(op, data);
        requireDType(op, out, data.dtype());
        requireDType(op, index, DType.INT64);
        if (Math.max(data.rank(), out.rank()) > NativeCpu.MAX_RANK)
            throw new IllegalArgumentException(op + ": the cpu backend supports up to " + NativeCpu.MAX_RANK
                    + " dimensions, got " + Math.max(data.rank(), out.rank()));
    }

    /** Strides of a 1-D index read once per position along {@code axis}: its stride there, 0 elsewhere. */
    private static long[] alongAxis(int rank, int axis, long indexStride) {
        long[] s = new long[rank];
        s[axis] = indexStride;
        return s;
    }

    private static long[] zeroedAt(long[] strides, int axis) {
        long[] s = strides.clone();
        s[axis] = 0;
        return s;
    }

    /** The index tensor's own walk, in which the native side checks the values in row-major order. */
    private static MemorySegment indexLayout(View index) {
        return StridedWalk.of(index.shape(), index.strides()).writeTo(NativeCpu.scratch(NativeCpu.LAYOUT_B));
    }

    private static IndexOutOfBoundsException outOfRange(String op, int axis, long size) {
        return new IndexOutOfBoundsException(op + ": index " + NativeCpu.info(0) + " is out of range for dimension "
                + axis + " of size " + size);
    }

    /** out[p] = x[p with the axis coordinate replaced by the index read at p]. */
    private void take(String op, View x, int axis, View index, View out, long[] indexStrides) {
        try (TempViews temps = math.temps()) {
            View src = temps.separate(x, out);
            StridedWalk walk = StridedWalk.of(out.shape(), out.strides(), zeroedAt(src.strides(), axis), indexStrides);
            int status = lib.take(op, walk.layout(), address(op, out), address(op, src), address(op, index), src.stride(axis),
                    x.dtype().byteSize(), indexLayout(index), x.dim(axis));
            if (status == NativeCpu.ERR_INDEX) throw outOfRange(op, axis, x.dim(axis));
        }
    }

    /** out[p with the axis coordinate replaced by the index read at p] += src[p], in row-major order of p. */
    private void putAdd(String op, View src, int axis, View index, View out, long[] indexStrides) {
        try (TempViews temps = math.temps()) {
            View s = temps.separate(src, out);
            StridedWalk walk = StridedWalk.of(s.shape(), s.strides(), zeroedAt(out.strides(), axis), indexStrides);
            int status = lib.putAdd(op, walk.layout(), address(op, s), address(op, out), address(op, index), out.stride(axis),
                    src.dtype().byteSize(), indexLayout(index), out.dim(axis));
            if (status == NativeCpu.ERR_INDEX) throw outOfRange(op, axis, out.dim(axis));
        }
    }
}
