// A source of unlearning methods for the registry: Unlearners finds every implementation with ServiceLoader
// (listed in META-INF/services/ai.lethe.unlearn.MethodProvider), so the registry never names the packages that
// implement methods and a user's jar can add methods the same way Lethe's own packages do.
package ai.lethe.unlearn;

import java.util.Map;
import java.util.function.Function;

public interface MethodProvider {
    /** Method name → factory building the method from its options. */
    Map<String, Function<MethodOptions, Unlearner>> methods();
}
