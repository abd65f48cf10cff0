// Layer normalisation over the trailing dimensions normalizedShape (torch.nn.LayerNorm): weight = 1 and
// bias = 0 of that shape when elementwiseAffine.
package ai.lethe.nn;

import ai.lethe.core.Shape;
import ai.lethe.tensor.Tensor;

public class LayerNorm extends Module {
    private final long[] normalizedShape;
    private final double eps;
    private final boolean elementwiseAffine;

    public LayerNorm(long... normalizedShape) { this(normalizedShape, 1e-5, true); }

    public LayerNorm(long[] normalizedShape, double eps, boolean elementwiseAffine) {
        if (normalizedShape.length == 0) throw new IllegalArgumentException("LayerNorm: normalized shape must not be empty");
        for (long d : normalizedShape)
            if (d <= 0) throw new IllegalArgumentException("LayerNorm: normalized shape must be positive, got " + Shape.of(normalizedShape));
        if (!(eps > 0)) throw new IllegalArgumentException("LayerNorm: eps must be positive, got " + eps);
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.elementwiseAffine = elementwiseAffine;
        Shape s = Shape.of(normalizedShape);
        registerParameter("weight", elementwiseAffine ? Tensor.ones(s) : null);
        registerParameter("bias", elementwiseAffine ? Tensor.zeros(s) : null);
    }

    public long[] normalizedShape() { return normalizedShape.clone(); }

    public double eps() { return eps; }

    @Override protected Tensor compute(Tensor x) {
        return F.layerNorm(x, normalizedShape, parameter("weight"), parameter("bias"), eps);
    }

    @Override protected String extraRepr() {
        return Repr.tuple(normalizedShape) + ", eps=" + Repr.pyFloat(eps) + ", elementwise_affine=" + Repr.pyBool(elementwiseAffine);
    }
}
