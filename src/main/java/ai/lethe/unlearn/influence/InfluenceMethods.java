// Influence Unlearning (WoodFisher), provided to the Unlearners registry (ServiceLoader) as "iu".
package ai.lethe.unlearn.influence;

import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.MethodProvider;
import ai.lethe.unlearn.Unlearner;
import java.util.Map;
import java.util.function.Function;

public final class InfluenceMethods implements MethodProvider {
    /** For ServiceLoader. */
    public InfluenceMethods() {}

    @Override
    public Map<String, Function<MethodOptions, Unlearner>> methods() { return Map.of("iu", InfluenceUnlearning::new); }
}
