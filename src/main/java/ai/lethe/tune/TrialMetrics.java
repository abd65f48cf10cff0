// What one trial measured on the validation splits (ValidationSplits), as fractions and a mean loss:
// forgetAccuracy — class forgetting: accuracy on the forgotten class's test samples (forget-validation);
//                  random forgetting: accuracy on the trial's proxy forget set drawn from Dr;
// retainLoss / retainAccuracy — mean cross-entropy and accuracy on the retain-validation samples held out of Dr;
// testAccuracy — accuracy on the test samples of the other classes (class) or the whole test set (random).
package ai.lethe.tune;

import java.util.LinkedHashMap;
import java.util.Map;

public record TrialMetrics(double forgetAccuracy, double retainLoss, double retainAccuracy, double testAccuracy) {
    /** As a JSON-ready map (NaN stays NaN: the writer turns it into null). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("forgetAccuracy", forgetAccuracy);
        m.put("retainLoss", retainLoss);
        m.put("retainAccuracy", retainAccuracy);
        m.put("testAccuracy", testAccuracy);
        return m;
    }
}
