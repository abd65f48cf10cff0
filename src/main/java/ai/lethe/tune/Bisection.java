// Bisection on a monotone response, in log space: the largest value x in [lo, hi] at which `lowEnough(x)` holds,
// given that it holds below some threshold and fails above it (SSD's α: a larger α selects fewer parameters, dampens
// less, and leaves the forget accuracy higher). Order of evaluation: hi (if it already holds, it is the answer: the
// least intervention), lo (if even it fails, nothing in the range does), then the geometric midpoint of the bracket,
// rounded to 3 significant digits (the values become `-o alpha=...` text), until the budget is spent or the rounded
// midpoint no longer falls strictly inside the bracket. After k midpoints the bracket is (hi/lo)^(1/2^k) wide.
package ai.lethe.tune;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoublePredicate;

public final class Bisection {
    private Bisection() {}

    /** One evaluated point. */
    public record Step(double value, boolean lowEnough) {}

    /** The steps taken, in order (at most {@code budget}). */
    public static List<Step> search(double lo, double hi, int budget, DoublePredicate lowEnough) {
        if (!(lo > 0 && hi > lo && Double.isFinite(hi)))
            throw new IllegalArgumentException("bisection: need 0 < lo < hi < infinity, got [" + lo + ", " + hi + "]");
        if (budget < 1) throw new IllegalArgumentException("bisection: the budget must be >= 1, got " + budget);
        List<Step> steps = new ArrayList<>();
        boolean top = lowEnough.test(hi);
        steps.add(new Step(hi, top));
        if (top || steps.size() >= budget) return steps;
        boolean bottom = lowEnough.test(lo);
        steps.add(new Step(lo, bottom));
        if (!bottom) return steps;
        double a = lo, b = hi;   // invariant: lowEnough(a), !lowEnough(b)
        while (steps.size() < budget) {
            double mid = round(Math.sqrt(a * b));
            if (!(mid > a && mid < b)) break;
            boolean ok = lowEnough.test(mid);
            steps.add(new Step(mid, ok));
            if (ok) a = mid;
            else b = mid;
        }
        return steps;
    }

    /** The largest value of {@code steps} that was low enough, or NaN when none was. */
    public static double answer(List<Step> steps) {
        double best = Double.NaN;
        for (Step s : steps) if (s.lowEnough() && !(s.value() <= best)) best = s.value();
        return best;
    }

    /** {@code x} to 3 significant digits. */
    public static double round(double x) { return BigDecimal.valueOf(x).round(new MathContext(3)).doubleValue(); }
}
