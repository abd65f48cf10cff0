// max(x, 0) (torch.nn.ReLU; never in place).
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

public final class ReLU extends Module {
    @Override public Tensor forward(Tensor x) {
        checkOpen("forward");
        return F.relu(x);
    }
}
