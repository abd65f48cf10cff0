// The registry of unlearning methods by name, used by the CLI and experiments; users register their own.
// A factory builds a method from its options (MethodOptions), whose unknown keys are rejected. The built-in
// methods (and any a user's jar provides) come from the MethodProviders that ServiceLoader finds.
package ai.lethe.unlearn;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

public final class Unlearners {
    private static final Map<String, Function<MethodOptions, Unlearner>> FACTORIES = new TreeMap<>();

    static {
        registerBuiltIns();
    }

    private Unlearners() {}

    /** Adds (or replaces) the method {@code name}. */
    public static synchronized void register(String name, Function<MethodOptions, Unlearner> factory) {
        FACTORIES.put(name, factory);
    }

    /**
     * (Re-)registers every method of every MethodProvider on the class path, replacing any registration under
     * the same names (tests use it to restore a method they replaced).
     */
    public static synchronized void registerBuiltIns() {
        for (MethodProvider provider : ServiceLoader.load(MethodProvider.class, Unlearners.class.getClassLoader()))
            FACTORIES.putAll(provider.methods());
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
