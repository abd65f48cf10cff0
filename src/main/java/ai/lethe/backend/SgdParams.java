// Hyper-parameters of one fused SGD step, with PyTorch's semantics (torch.optim.SGD) plus an l1 term:
//   d = ±g + wd·θ + l1·sign(θ);  if momentum: buf = firstStep ? d : momentum·buf + (1 − dampening)·d;
//   d = nesterov ? d + momentum·buf : buf;  θ -= lr·d.
// sign(0) = 0. The l1 term is the gradient of l1·‖θ‖₁ (l1-sparse unlearning); 0 leaves torch's update unchanged.
package ai.lethe.backend;

public record SgdParams(double lr, double momentum, double dampening, double weightDecay, double l1,
                        boolean nesterov, boolean maximize, boolean firstStep) {

    /** Parameters without an l1 term. */
    public SgdParams(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                     boolean maximize, boolean firstStep) {
        this(lr, momentum, dampening, weightDecay, 0, nesterov, maximize, firstStep);
    }
}
