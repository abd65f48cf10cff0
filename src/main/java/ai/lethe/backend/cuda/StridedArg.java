// The Java half of cuda-kernels/strided.cuh: a strided view as the kernels take it, a StridedView struct passed by
// value (ndim, offset, sizes[8], strides[8], every member a long long: 144 bytes), written into KernelArgs by
// put(). Every kernel family packs its views through here, so the layout is defined once on each side.
//
// coalesce() prepares the views of one op together: the shape they share (the output's; broadcast inputs have
// stride 0) with size-1 dimensions dropped and neighbouring dimensions merged wherever every view allows it
// (stride[d] == stride[d + 1] * size[d + 1] for each), so that a contiguous tensor of any rank is one dimension and
// most strided ones need two or three. More than MAX_DIMS dimensions left after that is an
// IllegalArgumentException naming the op.
package ai.lethe.backend.cuda;

import ai.lethe.backend.View;
import java.util.Arrays;

/**
 * A view as a kernel argument.
 *
 * @param offset  element [0, ..., 0] in elements from the start of its buffer (the storage's device pointer)
 * @param sizes   sizes per dimension (at most {@link #MAX_DIMS})
 * @param strides strides per dimension in elements (0 for broadcast)
 */
public record StridedArg(long offset, long[] sizes, long[] strides) {
    /** LETHE_MAX_DIMS of strided.cuh. */
    public static final int MAX_DIMS = 8;
    /** The struct's size in bytes (sizeof(StridedView)). */
    public static final int BYTES = 8 * (2 + 2 * MAX_DIMS);

    public StridedArg {
        if (sizes.length != strides.length || sizes.length > MAX_DIMS)
            throw new IllegalArgumentException("StridedArg: " + sizes.length + " sizes and " + strides.length
                    + " strides (at most " + MAX_DIMS + " dimensions)");
    }

    public int ndim() { return sizes.length; }

    /** The number of elements. */
    public long numel() {
        long n = 1;
        for (long s : sizes) n *= s;
        return n;
    }

    /** Appends this view as one StridedView parameter. */
    public KernelArgs put(KernelArgs args) {
        long[] w = new long[2 + 2 * MAX_DIMS];
        w[0] = sizes.length;
        w[1] = offset;
        System.arraycopy(sizes, 0, w, 2, sizes.length);
        System.arraycopy(strides, 0, w, 2 + MAX_DIMS, strides.length);
        return args.words64(w);
    }

    /** One view on its own (coalesced). */
    public static StridedArg of(String op, View v) { return coalesce(op, v.shape(), v)[0]; }

    /**
     * The views walked together over {@code shape} (each view's own shape must equal it; broadcast dimensions have
     * stride 0), coalesced jointly: one StridedArg per view, all with the same sizes.
     */
    public static StridedArg[] coalesce(String op, long[] shape, View... views) {
        int rank = shape.length, k = views.length;
        for (View v : views)
            if (!Arrays.equals(v.shape(), shape))
                throw new IllegalArgumentException(op + ": view " + v + " does not have the shape " + Arrays.toString(shape));
        long[] sizes = new long[rank];
        long[][] strides = new long[k][rank];
        int n = 0;
        for (int d = 0; d < rank; d++) {
            if (shape[d] == 1) continue;
            boolean merge = n > 0;
            for (int j = 0; j < k && merge; j++)
                merge = strides[j][n - 1] == views[j].stride(d) * shape[d];
            if (merge) {
                sizes[n - 1] *= shape[d];
                for (int j = 0; j < k; j++) strides[j][n - 1] = views[j].stride(d);
            } else {
                sizes[n] = shape[d];
                for (int j = 0; j < k; j++) strides[j][n] = views[j].stride(d);
                n++;
            }
        }
        if (n > MAX_DIMS)
            throw new IllegalArgumentException(op + ": the views " + Arrays.toString(views) + " need " + n
                    + " dimensions after merging, more than the kernels' " + MAX_DIMS);
        StridedArg[] out = new StridedArg[k];
        for (int j = 0; j < k; j++)
            out[j] = new StridedArg(views[j].offset(), Arrays.copyOf(sizes, n), Arrays.copyOf(strides[j], n));
        return out;
    }

    @Override public boolean equals(Object o) {
        return o instanceof StridedArg s && s.offset == offset && Arrays.equals(s.sizes, sizes) && Arrays.equals(s.strides, strides);
    }

    @Override public int hashCode() { return Long.hashCode(offset) * 31 + Arrays.hashCode(sizes) * 17 + Arrays.hashCode(strides); }

    @Override public String toString() {
        return "StridedArg[sizes " + Arrays.toString(sizes) + ", strides " + Arrays.toString(strides) + ", +" + offset + "]";
    }
}
