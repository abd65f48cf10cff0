// Checks and helpers shared by the differentiable ops: open tensors on one device, float dtypes, and the
// reduction of a broadcast gradient back to an input's shape.
package ai.lethe.tensor;

import ai.lethe.backend.ReduceOp;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;

final class Ops {
    private Ops() {}

    /** All tensors open and on the first one's device; names the op and both devices otherwise. */
    static void check(String op, Tensor... ts) {
        Tensor first = null;
        for (Tensor t : ts) {
            if (t == null) continue;
            t.checkOpen(op);
            if (first == null) first = t;
            else if (!t.device().equals(first.device()))
                throw new IllegalArgumentException(op + ": tensors are on different devices (" + first.device()
                        + " and " + t.device() + ")");
        }
    }

    /** Fails unless {@code t} is floating point. */
    static void requireFloat(String op, Tensor t) {
        if (!t.dtype().isFloatingPoint())
            throw new IllegalArgumentException(op + ": expects a floating-point tensor, got " + t.dtype()
                    + " of shape " + t.shape());
    }

    /** Fails unless both have the same dtype. */
    static void sameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype())
            throw new IllegalArgumentException(op + ": dtypes differ (" + a.dtype() + " of shape " + a.shape()
                    + " and " + b.dtype() + " of shape " + b.shape() + ")");
    }

    /** Fails unless {@code t} is int64. */
    static void requireIndex(String op, Tensor t) {
        if (t.dtype() != DType.INT64)
            throw new IllegalArgumentException(op + ": index tensor must be int64, got " + t.dtype() + " of shape " + t.shape());
    }

    /** Fails unless {@code t} has rank {@code rank}. */
    static void requireRank(String op, String what, Tensor t, int rank) {
        if (t.rank() != rank)
            throw new IllegalArgumentException(op + ": " + what + " must be " + rank + "-D, got shape " + t.shape());
    }

    /**
     * Sums a gradient of a broadcast result down to {@code target} (the shape of the input that was broadcast):
     * extra leading dimensions and dimensions where the input had size 1 are summed away.
     */
    static Tensor sumToShape(Tensor g, Shape target) {
        Shape gs = g.shape();
        if (gs.equals(target)) return g;
        int lead = gs.rank() - target.rank();
        long[] keep = gs.dims();
        boolean any = false;
        for (int i = 0; i < gs.rank(); i++) {
            boolean reduce = i < lead || (target.dim(i - lead) == 1 && gs.dim(i) != 1);
            if (reduce) { keep[i] = 1; any = true; }
        }
        Tensor summed;
        if (any) {
            summed = Tensor.empty(Shape.of(keep), g.dtype(), g.device());
            g.backend().reduce(ReduceOp.SUM, g.kernelView(), summed.kernelView(), 0);
        } else {
            summed = g;
        }
        Tensor r = summed.reshape(target.dims());
        if (summed != g && r != summed) summed.close();
        return r;
    }

    /** Normalises and de-duplicates reduction axes; null means all. Returns a mask over dimensions. */
    static boolean[] axesMask(String op, Shape s, int[] axes) {
        boolean[] m = new boolean[s.rank()];
        if (axes == null) {
            java.util.Arrays.fill(m, true);
            return m;
        }
        for (int a : axes) {
            int n = s.axis(a, op);
            if (m[n]) throw new IllegalArgumentException(op + ": dimension " + a + " appears twice in " + java.util.Arrays.toString(axes));
            m[n] = true;
        }
        return m;
    }
}
