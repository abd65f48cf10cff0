// The registry of unlearning methods by name, used by the CLI and experiments; users register their own.
// A factory builds a method from its options (MethodOptions), whose unknown keys are rejected.
package ai.lethe.unlearn;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

public final class Unlearners {
    private static final Map<String, Function<MethodOptions, Unlearner>> FACTORIES = new TreeMap<>();

    static {
        BuiltInMethods.registerAll();
    }

    private Unlearners() {}

    /** Adds (or replaces) the method {@code name}. */
    public static synchronized void register(String name, Function<MethodOptions, Unlearner> factory) {
        FACTORIES.put(name, factory);
    }

    public static synchronized List<String> names() { return List.copyOf(FACTORIES.keySet()); }

    /** The method {@code name} configured with {@code options} (unknown method or option: IllegalArgumentException). */
    public static Unlearner create(String name, Map<String, String> options) { return create(name, options, java.util.Set.of()); }

    /**
     * As {@link #create(String, Map)}, where the keys in {@code shared} (options given to every method, like the
     * CLI's --batch-size) are used by the methods that read them and ignored by the others.
     */
    public static Unlearner create(String name, Map<String, String> options, java.util.Set<String> shared) {
        Function<MethodOptions, Unlearner> factory;
        synchronized (Unlearners.class) {
            factory = FACTORIES.get(name);
        }
        if (factory == null)
            throw new IllegalArgumentException("unknown unlearning method '" + name + "'; known: " + String.join(", ", names()));
        MethodOptions o = new MethodOptions(name, options, shared);
        Unlearner u = factory.apply(o);
        o.checkAllUsed();
        return u;
    }
}
