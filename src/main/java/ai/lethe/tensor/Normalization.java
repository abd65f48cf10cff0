// Batch norm (training: batch statistics + running-statistics update; eval: running statistics) and layer
// norm, with their gradients. Both are single fused backend kernels in each direction.
package ai.lethe.tensor;

import ai.lethe.core.Shape;

public final class Normalization {
    private Normalization() {}

    /**
     * Batch norm over the channel dimension 1 of x [N, C, ...] (PyTorch's F.batch_norm). In training mode the
     * running statistics, when given, are updated in place with {@code momentum} (unbiased variance).
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        Ops.check("batchNorm", x, runningMean, runningVar, weight, bias);
        Ops.requireFloat("batchNorm", x);
        if (x.rank() < 2)
            throw new IllegalArgumentException("batchNorm: input must have at least 2 dimensions [N, C, ...], got " + x.shape());
        long n = x.shape().dim(0), c = x.shape().dim(1), s = x.numel() / Math.max(n * c, 1);
        for (Tensor p : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (p == null) continue;
            Ops.sameDType("batchNorm", x, p);
            if (p.rank() != 1 || p.shape().dim(0) != c)
                throw new IllegalArgumentException("batchNorm: per-channel tensors must have shape [" + c + "] for input "
                        + x.shape() + ", got " + p.shape());
        }
        if (!(eps > 0)) throw new IllegalArgumentException("batchNorm: eps must be positive, got " + eps);
        Shape three = Shape.of(n, c, s);
        Tensor xc = x.contiguous();
        Tensor out = Tensor.empty(x.shape(), x.dtype(), x.device());
        var xv = xc.kernelView().reshaped(three.dims());
        var ov = out.kernelView().reshaped(three.dims());
        if (!training) {
            if (runningMean == null || runningVar == null)
                throw new IllegalArgumentException("batchNorm: eval mode needs running mean and variance");
            x.backend().batchNormEval(xv, view(weight), view(bias), view(runningMean), view(runningVar), ov, eps);
            return Node.record(out, "batchNorm(eval)", new Tensor[] {x, null, null, weight, bias},
                    new Tensor[] {xc, runningMean, runningVar}, (g, needs) -> {
                        // out = (x - rm) * invStd * w + b with constants rm, invStd: one fused pass
                        Tensor invStd = runningVar.add(eps).rsqrt();
                        Tensor dy = g.contiguous();
                        Tensor dx = needs[0] ? Tensor.empty(x.shape(), x.dtype(), x.device()) : null;
                        Tensor dw = needs[3] ? Tensor.empty(Shape.of(c), x.dtype(), x.device()) : null;
                        Tensor db = needs[4] ? Tensor.empty(Shape.of(c), x.dtype(), x.device()) : null;
                        x.backend().batchNormBackward(dy.kernelView().reshaped(three.dims()), xv, view(weight),
                                view(runningMean), invStd.kernelView(), dx == null ? null : dx.kernelView().reshaped(three.dims()),
                                view(dw), view(db), false);
                        return new Tensor[] {dx, null, null, dw, db};
                    });
        }
        if (n * s <= 1)
            throw new IllegalArgumentException("batchNorm: expected more than 1 value per channel when training, got input of shape " + x.shape());
        Tensor saveMean = Tensor.empty(Shape.of(c), x.dtype(), x.device());
        Tensor saveInvStd = Tensor.empty(Shape.of(c), x.dtype(), x.device());
        x.backend().batchNormTrain(xv, view(weight), view(bias), view(runningMean), view(runningVar), ov,
                saveMean.kernelView(), saveInvStd.kernelView(), momentum, eps);
        if (runningMean != null) runningMean.markModified();
        if (runningVar != null) runningVar.markModified();
        return Node.record(out, "batchNorm", new Tensor[] {x, null, null, weight, bias},
                new Tensor[] {xc, saveMean, saveInvStd}, (g, needs) -> {
                    Tensor dy = g.contiguous();
                    Tensor dx = Tensor.empty(x.shape(), x.dtype(), x.device());
                    Tensor dw = needs[3] ? Tensor.empty(Shape.of(c), x.dtype(), x.device()) : null;
                    Tensor db = needs[4] ? Tensor.empty(Shape.of(c), x.dtype(), x.device()) : null;
                    x.backend().batchNormBackward(dy.kernelView().reshaped(three.dims()), xc.kernelView().reshaped(three.dims()),
                            view(weight), saveMean.kernelView(), saveInvStd.kernelView(),
                            dx.kernelView().reshaped(three.dims()), view(dw), view(db), true);
                    return new Tensor[] {needs[0] ? dx : null, null, null, dw, db};
                });
    }

    /** Layer norm over the trailing dimensions {@code normalizedShape} of x (PyTorch's F.layer_norm). */
    public static Tensor layerNorm(Tensor x, long[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        Ops.check("layerNorm", x, weight, bias);
        Ops.requireFloat("layerNorm", x);
        Shape ns = Shape.of(normalizedShape);
        int k = ns.rank();
        if (k == 0 || x.rank() < k)
            throw new IllegalArgumentException("layerNorm: normalized shape " + ns + " does not fit input " + x.shape());
        for (int i = 0; i < k; i++)
            if (x.shape().dim(x.rank() - k + i) != ns.dim(i))
                throw new IllegalArgumentException("layerNorm: input of shape " + x.shape() + " does not end with the normalized shape " + ns);
        for (Tensor p : new Tensor[] {weight, bias})
            if (p != null && !p.shape().equals(ns))
                throw new IllegalArgumentException("layerNorm: weight and bias must have shape " + ns + ", got " + p.shape());
        if (!(eps > 0)) throw new IllegalArgumentException("layerNorm: eps must be positive, got " + eps);
        long d = ns.numel(), m = x.numel() / Math.max(d, 1);
        Tensor xc = x.contiguous();
        Tensor out = Tensor.empty(x.shape(), x.dtype(), x.device());
        Tensor saveMean = Tensor.empty(Shape.of(m), x.dtype(), x.device());
        Tensor saveInvStd = Tensor.empty(Shape.of(m), x.dtype(), x.device());
        x.backend().layerNorm(xc.kernelView().reshaped(m, d), flat(weight, d), flat(bias, d), out.kernelView().reshaped(m, d),
                saveMean.kernelView(), saveInvStd.kernelView(), eps);
        return Node.record(out, "layerNorm", new Tensor[] {x, weight, bias}, new Tensor[] {xc, saveMean, saveInvStd},
                (g, needs) -> {
                    Tensor dy = g.contiguous();
                    Tensor dx = Tensor.empty(x.shape(), x.dtype(), x.device());
                    Tensor dw = needs[1] ? Tensor.empty(ns, x.dtype(), x.device()) : null;
                    Tensor db = needs[2] ? Tensor.empty(ns, x.dtype(), x.device()) : null;
                    x.backend().layerNormBackward(dy.kernelView().reshaped(m, d), xc.kernelView().reshaped(m, d),
                            flat(weight, d), saveMean.kernelView(), saveInvStd.kernelView(), dx.kernelView().reshaped(m, d),
                            flat(dw, d), flat(db, d));
                    return new Tensor[] {needs[0] ? dx : null, dw, db};
                });
    }

    private static ai.lethe.backend.View view(Tensor t) {
        if (t == null) return null;
        if (!t.isContiguous()) throw new IllegalArgumentException("batchNorm: per-channel tensors must be contiguous");
        return t.kernelView();
    }

    private static ai.lethe.backend.View flat(Tensor t, long d) {
        if (t == null) return null;
        if (!t.isContiguous()) throw new IllegalArgumentException("layerNorm: weight and bias must be contiguous");
        return t.kernelView().reshaped(d);
    }
}
