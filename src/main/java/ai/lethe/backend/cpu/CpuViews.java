// Small helpers of the cpu backend over Views: native addresses, dtype codes and checks, and the overlap
// tests that decide when an input must be copied before an output that shares its memory is written.
package ai.lethe.backend.cpu;

import ai.lethe.backend.HostStorage;
import ai.lethe.backend.View;
import ai.lethe.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

final class CpuViews {
    private CpuViews() {}

    /** Address of the element {@code elementOffset} elements past the view's first one. */
    static MemorySegment address(View v, long elementOffset) {
        return ((HostStorage) v.storage()).segment().asSlice((v.offset() + elementOffset) * v.dtype().byteSize());
    }

    /** Address of the view's first element. */
    static MemorySegment address(View v) { return address(v, 0); }

    /** Address of the view's first element, or NULL for an absent (null) view. */
    static MemorySegment addressOrNull(View v) { return v == null ? MemorySegment.NULL : address(v, 0); }

    static int dtypeCode(DType t) {
        return switch (t) {
            case FLOAT32 -> NativeCpu.DT_F32;
            case FLOAT64 -> NativeCpu.DT_F64;
            case INT64 -> NativeCpu.DT_I64;
        };
    }

    /** Rejects any non-float32 view among {@code views} (nulls are skipped). */
    static void requireFloat32(String op, View... views) {
        for (View v : views) if (v != null) requireDType(op, v, DType.FLOAT32);
    }

    /** Rejects a view of another dtype, naming float64's home (the ref backend). */
    static void requireDType(String op, View v, DType expected) {
        if (v.dtype() == expected) return;
        if (v.dtype() == DType.FLOAT64) throw new IllegalArgumentException(op + ": float64 is supported only on the ref backend");
        throw new IllegalArgumentException(op + ": " + v.dtype() + " is not supported on cpu (expected " + expected + ")");
    }

    /** Float32 or int64 data (what index and selection kernels move). */
    static void requireFloat32OrInt64(String op, View v) {
        if (v.dtype() == DType.FLOAT64) throw new IllegalArgumentException(op + ": float64 is supported only on the ref backend");
    }

    /** The nn and optimizer kernels take dense views; anything else would be read past its extent. */
    static void requireContiguous(String op, View... views) {
        for (View v : views)
            if (v != null && !v.isContiguous())
                throw new IllegalArgumentException(op + ": the cpu kernel needs a contiguous view, got " + v);
    }

    /** Same memory, element for element. */
    static boolean sameLayout(View a, View b) {
        return a.storage() == b.storage() && a.offset() == b.offset() && a.dtype() == b.dtype()
                && Arrays.equals(a.shape(), b.shape()) && Arrays.equals(a.strides(), b.strides());
    }

    /** Whether the byte ranges the two views span intersect (a conservative test of shared elements). */
    static boolean overlaps(View a, View b) {
        if (a.storage() != b.storage() || a.numel() == 0 || b.numel() == 0) return false;
        long[] ea = byteExtent(a), eb = byteExtent(b);
        return ea[0] < eb[1] && eb[0] < ea[1];
    }

    /** [first byte, end byte) a view touches. */
    private static long[] byteExtent(View v) {
        long lo = v.offset(), hi = v.offset();
        for (int d = 0; d < v.rank(); d++) {
            long span = v.stride(d) * (v.dim(d) - 1);
            if (span < 0) lo += span;
            else hi += span;
        }
        int size = v.dtype().byteSize();
        return new long[] {lo * size, (hi + 1) * size};
    }
}
