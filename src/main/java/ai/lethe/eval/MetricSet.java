// The unlearning metrics of one model on one split (ALGORITHMS.md "Metrics"), as fractions in [0, 1]:
// ua = 1 − Acc(Df), ra = Acc(Dr), ta = Acc(retain-test), forgetTestAccuracy (full-class / sub-class: the test
// samples of the forgotten class; random / index splits: Df itself, so it equals 1 − ua), miaEfficacy (the fraction
// of Df the SVM attack calls non-member), ssdMia (the fraction of Df SSD's logistic attack calls member), zrf;
// for a backdoored model (AttackSuccess): asr, the accuracy on the whole test set with the trigger stamped and every
// label set to the target (Unlearn-Sparse's attack_acc; its floor is about 1/C, the target class's own images), and
// asrNonTarget, the same over the test images whose true class is not the target. (The clean test accuracy, SA,
// is ta: a poisoned request's retain-test set is the whole clean test set.) NaN means "not defined": an empty part (e.g. no forget-test samples: forgetTestAccuracy; empty Df, Dr or
// retain-test: the attacks) or a metric not asked for (zrf). JSON writes NaN as null and reads null (or a missing
// key) back as NaN.
package ai.lethe.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

public record MetricSet(double ua, double ra, double ta, double forgetTestAccuracy, double miaEfficacy, double ssdMia, double zrf,
                        double asr, double asrNonTarget) {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The JSON keys, in order. */
    public static final String[] KEYS = {"ua", "ra", "ta", "forgetTestAccuracy", "miaEfficacy", "ssdMia", "zrf", "asr", "asrNonTarget"};

    /** Without ZRF and attack success. */
    public MetricSet(double ua, double ra, double ta, double forgetTestAccuracy, double miaEfficacy, double ssdMia) {
        this(ua, ra, ta, forgetTestAccuracy, miaEfficacy, ssdMia, Double.NaN);
    }

    /** Without attack success (no backdoor). */
    public MetricSet(double ua, double ra, double ta, double forgetTestAccuracy, double miaEfficacy, double ssdMia, double zrf) {
        this(ua, ra, ta, forgetTestAccuracy, miaEfficacy, ssdMia, zrf, Double.NaN, Double.NaN);
    }

    /** These metrics with the attack success rates {@code asr} and {@code asrNonTarget}. */
    public MetricSet withAttackSuccess(double asr, double asrNonTarget) {
        return new MetricSet(ua, ra, ta, forgetTestAccuracy, miaEfficacy, ssdMia, zrf, asr, asrNonTarget);
    }

    /** Whether the attack success rate was measured (the model was trained on poisoned data). */
    public boolean hasAttackSuccess() { return Double.isFinite(asr); }

    /** The values in {@link #KEYS} order. */
    public double[] values() { return new double[] {ua, ra, ta, forgetTestAccuracy, miaEfficacy, ssdMia, zrf, asr, asrNonTarget}; }

    /** The value of a key of {@link #KEYS}. */
    public double get(String key) {
        for (int i = 0; i < KEYS.length; i++) if (KEYS[i].equals(key)) return values()[i];
        throw new IllegalArgumentException("MetricSet.get: unknown metric '" + key + "'");
    }

    public ObjectNode toJsonNode() {
        ObjectNode o = JSON.createObjectNode();
        double[] v = values();
        for (int i = 0; i < KEYS.length; i++) {
            if (Double.isFinite(v[i])) o.put(KEYS[i], v[i]);
            else o.putNull(KEYS[i]);
        }
        return o;
    }

    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJsonNode());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static MetricSet fromJsonNode(JsonNode o) {
        if (o == null || !o.isObject()) throw new IllegalArgumentException("MetricSet.fromJson: not a JSON object");
        double[] v = new double[KEYS.length];
        for (int i = 0; i < KEYS.length; i++) {
            JsonNode n = o.get(KEYS[i]);
            if (n == null || n.isNull()) v[i] = Double.NaN;
            else if (n.isNumber()) v[i] = n.asDouble();
            else throw new IllegalArgumentException("MetricSet.fromJson: \"" + KEYS[i] + "\" is not a number: " + n);
        }
        return new MetricSet(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }

    public static MetricSet fromJson(String json) {
        try {
            return fromJsonNode(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("MetricSet.fromJson: not valid JSON: " + e.getOriginalMessage());
        }
    }
}
