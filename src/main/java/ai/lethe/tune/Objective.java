// What the tuner optimises (issue 16, item 4), on the validation splits only:
//   class forgetting: forget-validation accuracy (the forgotten class's test samples) at most a target — by default
//     chance, 1/C — and, among the trials that reach it, the least retain-validation loss; when none reaches it, the
//     lowest forget accuracy (ties: the least retain loss);
//   random forgetting: forget accuracy (on a proxy forget set drawn from Dr) as close as possible to the test
//     accuracy — within `tolerance` counts as reached — and among those the least retain loss; when none is within
//     it, the smallest gap (ties: the least retain loss).
// Ties left after that go to the earlier trial. A NaN metric (a diverged model) never reaches the constraint and
// ranks last. forgetLowEnough is the monotone side the SSD α bisection searches for: forget accuracy at most the
// target (class) or at most the test accuracy plus the tolerance (random).
package ai.lethe.tune;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;

public sealed interface Objective permits Objective.ClassForgetting, Objective.RandomForgetting {
    /** Whether the trial reaches the objective's constraint. */
    boolean meets(TrialMetrics m);

    /** Whether the forget accuracy is low enough (the predicate a bisection on a monotone response searches). */
    boolean forgetLowEnough(TrialMetrics m);

    /** How a trial that misses the constraint is ranked (lower is better). */
    double miss(TrialMetrics m);

    /** One line saying what is optimised. */
    String describe();

    /** The index of the best of {@code trials} by this objective, or -1 when the list is empty. */
    default int select(List<TrialMetrics> trials) {
        Comparator<Integer> byLoss = Comparator.comparingDouble(i -> orInf(trials.get(i).retainLoss()));
        Comparator<Integer> order;
        boolean anyMeets = trials.stream().anyMatch(this::meets);
        if (anyMeets) order = byLoss;
        else order = Comparator.<Integer>comparingDouble(i -> orInf(miss(trials.get(i)))).thenComparing(byLoss);
        int best = -1;
        for (int i = 0; i < trials.size(); i++) {
            if (anyMeets && !meets(trials.get(i))) continue;
            if (best < 0 || order.compare(i, best) < 0) best = i;
        }
        return best;
    }

    private static double orInf(double v) { return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v; }

    /** Class forgetting with forget-validation accuracy at most {@code target}. */
    record ClassForgetting(double target) implements Objective {
        public ClassForgetting {
            if (!(target >= 0 && target <= 1)) throw new IllegalArgumentException("tune: the forget-accuracy target must be in [0, 1], got " + target);
        }

        /** The default target: chance, 1/C. */
        public static ClassForgetting chance(int classes) { return new ClassForgetting(1.0 / classes); }

        @Override public boolean meets(TrialMetrics m) { return m.forgetAccuracy() <= target && !Double.isNaN(m.retainLoss()); }

        @Override public boolean forgetLowEnough(TrialMetrics m) { return m.forgetAccuracy() <= target; }

        @Override public double miss(TrialMetrics m) { return m.forgetAccuracy(); }

        @Override public String describe() {
            return String.format(Locale.ROOT, "class forgetting: forget-validation accuracy <= %.4f, then the least retain-validation loss", target);
        }
    }

    /** Random forgetting: |forget accuracy − test accuracy| at most {@code tolerance} counts as reached. */
    record RandomForgetting(double tolerance) implements Objective {
        public static final double DEFAULT_TOLERANCE = 0.02;

        public RandomForgetting {
            if (!(tolerance >= 0 && tolerance <= 1)) throw new IllegalArgumentException("tune: the tolerance must be in [0, 1], got " + tolerance);
        }

        private static double gap(TrialMetrics m) { return Math.abs(m.forgetAccuracy() - m.testAccuracy()); }

        @Override public boolean meets(TrialMetrics m) { return gap(m) <= tolerance && !Double.isNaN(m.retainLoss()); }

        @Override public boolean forgetLowEnough(TrialMetrics m) { return m.forgetAccuracy() <= m.testAccuracy() + tolerance; }

        @Override public double miss(TrialMetrics m) { return gap(m); }

        @Override public String describe() {
            return String.format(Locale.ROOT, "random forgetting: |forget accuracy - test accuracy| <= %.4f, then the least retain-validation loss", tolerance);
        }
    }
}
