// The sparsity after each round of iterative magnitude pruning: every round prunes `rate` (20%) of the entries
// that remain, so round r reaches 1 − (1 − rate)^r, and the last round prunes exactly to the target instead of
// past it (0.95 at rate 0.2: 0.2, 0.36, 0.488, ..., 0.9450, 0.95 — 14 rounds). A target of 0 is one round at 0.
package ai.lethe.prune;

import java.util.ArrayList;
import java.util.List;

public final class ImpSchedule {
    /** Unlearn-Sparse's and the lottery-ticket papers' per-round rate. */
    public static final double DEFAULT_RATE = 0.2;

    private ImpSchedule() {}

    /** The target sparsity of each round, increasing, ending at {@code sparsity}. */
    public static List<Double> sparsities(double sparsity, double rate) {
        GlobalPruning.checkSparsity("ImpSchedule", sparsity);
        if (!(rate > 0 && rate < 1)) throw new IllegalArgumentException("ImpSchedule: rate must be in (0, 1), got " + rate);
        List<Double> out = new ArrayList<>();
        double kept = 1;
        while (true) {
            kept *= 1 - rate;
            double s = 1 - kept;
            // within rounding of the target (e.g. 1 − 0.8² = 0.36000000000000004 for a target of 0.36): the last round
            if (s >= sparsity - 1e-12) {
                out.add(sparsity);
                return List.copyOf(out);
            }
            out.add(s);
        }
    }
}
