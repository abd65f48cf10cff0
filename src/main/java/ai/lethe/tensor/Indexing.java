// Index ops with their gradients: gather (gradient: scatter-add), index_select (gradient: index-add) and
// one-hot encoding. Index tensors are int64; out-of-range values are IndexOutOfBoundsExceptions raised by
// the backend, which checks every index it reads.
package ai.lethe.tensor;

import ai.lethe.core.DType;
import ai.lethe.core.Shape;

public final class Indexing {
    private Indexing() {}

    public static Tensor gather(Tensor x, int axis, Tensor index) {
        Ops.check("gather", x, index);
        Ops.requireIndex("gather", index);
        int ax = x.shape().axis(axis, "gather");
        if (index.rank() != x.rank())
            throw new IllegalArgumentException("gather: index of shape " + index.shape() + " must have the rank of the input "
                    + x.shape());
        for (int d = 0; d < x.rank(); d++)
            if (d != ax && index.shape().dim(d) > x.shape().dim(d))
                throw new IllegalArgumentException("gather: index of shape " + index.shape() + " is larger than the input "
                        + x.shape() + " in dimension " + d);
        Tensor out = Tensor.empty(index.shape(), x.dtype(), x.device());
        x.backend().gather(x.kernelView(), ax, index.kernelView(), out.kernelView());
        Shape in = x.shape();
        return Node.record(out, "gather", new Tensor[] {x, null}, new Tensor[] {index}, (g, n) -> {
            Tensor grad = Tensor.zeros(in, g.dtype(), g.device());
            Tensor gc = g.contiguous();
            grad.backend().scatterAdd(gc.kernelView(), ax, index.kernelView(), grad.kernelView());
            return new Tensor[] {grad, null};
        });
    }

    public static Tensor indexSelect(Tensor x, int axis, Tensor index) {
        Ops.check("indexSelect", x, index);
        Ops.requireIndex("indexSelect", index);
        if (index.rank() != 1)
            throw new IllegalArgumentException("indexSelect: index must be 1-D, got shape " + index.shape());
        int ax = x.shape().axis(axis, "indexSelect");
        Tensor out = Tensor.empty(x.shape().with(ax, index.shape().dim(0)), x.dtype(), x.device());
        x.backend().indexSelect(x.kernelView(), ax, index.kernelView(), out.kernelView());
        Shape in = x.shape();
        return Node.record(out, "indexSelect", new Tensor[] {x, null}, new Tensor[] {index}, (g, n) -> {
            Tensor grad = Tensor.zeros(in, g.dtype(), g.device());
            grad.backend().indexAdd(g.kernelView(), ax, index.kernelView(), grad.kernelView());
            return new Tensor[] {grad, null};
        });
    }

    /** float32 [..., numClasses] with a 1 at each index (which must be in [0, numClasses)). */
    public static Tensor oneHot(Tensor index, int numClasses) {
        Ops.check("oneHot", index);
        Ops.requireIndex("oneHot", index);
        if (numClasses <= 0) throw new IllegalArgumentException("oneHot: numClasses must be positive, got " + numClasses);
        long[] d = index.shape().dims();
        long[] od = java.util.Arrays.copyOf(d, d.length + 1);
        od[d.length] = numClasses;
        Shape outShape = Shape.of(od);
        Tensor out = Tensor.zeros(outShape, DType.FLOAT32, index.device());
        long[] id = java.util.Arrays.copyOf(d, d.length + 1);
        id[d.length] = 1;
        try (var _ = GradMode.noGrad();
             Tensor idx = index.reshape(id).contiguous();
             Tensor ones = Tensor.ones(Shape.of(id), DType.FLOAT32, index.device())) {
            out.backend().scatterAdd(ones.kernelView(), d.length, idx.kernelView(), out.kernelView());
        }
        return out;
    }
}
