// Selective Synaptic Dampening, provided to the Unlearners registry (ServiceLoader): "ssd" and its loss-free
// variant "lf-ssd".
package ai.lethe.unlearn.ssd;

import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.MethodProvider;
import ai.lethe.unlearn.Unlearner;
import java.util.Map;
import java.util.function.Function;

public final class SsdMethods implements MethodProvider {
    /** For ServiceLoader. */
    public SsdMethods() {}

    @Override
    public Map<String, Function<MethodOptions, Unlearner>> methods() {
        return Map.of("ssd", Ssd::new, "lf-ssd", Ssd::lossFree);
    }
}
