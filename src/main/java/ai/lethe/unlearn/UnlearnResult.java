// What an unlearning run reports: the method, its configuration (as JSON), the seed, the wall-clock seconds of
// the unlearning itself (excluding evaluation: the papers' RTE), and a short log of what it did.
package ai.lethe.unlearn;

import java.util.List;

public record UnlearnResult(String method, String configJson, long seed, double seconds, List<String> log) {
    public UnlearnResult {
        log = List.copyOf(log);
    }
}
