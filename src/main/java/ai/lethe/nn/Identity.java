// Returns its input (torch.nn.Identity): a placeholder where a model has no layer (timm's q_norm, a removed head).
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

public final class Identity extends Module {
    @Override protected Tensor compute(Tensor x) {
        return x;
    }
}
