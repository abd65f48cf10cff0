// Records, during one forward pass, what the per-sample squared gradients need: for every Linear, Conv2d,
// BatchNorm and LayerNorm its input and (after backward) its output's gradient; for parameters a module uses
// directly (a ViT's cls_token, pos_embed) the batch tensor they enter. Layer parameters are switched to
// requiresGrad=false while capturing, so backward computes only what flows to the activations — never the
// batch weight gradients the per-sample rules replace.
package ai.lethe.fisher;

import ai.lethe.nn.BatchNorm;
import ai.lethe.nn.Conv2d;
import ai.lethe.nn.LayerNorm;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Module;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

final class PerSampleCapture implements AutoCloseable {
    /** A layer call: the module, its qualified name, input and output (whose gradient backward retains). */
    record LayerCall(Module module, String name, Tensor input, Tensor output) {}

    /** A direct parameter use: the parameter's qualified name, the parameter, and the batch tensor it entered. */
    record ParameterUse(String name, Tensor parameter, Tensor batchTensor) {}

    private final List<Module.HookHandle> handles = new ArrayList<>();
    private final Map<Tensor, Boolean> switchedOff = new IdentityHashMap<>();
    private final List<LayerCall> layers = new ArrayList<>();
    private final List<ParameterUse> uses = new ArrayList<>();
    private final Map<Module, String> seen = new IdentityHashMap<>();

    static boolean hasLayerRule(Module m) {
        return m instanceof Linear || m instanceof Conv2d || m instanceof BatchNorm || m instanceof LayerNorm;
    }

    /** Installs hooks on every module of {@code model}; parameters of rule-covered layers stop requiring grad. */
    PerSampleCapture(Module model) {
        Map<String, Module> modules = model.namedModules();
        for (var e : modules.entrySet()) {
            Module m = e.getValue();
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            if (hasLayerRule(m)) {
                for (Tensor p : m.namedParameters().values()) {
                    if (p.requiresGrad()) {
                        switchedOff.put(p, true);
                        p.setRequiresGrad(false);
                    }
                }
                handles.add(m.addForwardHook((mod, in, out) -> {
                    if (seen.put(mod, e.getKey()) != null)
                        throw new IllegalStateException("per-sample Fisher: module '" + e.getKey() + "' ran twice in one forward;"
                                + " a shared layer's per-sample gradient is not the sum of its uses' squares");
                    layers.add(new LayerCall(mod, e.getKey(), in, out.retainGrad()));
                }));
            } else {
                handles.add(m.addParameterUseHook((mod, name, batch) ->
                        uses.add(new ParameterUse(prefix + name, mod.parameter(name), batch.retainGrad()))));
            }
        }
    }

    List<LayerCall> layers() { return layers; }

    List<ParameterUse> uses() { return uses; }

    /** Forgets the last forward's records (before the next batch). */
    void clear() {
        layers.clear();
        uses.clear();
        seen.clear();
    }

    /** Removes the hooks and gives the switched-off parameters their requiresGrad back. */
    @Override public void close() {
        handles.forEach(Module.HookHandle::close);
        switchedOff.keySet().forEach(p -> p.setRequiresGrad(true));
        clear();
    }
}
