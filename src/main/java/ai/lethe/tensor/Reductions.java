// Reductions with their gradient rules: sum, mean, max/min (values; the gradient goes to the first extreme
// element), variance, and argmax/argmin (int64, not differentiable).
package ai.lethe.tensor;

import ai.lethe.backend.ArgReduceOp;
import ai.lethe.backend.ReduceOp;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;

public final class Reductions {
    private Reductions() {}

    public static Tensor sum(Tensor x, int[] axes, boolean keepDim) {
        Ops.check("sum", x);
        Ops.requireFloat("sum", x);
        boolean[] mask = Ops.axesMask("sum", x.shape(), axes);
        Tensor out = reduce(ReduceOp.SUM, x, mask, keepDim, 0);
        Shape in = x.shape();
        Shape kept = keptShape(in, mask);
        return Node.record(out, "sum", new Tensor[] {x}, new Tensor[0],
                (g, n) -> new Tensor[] {g.reshape(kept.dims()).expand(in.dims())});
    }

    public static Tensor mean(Tensor x, int[] axes, boolean keepDim) {
        Ops.check("mean", x);
        Ops.requireFloat("mean", x);
        boolean[] mask = Ops.axesMask("mean", x.shape(), axes);
        Tensor out = reduce(ReduceOp.MEAN, x, mask, keepDim, 0);
        Shape in = x.shape();
        Shape kept = keptShape(in, mask);
        double count = (double) in.numel() / Math.max(kept.numel(), 1);
        return Node.record(out, "mean", new Tensor[] {x}, new Tensor[0],
                (g, n) -> new Tensor[] {g.reshape(kept.dims()).mul(1.0 / count).expand(in.dims())});
    }

    public static Tensor var(Tensor x, int[] axes, int correction, boolean keepDim) {
        Ops.check("var", x);
        Ops.requireFloat("var", x);
        if (correction < 0) throw new IllegalArgumentException("var: correction must be >= 0, got " + correction);
        boolean[] mask = Ops.axesMask("var", x.shape(), axes);
        Tensor out = reduce(ReduceOp.VAR, x, mask, keepDim, correction);
        Shape in = x.shape();
        Shape kept = keptShape(in, mask);
        double count = (double) in.numel() / Math.max(kept.numel(), 1);
        return Node.record(out, "var", new Tensor[] {x}, new Tensor[] {x}, (g, n) -> {
            Tensor mean = reduce(ReduceOp.MEAN, x, mask, true, 0);
            Tensor scale = g.reshape(kept.dims()).mul(2.0 / (count - correction));
            return new Tensor[] {x.sub(mean).mul(scale)};
        });
    }

    public static Tensor max(Tensor x, int[] axes, boolean keepDim) { return extreme(x, axes, keepDim, true); }

    public static Tensor min(Tensor x, int[] axes, boolean keepDim) { return extreme(x, axes, keepDim, false); }

    private static Tensor extreme(Tensor x, int[] axes, boolean keepDim, boolean isMax) {
        String name = isMax ? "max" : "min";
        Ops.check(name, x);
        Ops.requireFloat(name, x);
        if (x.numel() == 0) throw new IllegalArgumentException(name + ": empty tensor of shape " + x.shape() + " has no " + name);
        if (axes == null) {
            // the whole tensor: reduce its flattened form along its only dimension
            Tensor r = extreme(x.reshape(-1), new int[] {0}, false, isMax);
            return keepDim ? r.reshape(keptShape(x.shape(), Ops.axesMask(name, x.shape(), null)).dims()) : r;
        }
        if (axes.length != 1) throw new IllegalArgumentException(name + ": reduces one dimension or all, got " + java.util.Arrays.toString(axes));
        int ax = x.shape().axis(axes[0], name);
        boolean[] mask = Ops.axesMask(name, x.shape(), axes);
        Tensor out = reduce(isMax ? ReduceOp.MAX : ReduceOp.MIN, x, mask, keepDim, 0);
        if (!Node.wouldRecord(x)) return out;
        Shape in = x.shape();
        Shape kept = keptShape(in, mask);
        return Node.record(out, name, new Tensor[] {x}, new Tensor[] {x}, (g, n) -> {
            Tensor idx = argmax(x, ax, true, isMax);
            Tensor grad = Tensor.zeros(in, g.dtype(), g.device());
            Tensor gk = g.reshape(kept.dims()).contiguous();
            grad.backend().scatterAdd(gk.kernelView(), ax, idx.kernelView(), grad.kernelView());
            return new Tensor[] {grad};
        });
    }

    public static Tensor argmax(Tensor x, int axis, boolean keepDim, boolean isMax) {
        String name = isMax ? "argmax" : "argmin";
        Ops.check(name, x);
        Ops.requireFloat(name, x);
        int ax = x.shape().axis(axis, name);
        if (x.shape().dim(ax) == 0) throw new IllegalArgumentException(name + ": dimension " + axis + " of shape " + x.shape() + " is empty");
        Shape kept = x.shape().with(ax, 1);
        Tensor out = Tensor.empty(kept, DType.INT64, x.device());
        x.backend().argReduce(isMax ? ArgReduceOp.ARGMAX : ArgReduceOp.ARGMIN, x.kernelView(), ax, out.kernelView());
        return keepDim ? out : squeezeTo(out, x.shape().drop(ax));
    }

    /** Runs a backend reduction into a keep-dim output, then drops the reduced dimensions if asked. */
    private static Tensor reduce(ReduceOp op, Tensor x, boolean[] mask, boolean keepDim, double p0) {
        Shape kept = keptShape(x.shape(), mask);
        Tensor out = Tensor.empty(kept, x.dtype(), x.device());
        x.backend().reduce(op, x.kernelView(), out.kernelView(), p0);
        if (keepDim) return out;
        long[] d = x.shape().dims();
        int r = 0;
        for (boolean m : mask) if (!m) r++;
        long[] nd = new long[r];
        for (int i = 0, j = 0; i < d.length; i++) if (!mask[i]) nd[j++] = d[i];
        return squeezeTo(out, Shape.of(nd));
    }

    private static Tensor squeezeTo(Tensor keep, Shape target) {
        Tensor r = keep.asStrided(target, target.contiguousStrides(), 0);
        keep.close();
        return r;
    }

    static Shape keptShape(Shape in, boolean[] mask) {
        long[] d = in.dims();
        for (int i = 0; i < d.length; i++) if (mask[i]) d[i] = 1;
        return Shape.of(d);
    }
}
