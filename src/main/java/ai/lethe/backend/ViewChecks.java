// Checks of one View against its storage and against the shape an op expects, shared by every backend: a view
// whose elements reach outside its storage, whose sizes are negative or whose element or byte count overflows a
// long is an IllegalArgumentException naming the op and the argument, before any kernel reads or writes memory.
// Each check is O(rank); exact arithmetic (Math.multiplyExact/addExact) turns every overflow into that exception.
package ai.lethe.backend;

import ai.lethe.core.DType;
import java.util.Arrays;

public final class ViewChecks {
    private ViewChecks() {}

    /**
     * The lowest and highest element index (in elements of the view's dtype, from the start of its storage) that
     * the view reaches, or null when it has no elements. Strides may be negative or 0 (broadcast).
     *
     * @throws IllegalArgumentException naming {@code op} and {@code name} for a negative size, a negative offset,
     *                                  a rank mismatch, or an element count, byte count or index beyond a long
     */
    public static long[] extent(String op, String name, View v) {
        long[] shape = v.shape(), strides = v.strides();
        if (shape.length != strides.length)
            throw new IllegalArgumentException(op + ": " + name + " has " + shape.length + " sizes but " + strides.length
                    + " strides");
        if (v.offset() < 0) throw new IllegalArgumentException(op + ": " + name + " " + v + " has a negative offset");
        boolean empty = false;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0)
                throw new IllegalArgumentException(op + ": " + name + " " + v + " has a negative size in dimension " + d);
            if (shape[d] == 0) empty = true;
        }
        if (empty) return null;
        exactProduct(op, name, v, "byte count", elementCount(op, name, v), v.dtype().byteSize());
        long lo = v.offset(), hi = v.offset();
        try {
            for (int d = 0; d < shape.length; d++) {
                long span = Math.multiplyExact(strides[d], shape[d] - 1);
                if (span < 0) lo = Math.addExact(lo, span);
                else hi = Math.addExact(hi, span);
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(op + ": " + name + " " + v + " reaches element indices beyond a 64-bit range");
        }
        return new long[] {lo, hi};
    }

    /**
     * Checks that {@code v} is a live view whose every element lies inside its storage (see {@link #extent}).
     * A view with no elements touches no memory and passes whatever its offset within a long.
     */
    public static void inBounds(String op, String name, View v) {
        if (v == null) throw new IllegalArgumentException(op + ": " + name + " is null");
        Storage storage = v.storage();
        if (storage == null) throw new IllegalArgumentException(op + ": " + name + " " + v + " has no storage");
        if (v.dtype() == null) throw new IllegalArgumentException(op + ": " + name + " has no dtype");
        if (storage.isFreed())
            throw new IllegalStateException(op + ": " + name + " " + v + " is on a storage that was already freed");
        long[] e = extent(op, name, v);
        if (e == null) return;
        long capacity = storage.byteSize() / v.dtype().byteSize();
        if (e[0] < 0 || e[1] >= capacity)
            throw new IllegalArgumentException(op + ": " + name + " " + v + " reaches elements " + e[0] + ".." + e[1]
                    + " but its storage holds " + capacity + " " + v.dtype() + " elements (" + storage.byteSize() + " bytes)");
    }

    /** {@link #inBounds} for an optional argument: null passes. */
    public static void inBoundsOrNull(String op, String name, View v) {
        if (v != null) inBounds(op, name, v);
    }

    /** The view's element count, as an exception naming the op when it overflows a long. */
    public static long elementCount(String op, String name, View v) {
        for (long d : v.shape()) if (d == 0) return 0;
        long n = 1;
        for (long d : v.shape()) n = exactProduct(op, name, v, "element count", n, d);
        return n;
    }

    /** The product of {@code sizes} (named {@code what} in the message), as an exception naming the op on overflow. */
    public static long product(String op, String what, long... sizes) {
        long p = 1;
        try {
            for (long s : sizes) p = Math.multiplyExact(p, s);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(op + ": " + what + " " + Arrays.toString(sizes) + " overflows a 64-bit count");
        }
        return p;
    }

    // ---- shapes --------------------------------------------------------------------------------------------

    /** {@code v} has exactly the shape {@code expected}. */
    public static void shape(String op, String name, View v, long... expected) {
        if (!Arrays.equals(v.shape(), expected))
            throw new IllegalArgumentException(op + ": " + name + " has shape " + Arrays.toString(v.shape())
                    + ", expected " + Arrays.toString(expected));
    }

    /** {@code v} has {@code ref}'s shape. */
    public static void sameShape(String op, String name, View v, String refName, View ref) {
        if (!Arrays.equals(v.shape(), ref.shape()))
            throw new IllegalArgumentException(op + ": " + name + " has shape " + Arrays.toString(v.shape()) + " but "
                    + refName + " has shape " + Arrays.toString(ref.shape()) + "; they must match");
    }

    /** {@code v} has rank {@code rank}. */
    public static void rank(String op, String name, View v, int rank) {
        if (v.rank() != rank)
            throw new IllegalArgumentException(op + ": " + name + " must have " + rank + " dimensions, got shape "
                    + Arrays.toString(v.shape()));
    }

    /** {@code v} has {@code count} elements (for dense vectors whose shape does not matter). */
    public static void elements(String op, String name, View v, long count) {
        if (elementCount(op, name, v) != count)
            throw new IllegalArgumentException(op + ": " + name + " of shape " + Arrays.toString(v.shape()) + " has "
                    + v.numel() + " elements, expected " + count);
    }

    /** {@code axis} indexes a dimension of a rank-{@code rank} view. */
    public static void axis(String op, int axis, int rank) {
        if (axis < 0 || axis >= rank)
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for rank " + rank);
    }

    /** {@code v} is dense in row-major order (the kernel reads numel elements from its first). */
    public static void contiguous(String op, String name, View v) {
        if (!v.isContiguous())
            throw new IllegalArgumentException(op + ": " + name + " must be contiguous, got " + v);
    }

    /** {@code v} has dtype {@code expected}. */
    public static void dtype(String op, String name, View v, DType expected) {
        if (v.dtype() != expected)
            throw new IllegalArgumentException(op + ": " + name + " must be " + expected + ", got " + v.dtype());
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static long exactProduct(String op, String name, View v, String what, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(op + ": " + name + " " + v + " has a " + what + " beyond a 64-bit range");
        }
    }
}
