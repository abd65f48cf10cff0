// One tried configuration: its number, the searched options (key → value as `lethe unlearn -o` takes them), the
// metrics on the validation splits, whether it met the objective's constraint, and the seconds of the unlearning
// call plus its evaluation.
package ai.lethe.tune;

import java.util.Map;

public record Trial(int index, Map<String, String> options, TrialMetrics metrics, boolean meets, double seconds) {
    public Trial {
        options = Map.copyOf(options);
    }
}
