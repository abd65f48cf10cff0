// Fused activations of the normalisation layers (issue 15): batch norm + ReLU (training with batch statistics, eval
// with running ones, and the backward with the ReLU mask inside the batch-norm gradient: Backend.batchNormRelu*) and
// the residual add + ReLU of a ResNet basic block (Backend.addRelu; its gradient is one RELU_BACKWARD pass against the
// output, handed to both addends). Each is one kernel launch each way on cuda where the unfused ops take two. Used by
// BatchNorm.forwardRelu and ai.lethe.models.BasicBlock when no forward hook needs the intermediate tensor.
package ai.lethe.nn;

import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.View;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Node;
import ai.lethe.tensor.Tensor;

public final class FusedNorm {
    private FusedNorm() {}

    /**
     * relu(batchNorm(x, ...)) with F.batchNorm's arguments and semantics (running statistics updated in training mode
     * when given), computed and differentiated as one op.
     */
    public static Tensor batchNormRelu(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                       boolean training, double momentum, double eps) {
        String op = "batchNormRelu";
        if (!x.dtype().isFloatingPoint())
            throw new IllegalArgumentException(op + ": expects a floating-point tensor, got " + x.dtype() + " of shape " + x.shape());
        if (x.rank() < 2)
            throw new IllegalArgumentException(op + ": input must have at least 2 dimensions [N, C, ...], got " + x.shape());
        long n = x.shape().dim(0), c = x.shape().dim(1), s = x.numel() / Math.max(n * c, 1);
        for (Tensor p : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (p == null) continue;
            if (!p.device().equals(x.device()) || p.dtype() != x.dtype())
                throw new IllegalArgumentException(op + ": per-channel tensors must be " + x.dtype() + " on " + x.device()
                        + ", got " + p.dtype() + " on " + p.device());
            if (p.rank() != 1 || p.shape().dim(0) != c)
                throw new IllegalArgumentException(op + ": per-channel tensors must have shape [" + c + "] for input "
                        + x.shape() + ", got " + p.shape());
        }
        if (!(eps > 0)) throw new IllegalArgumentException(op + ": eps must be positive, got " + eps);
        long[] three = {n, c, s};
        Tensor xc = x.contiguous();
        Tensor out = Tensor.empty(x.shape(), x.dtype(), x.device());
        View xv = xc.kernelView().reshaped(three), ov = out.kernelView().reshaped(three);
        if (!training) {
            if (runningMean == null || runningVar == null)
                throw new IllegalArgumentException(op + ": eval mode needs running mean and variance");
            x.backend().batchNormReluEval(xv, view(weight), view(bias), view(runningMean), view(runningVar), ov, eps);
            return Node.record(out, "batchNormRelu(eval)", new Tensor[] {x, null, null, weight, bias},
                    new Tensor[] {xc, runningMean, runningVar, out}, (g, needs) -> {
                        Tensor invStd = runningVar.add(eps).rsqrt();
                        return backward(g, out, x, xc, three, weight, runningMean, invStd, needs, false);
                    });
        }
        if (n * s <= 1)
            throw new IllegalArgumentException(op + ": expected more than 1 value per channel when training, got input of shape " + x.shape());
        Tensor saveMean = Tensor.empty(Shape.of(c), x.dtype(), x.device());
        Tensor saveInvStd = Tensor.empty(Shape.of(c), x.dtype(), x.device());
        x.backend().batchNormReluTrain(xv, view(weight), view(bias), view(runningMean), view(runningVar), ov,
                saveMean.kernelView(), saveInvStd.kernelView(), momentum, eps);
        if (runningMean != null) runningMean.markModified();
        if (runningVar != null) runningVar.markModified();
        return Node.record(out, "batchNormRelu", new Tensor[] {x, null, null, weight, bias},
                new Tensor[] {xc, saveMean, saveInvStd, out},
                (g, needs) -> backward(g, out, x, xc, three, weight, saveMean, saveInvStd, needs, true));
    }

    private static Tensor[] backward(Tensor g, Tensor out, Tensor x, Tensor xc, long[] three, Tensor weight, Tensor mean,
                                     Tensor invStd, boolean[] needs, boolean batchStatistics) {
        long c = three[1];
        Tensor dy = g.contiguous();
        Tensor dx = needs[0] ? Tensor.empty(x.shape(), x.dtype(), x.device()) : null;
        Tensor dw = needs[3] ? Tensor.empty(Shape.of(c), x.dtype(), x.device()) : null;
        Tensor db = needs[4] ? Tensor.empty(Shape.of(c), x.dtype(), x.device()) : null;
        if (dx == null && dw == null && db == null) return new Tensor[] {null, null, null, null, null};
        x.backend().batchNormReluBackward(dy.kernelView().reshaped(three), out.kernelView().reshaped(three),
                xc.kernelView().reshaped(three), view(weight), mean.kernelView(), invStd.kernelView(),
                dx == null ? null : dx.kernelView().reshaped(three), view(dw), view(db), batchStatistics);
        return new Tensor[] {dx, null, null, dw, db};
    }

    /** max(a + b, 0) for tensors of one shape, dtype and device, as one op (the residual add and ReLU). */
    public static Tensor addRelu(Tensor a, Tensor b) {
        String op = "addRelu";
        if (!a.shape().equals(b.shape()) || a.dtype() != b.dtype() || !a.device().equals(b.device()))
            throw new IllegalArgumentException(op + ": a " + a.dtype() + a.shape() + " on " + a.device() + " and b " + b.dtype()
                    + b.shape() + " on " + b.device() + " must have one shape, dtype and device");
        if (!a.dtype().isFloatingPoint())
            throw new IllegalArgumentException(op + ": expects floating-point tensors, got " + a.dtype());
        Tensor out = Tensor.empty(a.shape(), a.dtype(), a.device());
        a.backend().addRelu(a.kernelView(), b.kernelView(), out.kernelView());
        return Node.record(out, op, new Tensor[] {a, b}, new Tensor[] {out}, (g, needs) -> {
            Tensor d = Tensor.empty(out.shape(), out.dtype(), out.device());
            out.backend().binary(BinaryOp.RELU_BACKWARD, g.kernelView(), out.kernelView(), d.kernelView(), 0, 0);
            return new Tensor[] {needs[0] ? d : null, needs[1] ? d : null};
        });
    }

    private static View view(Tensor t) {
        if (t == null) return null;
        if (!t.isContiguous()) throw new IllegalArgumentException("batchNormRelu: per-channel tensors must be contiguous");
        return t.kernelView();
    }
}
