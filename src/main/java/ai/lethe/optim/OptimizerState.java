// An optimizer's state as a checkpoint sees it, flattened with PyTorch's state_dict names:
//   tensors  "state.<i>.momentum_buffer", "state.<i>.exp_avg", "state.<i>.exp_avg_sq"
//   scalars  "state.<i>.step", "param_groups.<g>.lr", ".momentum", ".weight_decay", ".betas.0", ...,
//            "param_groups.<g>.initial_lr" (once a scheduler set it), "param_groups.<g>.params.<k>" = i
// where i numbers the parameters across groups in order. Closing it closes its tensors.
package ai.lethe.optim;

import ai.lethe.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

public record OptimizerState(Map<String, Tensor> tensors, Map<String, Double> scalars) implements AutoCloseable {

    public OptimizerState {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tensors, "tensors")));
        scalars = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(scalars, "scalars")));
        tensors.forEach((k, v) -> Objects.requireNonNull(v, () -> "tensor " + k + " is null"));
        scalars.forEach((k, v) -> Objects.requireNonNull(v, () -> "scalar " + k + " is null"));
    }

    /** Closes every tensor (they are copies the optimizer made for the caller). */
    @Override public void close() { tensors.values().forEach(Tensor::close); }
}
