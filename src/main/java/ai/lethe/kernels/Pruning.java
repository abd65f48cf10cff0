// Pruning scores (the inputs of GlobalTopK): magnitude |w| (one-shot and iterative magnitude pruning) and
// SynFlow's |∂R/∂w ∘ w|. New tensors, computed under no-grad (never recorded by autograd), owned by the
// current scope like any other result.
package ai.lethe.kernels;

import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;

public final class Pruning {
    private Pruning() {}

    /** |w|, elementwise: w's shape, dtype and device. */
    public static Tensor magnitudeScores(Tensor w) {
        Args.tensor("magnitudeScores", "w", w);
        try (var _ = GradMode.noGrad()) {
            return w.abs();
        }
    }

    /**
     * SynFlow's score |grad ∘ w| elementwise, where grad = ∂R/∂w of the all-ones input's summed output (the
     * parameter's gradient after that backward pass).
     *
     * @param w    the weight
     * @param grad its gradient: w's shape and device
     */
    public static Tensor synflowScores(Tensor w, Tensor grad) {
        String op = "synflowScores";
        Args.tensor(op, "w", w);
        Args.like(op, "grad", grad, "w", w);
        try (var _ = GradMode.noGrad(); var scope = Scope.open(op)) {
            return scope.keep(grad.mul(w).abs());
        }
    }
}
