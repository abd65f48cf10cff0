// Called where a module uses one of its own parameters directly in the batch computation (not through a child
// layer) — e.g. a ViT's cls_token expanded over the batch, or its pos_embed added to every sample's tokens.
// {@code batchTensor} has the batch as its first dimension and the parameter enters it elementwise, so the
// gradient of batchTensor's sample n, summed over the dimensions where the parameter was broadcast, is the
// parameter's gradient for sample n.
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

@FunctionalInterface
public interface ParameterUseHook {
    void used(Module module, String parameterName, Tensor batchTensor);
}
