// Options of an unlearning method given as text (from the CLI's --alpha 10, --option key=value, or an
// experiment file): typed getters with the method's defaults, validation with messages naming the method and
// the key, and a final check that every given key was used (a typo is an error, not a silent default).
package ai.lethe.unlearn;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

public final class MethodOptions {
    private final String method;
    private final Map<String, String> values;
    private final Set<String> used = new HashSet<>();

    private final Set<String> shared;

    public MethodOptions(String method, Map<String, String> values) { this(method, values, Set.of()); }

    /**
     * @param shared keys given to every method (e.g. the CLI's --batch-size): used by the methods that read them,
     *               and not an error for the others
     */
    public MethodOptions(String method, Map<String, String> values, Set<String> shared) {
        this.method = method;
        this.values = new LinkedHashMap<>(values);
        this.shared = Set.copyOf(shared);
    }

    public static MethodOptions none(String method) { return new MethodOptions(method, Map.of()); }

    public String method() { return method; }

    public double getDouble(String key, double defaultValue) {
        String v = take(key);
        if (v == null) return defaultValue;
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(method + ": option '" + key + "' must be a number, got '" + v + "'");
        }
    }

    /** A number that must be >= {@code min} (e.g. 0 for learning rates and weights, never negative). */
    public double getDouble(String key, double defaultValue, double min) {
        double d = getDouble(key, defaultValue);
        if (d < min) throw new IllegalArgumentException(method + ": option '" + key + "' must be >= " + min + ", got " + d);
        return d;
    }

    public int getInt(String key, int defaultValue, int min) {
        String v = take(key);
        if (v == null) return defaultValue;
        int i;
        try {
            i = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(method + ": option '" + key + "' must be a whole number, got '" + v + "'");
        }
        if (i < min) throw new IllegalArgumentException(method + ": option '" + key + "' must be >= " + min + ", got " + i);
        return i;
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        String v = take(key);
        if (v == null) return defaultValue;
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException(method + ": option '" + key + "' must be true or false, got '" + v + "'");
        };
    }

    public String getString(String key, String defaultValue, Set<String> allowed) {
        String v = take(key);
        if (v == null) return defaultValue;
        if (allowed != null && !allowed.contains(v))
            throw new IllegalArgumentException(method + ": option '" + key + "' must be one of " + new TreeSet<>(allowed) + ", got '" + v + "'");
        return v;
    }

    private String take(String key) {
        used.add(key);
        return values.get(key);
    }

    /** Fails when an option was given that the method never read. */
    public void checkAllUsed() {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(used);
        unknown.removeAll(shared);
        if (!unknown.isEmpty())
            throw new IllegalArgumentException(method + ": unknown option" + (unknown.size() > 1 ? "s " : " ") + unknown
                    + "; it takes " + new TreeSet<>(used));
    }
}
