// Fisher Forgetting, provided to the Unlearners registry (ServiceLoader) as "ff".
package ai.lethe.unlearn.noise;

import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.MethodProvider;
import ai.lethe.unlearn.Unlearner;
import java.util.Map;
import java.util.function.Function;

public final class NoiseMethods implements MethodProvider {
    /** For ServiceLoader. */
    public NoiseMethods() {}

    @Override
    public Map<String, Function<MethodOptions, Unlearner>> methods() { return Map.of("ff", FisherForgetting::new); }
}
