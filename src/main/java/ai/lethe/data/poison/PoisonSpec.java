// A data-poisoning (backdoor) request, as `lethe train --poison` and the `poison:` key of experiment configs take it:
//   badnets[:ratio=0.1,target=0,size=4,seed=S,value=0]
// ratio: the share of the training set stamped with the trigger and relabelled (in (0, 1); the sparsity paper's
// Trojan study uses 10%); target: the class they are relabelled to (Unlearn-Sparse's --class_to_replace, default
// 0); size: the trigger's side in pixels (its --trigger_size, default 4); seed: the seed of the draw (absent: the
// command's seed); value: the square's pixel value in [0, 1] (0, black, as the reference; see Trigger). Checks
// that need no dataset happen in parse; the target against the classes and the trigger against the image size
// in check. Errors are IllegalArgumentExceptions naming the spec and the key.
package ai.lethe.data.poison;

import ai.lethe.data.Dataset;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

public record PoisonSpec(String attack, double ratio, int target, int size, float value, OptionalLong seed) {
    public static final String BADNETS = "badnets";
    public static final String FORM = "badnets[:ratio=R,target=K,size=N,seed=S,value=V]";

    public PoisonSpec {
        if (!BADNETS.equals(attack)) throw new IllegalArgumentException("poison '" + attack + "': unknown attack; known: " + BADNETS);
        if (!(ratio > 0 && ratio < 1)) throw bad(attack, "ratio " + ratio + " is outside (0, 1)");
        if (target < 0) throw bad(attack, "target " + target + " must be a class index >= 0");
        if (size < 1) throw bad(attack, "size " + size + " must be >= 1");
        if (!(value >= 0 && value <= 1)) throw bad(attack, "value " + value + " is outside [0, 1] (pixel space)");
        seed = seed == null ? OptionalLong.empty() : seed;
    }

    /** The reference's BadNets setting with this ratio, target and size (black square, seed from the command). */
    public static PoisonSpec badnets(double ratio, int target, int size) {
        return new PoisonSpec(BADNETS, ratio, target, size, 0f, OptionalLong.empty());
    }

    /** Parses the command-line form (see the header). */
    public static PoisonSpec parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty poison spec; expected " + FORM);
        String s = text.strip();
        int colon = s.indexOf(':');
        String attack = (colon < 0 ? s : s.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
        if (!attack.equals(BADNETS)) throw new IllegalArgumentException("poison '" + s + "': unknown attack '" + attack + "'; expected " + FORM);
        Map<String, String> kv = new LinkedHashMap<>();
        if (colon >= 0) {
            String rest = s.substring(colon + 1).strip();
            if (rest.isEmpty()) throw bad(s, "nothing after ':'; expected " + FORM);
            for (String part : rest.split(",", -1)) {
                int eq = part.indexOf('=');
                if (eq < 0) throw bad(s, "'" + part.strip() + "' is not key=value");
                String key = part.substring(0, eq).strip().toLowerCase(Locale.ROOT), value = part.substring(eq + 1).strip();
                if (!java.util.Set.of("ratio", "target", "size", "seed", "value").contains(key))
                    throw bad(s, "unknown key '" + key + "'; known: ratio, target, size, seed, value");
                if (value.isEmpty()) throw bad(s, "no value for '" + key + "'");
                if (kv.put(key, value) != null) throw bad(s, "'" + key + "' is given twice");
            }
        }
        double ratio = kv.containsKey("ratio") ? number(s, "ratio", kv.get("ratio")) : 0.1;
        int target = kv.containsKey("target") ? (int) whole(s, "target", kv.get("target"), Integer.MAX_VALUE) : 0;
        int size = kv.containsKey("size") ? (int) whole(s, "size", kv.get("size"), Integer.MAX_VALUE) : 4;
        float value = kv.containsKey("value") ? (float) number(s, "value", kv.get("value")) : 0f;
        OptionalLong seed = kv.containsKey("seed") ? OptionalLong.of(whole(s, "seed", kv.get("seed"), Long.MAX_VALUE)) : OptionalLong.empty();
        try {
            return new PoisonSpec(BADNETS, ratio, target, size, value, seed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replaceFirst("^poison 'badnets'", "poison '" + s + "'"), e);
        }
    }

    /** The seed of the draw: the spec's, else {@code fallback}. */
    public long seedOr(long fallback) { return seed.orElse(fallback); }

    /** The trigger this spec stamps. */
    public Trigger trigger() { return new Trigger(size, value, Trigger.REFERENCE_MARGIN); }

    /** Checks the target against {@code data}'s classes and the trigger against its image size. */
    public void check(Dataset data) {
        if (target >= data.numClasses())
            throw bad(spec(), "target " + target + " is not a class of " + data.name() + ", which has " + data.numClasses()
                    + " classes (0.." + (data.numClasses() - 1) + ")");
        if (!trigger().fits(data.shape()))
            throw bad(spec(), "size " + size + " is too big for " + data.name() + "'s " + data.shape().height() + "x" + data.shape().width()
                    + " images (the square ends " + Trigger.REFERENCE_MARGIN + " pixels from the edges: size <= "
                    + (Math.min(data.shape().height(), data.shape().width()) - Trigger.REFERENCE_MARGIN) + ")");
    }

    /** The command-line form, every key written out (with the seed only when the spec has one). */
    public String spec() {
        return String.format(Locale.ROOT, "%s:ratio=%s,target=%d,size=%d%s,value=%s", attack, plain(Double.toString(ratio)), target, size,
                seed.isPresent() ? ",seed=" + seed.getAsLong() : "", plain(Float.toString(value)));
    }

    /** This spec with the seed fixed (what a run records). */
    public PoisonSpec withSeed(long s) { return new PoisonSpec(attack, ratio, target, size, value, OptionalLong.of(s)); }

    private static String plain(String v) {
        return new java.math.BigDecimal(v).stripTrailingZeros().toPlainString();
    }

    private static IllegalArgumentException bad(String spec, String problem) {
        return new IllegalArgumentException("poison '" + spec + "': " + problem);
    }

    private static double number(String spec, String key, String v) {
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) throw bad(spec, key + " must be a finite number, got '" + v + "'");
            return d;
        } catch (NumberFormatException e) {
            throw bad(spec, key + " must be a number, got '" + v + "'");
        }
    }

    private static long whole(String spec, String key, String v, long max) {
        if (!v.matches("[+-]?\\d+")) throw bad(spec, key + " must be a whole number, got '" + v + "'");
        try {
            long x = Long.parseLong(v);
            if (x < 0) throw bad(spec, key + " must be >= 0, got " + x);
            if (x > max) throw bad(spec, key + " " + v + " is too large");
            return x;
        } catch (NumberFormatException e) {
            throw bad(spec, key + " " + v + " is too large");
        }
    }
}
