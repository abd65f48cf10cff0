// The objective's selection on fixed trial tables: class forgetting picks the least retain loss among trials at or
// under the target, else the lowest forget accuracy; random forgetting the least retain loss within the tolerance
// of the test accuracy, else the smallest gap; a NaN (diverged) trial never wins.
package ai.lethe.tune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectiveTest {
    static TrialMetrics t(double forget, double loss, double test) { return new TrialMetrics(forget, loss, 0.9, test); }

    @Test void classForgettingTakesTheLeastRetainLossUnderTheTarget() {
        Objective o = Objective.ClassForgetting.chance(10);
        assertEquals(0.1, ((Objective.ClassForgetting) o).target());
        List<TrialMetrics> table = List.of(t(0.80, 0.10, 0.9), t(0.09, 0.50, 0.9), t(0.10, 0.30, 0.9), t(0.00, 0.90, 0.9),
                t(0.05, Double.NaN, 0.9));
        assertEquals(2, o.select(table), "0.10 <= target with loss 0.30 beats 0.09 with 0.50; the unconstrained 0.80 is out");
        assertFalse(o.meets(table.get(4)), "a NaN loss never meets");
    }

    @Test void classForgettingWithoutAFeasibleTrialTakesTheLowestForgetAccuracy() {
        Objective o = new Objective.ClassForgetting(0.05);
        List<TrialMetrics> table = List.of(t(0.60, 0.1, 0.9), t(0.20, 0.8, 0.9), t(0.20, 0.4, 0.9), t(Double.NaN, Double.NaN, Double.NaN));
        assertEquals(2, o.select(table), "lowest forget accuracy, ties by the least loss");
        assertEquals(-1, o.select(List.of()));
    }

    @Test void randomForgettingMatchesTheTestAccuracyThenTheLeastLoss() {
        Objective o = new Objective.RandomForgetting(0.02);
        List<TrialMetrics> table = List.of(t(0.99, 0.05, 0.85), t(0.86, 0.30, 0.85), t(0.84, 0.20, 0.85), t(0.70, 0.10, 0.85));
        assertEquals(2, o.select(table));
        assertTrue(o.forgetLowEnough(table.get(3)) && !o.forgetLowEnough(table.get(0)));
        List<TrialMetrics> none = List.of(t(0.99, 0.05, 0.85), t(0.95, 0.30, 0.85), t(0.60, 0.01, 0.85));
        assertEquals(1, o.select(none), "the smallest gap (0.10) when none is within the tolerance");
    }

    @Test void badTargetsAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> new Objective.ClassForgetting(1.5));
        assertThrows(IllegalArgumentException.class, () -> new Objective.RandomForgetting(-0.1));
    }
}
