// An immutable list of dimension sizes, with the helpers every op needs: numel, contiguous strides,
// negative-axis normalisation and NumPy/PyTorch broadcasting, each failing with a message naming the op.
package ai.lethe.core;

import java.util.Arrays;

public final class Shape {
    private static final Shape SCALAR = new Shape(new long[0]);
    private final long[] dims;
    private final long numel;

    private Shape(long[] dims) {
        long n = 1;
        for (long d : dims) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            n = Math.multiplyExact(n, d);
        }
        this.dims = dims;
        this.numel = n;
    }

    public static Shape of(long... dims) { return dims.length == 0 ? SCALAR : new Shape(dims.clone()); }

    public static Shape of(int... dims) {
        long[] l = new long[dims.length];
        for (int i = 0; i < dims.length; i++) l[i] = dims[i];
        return new Shape(l);
    }

    public static Shape scalar() { return SCALAR; }

    public int rank() { return dims.length; }

    public long numel() { return numel; }

    /** Size of dimension {@code axis}; negative axes count from the end. */
    public long dim(int axis) { return dims[axis(axis, "dim")]; }

    public long[] dims() { return dims.clone(); }

    /** The sizes as ints (for loops over small shapes); fails if one does not fit. */
    public int[] intDims() {
        int[] r = new int[dims.length];
        for (int i = 0; i < dims.length; i++) r[i] = Math.toIntExact(dims[i]);
        return r;
    }

    /** Row-major strides of a contiguous tensor of this shape, in elements. */
    public long[] contiguousStrides() {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(dims[i], 1);
        }
        return s;
    }

    /** Normalises a possibly negative axis, naming {@code op} when it is out of range. */
    public int axis(int axis, String op) {
        int r = dims.length;
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= Math.max(r, 0) || r == 0)
            throw new IllegalArgumentException(op + ": dimension " + axis + " out of range for shape " + this
                    + " (rank " + r + ")");
        return a;
    }

    /** This shape with dimension {@code axis} replaced by {@code size}. */
    public Shape with(int axis, long size) {
        long[] d = dims.clone();
        d[axis(axis, "with")] = size;
        return new Shape(d);
    }

    /** This shape without dimension {@code axis}. */
    public Shape drop(int axis) {
        int a = axis(axis, "drop");
        long[] d = new long[dims.length - 1];
        for (int i = 0, j = 0; i < dims.length; i++) if (i != a) d[j++] = dims[i];
        return new Shape(d);
    }

    /** The broadcast of two shapes, or an IllegalArgumentException naming {@code op} and both shapes. */
    public static Shape broadcast(Shape a, Shape b, String op) {
        int r = Math.max(a.rank(), b.rank());
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long da = i < r - a.rank() ? 1 : a.dims[i - (r - a.rank())];
            long db = i < r - b.rank() ? 1 : b.dims[i - (r - b.rank())];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException(op + ": shapes " + a + " and " + b + " cannot be broadcast"
                        + " (dimension " + i + ": " + da + " vs " + db + ")");
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }

    @Override public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }

    @Override public int hashCode() { return Arrays.hashCode(dims); }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) sb.append(i == 0 ? "" : ", ").append(dims[i]);
        return sb.append(']').toString();
    }
}
