// Called after a module computes its output (torch's register_forward_hook): sees the module, its input and
// its output. Used to observe activations — e.g. the per-sample Fisher records each layer's input and asks for
// its output's gradient.
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

@FunctionalInterface
public interface ForwardHook {
    void after(Module module, Tensor input, Tensor output);
}
