// Bisection on a synthetic monotone response: the exact sequence of points (hi, lo, then rounded geometric
// midpoints), the answer is the largest point tried below the threshold, and the bracket narrows as (hi/lo)^(1/2^k).
package ai.lethe.tune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BisectionTest {
    @Test void findsTheThresholdOfAMonotoneResponseExactly() {
        double threshold = 7.3;   // low enough (forget accuracy under the target) for α <= 7.3
        List<Double> seen = new ArrayList<>();
        List<Bisection.Step> steps = Bisection.search(0.1, 100, 8, x -> {
            seen.add(x);
            return x <= threshold;
        });
        // the expected sequence, computed independently: hi, lo, then sqrt(a*b) to 3 significant digits
        List<Double> want = new ArrayList<>(List.of(100.0, 0.1));
        double a = 0.1, b = 100;
        for (int k = 0; k < 6; k++) {
            double mid = Double.parseDouble(String.format(java.util.Locale.ROOT, "%.3g", Math.sqrt(a * b)));
            want.add(mid);
            if (mid <= threshold) a = mid;
            else b = mid;
        }
        assertEquals(want, seen);
        assertEquals(8, steps.size());
        for (Bisection.Step s : steps) assertEquals(s.value() <= threshold, s.lowEnough());
        double answer = Bisection.answer(steps);
        assertEquals(a, answer);
        assertTrue(answer <= threshold && b > threshold, "bracket [" + a + ", " + b + "] holds the threshold");
        assertTrue(b / a < Math.pow(1000, 1.0 / 64) * 1.01, "after 6 midpoints the bracket is about (hi/lo)^(1/64) wide: " + b / a);
    }

    @Test void stopsEarlyWhenTheTopAlreadyHoldsOrTheBottomFails() {
        List<Bisection.Step> top = Bisection.search(0.1, 10, 8, x -> true);
        assertEquals(List.of(new Bisection.Step(10, true)), top);
        assertEquals(10, Bisection.answer(top));
        List<Bisection.Step> none = Bisection.search(0.1, 10, 8, x -> false);
        assertEquals(List.of(new Bisection.Step(10, false), new Bisection.Step(0.1, false)), none);
        assertTrue(Double.isNaN(Bisection.answer(none)));
        assertEquals(1, Bisection.search(0.1, 10, 1, x -> false).size(), "the budget bounds the evaluations");
    }

    @Test void badRangesAndBudgetsAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> Bisection.search(0, 10, 4, x -> true));
        assertThrows(IllegalArgumentException.class, () -> Bisection.search(5, 1, 4, x -> true));
        assertThrows(IllegalArgumentException.class, () -> Bisection.search(0.1, 10, 0, x -> true));
    }
}
