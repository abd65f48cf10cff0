// max(x, 0) (torch.nn.ReLU; never in place).
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

public final class ReLU extends Module {
    @Override protected Tensor compute(Tensor x) {
        return F.relu(x);
    }
}
