// The fused softmax cross-entropy behind F.crossEntropy for class-index targets (issue 15): one backend op forward
// (Backend.crossEntropy: per row max, log-sum-exp and loss, and the mean or sum) and one backward
// (Backend.crossEntropyBackward: dlogits = softmax − (1 − ε)·onehot − ε/C, scaled by the reduction and the upstream
// gradient), in place of log-softmax, gather, neg, scaling and the reduction with their own gradients. On cuda each
// is one kernel launch (cuda-kernels/loss.cu); ref and cpu compute the same in one pass per row (HostFusedOps).
package ai.lethe.nn;

import ai.lethe.backend.View;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Node;
import ai.lethe.tensor.Tensor;

final class FusedLoss {
    private FusedLoss() {}

    /** Cross-entropy of logits [N, C] at int64 targets [N] (validated by F), reduced as asked. */
    static Tensor crossEntropy(Tensor logits, Tensor target, F.Reduction reduction, double labelSmoothing) {
        long n = logits.shape().dim(0);
        Tensor x = logits.contiguous();
        Tensor lse = Tensor.empty(Shape.of(n), logits.dtype(), logits.device());
        boolean none = reduction == F.Reduction.NONE;
        Tensor out = Tensor.empty(none ? Shape.of(n) : Shape.scalar(), logits.dtype(), logits.device());
        double scale = reduction == F.Reduction.MEAN ? 1.0 / n : 1.0;
        logits.backend().crossEntropy(x.kernelView(), target.kernelView(), none ? out.kernelView() : null, lse.kernelView(),
                none ? null : out.kernelView(), labelSmoothing, scale);
        return Node.record(out, "crossEntropy", new Tensor[] {logits, target}, new Tensor[] {x, target, lse}, (g, needs) -> {
            if (!needs[0]) return new Tensor[] {null, null};
            Tensor gc = g.contiguous();
            View gv = gc.kernelView();
            if (!none)   // one upstream gradient for every row: a stride-0 view of it
                gv = new View(gv.storage(), gv.dtype(), gv.offset(), new long[] {n}, new long[] {0});
            Tensor dx = Tensor.empty(logits.shape(), logits.dtype(), logits.device());
            logits.backend().crossEntropyBackward(x.kernelView(), target.kernelView(), lse.kernelView(), gv, dx.kernelView(),
                    labelSmoothing, scale);
            return new Tensor[] {dx, null};
        });
    }
}
