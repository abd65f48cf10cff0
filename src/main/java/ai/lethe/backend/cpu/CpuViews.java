// Small helpers of the cpu backend over Views: native addresses (the one place a view becomes a pointer, and
// where every view is checked against its storage first, so no native entry point can skip it), dtype codes and
// checks, and the overlap tests that decide when an input must be copied before an output that shares its memory
// is written.
package ai.lethe.backend.cpu;

import ai.lethe.backend.HostStorage;
import ai.lethe.backend.View;
import ai.lethe.backend.ViewChecks;
import ai.lethe.core.DType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

final class CpuViews {
    private CpuViews() {}

    /**
     * Address of the element {@code elementOffset} elements past the view's first one, after checking that the
     * whole view lies inside its host storage (an exception naming {@code op} otherwise). Callers pass offsets of
     * blocks inside the view. A view without elements gets its storage's start: no kernel reads through it.
     */
    static MemorySegment address(String op, View v, long elementOffset) {
        MemorySegment segment = hostSegment(op, v);
        if (ViewChecks.extent(op, "operand", v) == null) return segment;
        return segment.asSlice((v.offset() + elementOffset) * v.dtype().byteSize());
    }

    /** Address of the view's first element (see {@link #address(String, View, long)}). */
    static MemorySegment address(String op, View v) { return address(op, v, 0); }

    /** Address of the view's first element, or NULL for an absent (null) view. */
    static MemorySegment addressOrNull(String op, View v) { return v == null ? MemorySegment.NULL : address(op, v, 0); }

    /** The view's host memory, once the view is known to lie inside it. */
    private static MemorySegment hostSegment(String op, View v) {
        ViewChecks.inBounds(op, "operand", v);
        if (!(v.storage() instanceof HostStorage host))
            throw new IllegalArgumentException(op + ": the cpu backend needs host memory, got a storage on "
                    + v.storage().device());
        return host.segment();
    }

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

    /** Whether the element ranges the two views span intersect (a conservative test of shared elements). */
    static boolean overlaps(View a, View b) {
        if (a.storage() != b.storage()) return false;
        long[] ea = ViewChecks.extent("overlap", "a", a), eb = ViewChecks.extent("overlap", "b", b);
        if (ea == null || eb == null) return false;
        long sa = a.dtype().byteSize(), sb = b.dtype().byteSize();
        // [first byte, end byte) of each; in range, as both views lie inside the storage
        return ea[0] * sa < (eb[1] + 1) * sb && eb[0] * sb < (ea[1] + 1) * sa;
    }
}
