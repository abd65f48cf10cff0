// Which hyper-parameters the tuner searches for a method, and how (issue 16, item 4). Keys the caller gives are held
// fixed ("given"); the rest of the method's key hyper-parameters are searched around the method's own defaults (read
// from its configJson, so a method registered later is searched the same way when it has these keys):
//   ssd, lf-ssd: α by bisection (Bisection) in [0.1, max(1, |D|/|Df|)] — above |D|/|Df| SSD selects (almost)
//     nothing — with λ held; when α is given, λ on a grid {0.1, 0.3, 1, 3} (a smaller λ dampens more);
//   any method whose configuration has lr and/or epochs (ft, ga, rl, l1-sparse, amnesiac, bad-teacher, unsir and
//     methods added later such as neggrad+, salun, scrub): lr × {0.1, 0.3, 1, 3, 10}, epochs {⌈E/2⌉, E};
//   l1-sparse also γ × {0.1, 0.3, 1, 3}; ff and iu: α × {0.01, 0.1, 1, 10, 100} (ff's reference searched
//     1e-6 … 3e-8; iu's scale is model-dependent).
// A grid larger than the budget is cut to the budget: the defaults' point first, then a seeded random draw of the
// rest. Retrain has nothing to tune (it is the gold standard); a method with none of these keys is an error.
package ai.lethe.tune;

import ai.lethe.unlearn.Unlearner;
import ai.lethe.unlearn.Unlearners;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

public final class SearchSpace {
    private SearchSpace() {}

    /** The value AutoOptions and the CLI accept for "tune this key". */
    public static final String AUTO = "auto";

    static final double SSD_ALPHA_LO = 0.1;

    /** What to try. */
    public sealed interface Plan permits Bisect, Grid {
        /** The keys searched. */
        List<String> keys();
    }

    /** Bisection of {@code key} over [lo, hi] (log scale); larger values leave the forget accuracy higher. */
    public record Bisect(String key, double lo, double hi) implements Plan {
        @Override public List<String> keys() { return List.of(key); }
    }

    /** A list of candidate option maps (each holds the searched keys only). */
    public record Grid(List<String> keys, List<Map<String, String>> candidates) implements Plan {
        public Grid {
            keys = List.copyOf(keys);
            candidates = candidates.stream().map(Map::copyOf).toList();
        }
    }

    /**
     * The plan for {@code method} with {@code given} options held fixed (values "auto" are searched, not held).
     *
     * @param retainSize |D| − |Df| of the trials, and {@code forgetSize} |Df|: SSD's α range
     */
    public static Plan plan(String method, Map<String, String> given, int retainSize, int forgetSize, int budget, long seed) {
        if (budget < 1) throw new IllegalArgumentException("tune: the budget must be >= 1 trial, got " + budget);
        if (method.equals("retrain"))
            throw new IllegalArgumentException("tune: retrain has no hyper-parameter to tune (it is the gold standard the others are measured against)");
        Map<String, String> fixed = fixed(given);
        if (method.equals("ssd") || method.equals("lf-ssd")) {
            if (!fixed.containsKey("alpha"))
                return new Bisect("alpha", SSD_ALPHA_LO, Math.max(1, Bisection.round((double) (retainSize + forgetSize) / forgetSize)));
            if (!fixed.containsKey("lambda"))
                return grid(List.of("lambda"), List.of(values(1, 0.1, 0.3, 1, 3)), List.of(text(1)), budget, seed);
            throw new IllegalArgumentException("tune: " + method + ": alpha and lambda are both given; nothing is left to tune");
        }
        Unlearner u;
        try {
            u = Unlearners.create(method, fixed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tune: " + e.getMessage(), e);
        }
        JsonNode config = parse(u.configJson());
        List<String> keys = new ArrayList<>();
        List<List<String>> lists = new ArrayList<>();
        List<String> defaults = new ArrayList<>();
        if (number(config, "lr") && !fixed.containsKey("lr")) {
            keys.add("lr");
            lists.add(values(config.get("lr").asDouble(), 0.1, 0.3, 1, 3, 10));
            defaults.add(text(config.get("lr").asDouble()));
        }
        if (config.path("epochs").isIntegralNumber() && !fixed.containsKey("epochs")) {
            int e = config.get("epochs").asInt();
            keys.add("epochs");
            lists.add(e > 1 ? List.of(Integer.toString((e + 1) / 2), Integer.toString(e)) : List.of(Integer.toString(e)));
            defaults.add(Integer.toString(e));
        }
        if (method.equals("l1-sparse") && number(config, "gamma") && !fixed.containsKey("gamma")) {
            keys.add("gamma");
            lists.add(values(config.get("gamma").asDouble(), 0.1, 0.3, 1, 3));
            defaults.add(text(config.get("gamma").asDouble()));
        }
        if (Set.of("ff", "iu").contains(method) && number(config, "alpha") && !fixed.containsKey("alpha")) {
            keys.add("alpha");
            lists.add(values(config.get("alpha").asDouble(), 0.01, 0.1, 1, 10, 100));
            defaults.add(text(config.get("alpha").asDouble()));
        }
        if (keys.isEmpty())
            throw new IllegalArgumentException("tune: " + method + " has no hyper-parameter the tuner searches (lr, epochs, gamma, alpha)"
                    + (fixed.isEmpty() ? "" : " that is not already given " + fixed.keySet()));
        return grid(keys, lists, defaults, budget, seed);
    }

    /** {@code given} without the keys asked to be tuned ("auto"). */
    public static Map<String, String> fixed(Map<String, String> given) {
        Map<String, String> m = new LinkedHashMap<>(given);
        m.values().removeIf(AUTO::equals);
        return m;
    }

    /** The cartesian product of {@code lists} (defaults first), cut to {@code budget}: the defaults' point, then a seeded draw. */
    static Grid grid(List<String> keys, List<List<String>> lists, List<String> defaultValues, int budget, long seed) {
        List<Map<String, String>> all = new ArrayList<>();
        all.add(new LinkedHashMap<>());
        for (int k = 0; k < keys.size(); k++) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> partial : all)
                for (String v : lists.get(k)) {
                    Map<String, String> m = new LinkedHashMap<>(partial);
                    m.put(keys.get(k), v);
                    next.add(m);
                }
            all = next;
        }
        Map<String, String> defaults = new LinkedHashMap<>();
        for (int k = 0; k < keys.size(); k++) defaults.put(keys.get(k), defaultValues.get(k));
        all.remove(defaults);
        List<Map<String, String>> out = new ArrayList<>();
        out.add(defaults);
        if (all.size() > budget - 1) Collections.shuffle(all, new Random(seed));
        out.addAll(all.subList(0, Math.min(all.size(), budget - 1)));
        return new Grid(keys, out);
    }

    /** {@code base} times each factor, as option text (3 significant digits, plain decimal). */
    static List<String> values(double base, double... factors) {
        List<String> v = new ArrayList<>();
        for (double f : factors) v.add(text(base * f));
        return v;
    }

    /** {@code x} rounded to 3 significant digits in plain decimal form ("0.0003", "12.5"). */
    public static String text(double x) { return BigDecimal.valueOf(x).round(new MathContext(3)).stripTrailingZeros().toPlainString(); }

    private static boolean number(JsonNode config, String key) {
        JsonNode v = config.get(key);
        return v != null && v.isNumber() && Double.isFinite(v.asDouble()) && v.asDouble() > 0;
    }

    private static JsonNode parse(String json) {
        try {
            return JsonMapper.builder().build().readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException("tune: cannot read the method's configuration " + json, e);
        }
    }
}
