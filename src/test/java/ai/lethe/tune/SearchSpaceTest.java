// What the tuner searches per method: SSD's α by bisection up to |D|/|Df| (λ on a grid when α is given), lr × epochs
// around a training method's own defaults with the defaults' point first and the budget respected, given keys
// held, retrain and fully-given methods refused.
package ai.lethe.tune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {
    @Test void ssdBisectsAlphaUpToTheSelectionLimit() {
        var p = (SearchSpace.Bisect) SearchSpace.plan("ssd", Map.of(), 4500, 500, 8, 0);
        assertEquals(new SearchSpace.Bisect("alpha", 0.1, 10), p);
        assertEquals("alpha", ((SearchSpace.Bisect) SearchSpace.plan("lf-ssd", Map.of("alpha", "auto", "lambda", "1"), 900, 100, 8, 0)).key());
        var lambda = (SearchSpace.Grid) SearchSpace.plan("ssd", Map.of("alpha", "5"), 900, 100, 8, 0);
        assertEquals(List.of("lambda"), lambda.keys());
        assertEquals(Map.of("lambda", "1"), lambda.candidates().getFirst());
        assertThrows(IllegalArgumentException.class, () -> SearchSpace.plan("ssd", Map.of("alpha", "5", "lambda", "1"), 900, 100, 8, 0));
    }

    @Test void trainingMethodsSearchLrAndEpochsAroundTheirDefaults() {
        var g = (SearchSpace.Grid) SearchSpace.plan("ft", Map.of(), 900, 100, 20, 0);
        assertEquals(List.of("lr", "epochs"), g.keys());
        assertEquals(Map.of("lr", "0.01", "epochs", "10"), g.candidates().getFirst(), "FT's defaults (lr 0.01, 10 epochs) first");
        assertEquals(10, g.candidates().size(), "5 learning rates x 2 epoch counts");
        assertEquals(10, new HashSet<>(g.candidates()).size());
        var cut = (SearchSpace.Grid) SearchSpace.plan("ft", Map.of(), 900, 100, 4, 7);
        assertEquals(4, cut.candidates().size());
        assertEquals(Map.of("lr", "0.01", "epochs", "10"), cut.candidates().getFirst());
        var held = (SearchSpace.Grid) SearchSpace.plan("ga", Map.of("epochs", "1"), 900, 100, 8, 0);
        assertEquals(List.of("lr"), held.keys(), "a given key is held");
        assertEquals(List.of("0.00001", "0.00003", "0.0001", "0.0003", "0.001"), held.candidates().stream().map(c -> c.get("lr")).sorted().toList());
        var l1 = (SearchSpace.Grid) SearchSpace.plan("l1-sparse", Map.of("epochs", "2", "lr", "0.01"), 900, 100, 8, 0);
        assertEquals(List.of("gamma"), l1.keys());
        assertEquals(List.of("alpha"), ((SearchSpace.Grid) SearchSpace.plan("ff", Map.of(), 900, 100, 8, 0)).keys());
    }

    @Test void nothingToTuneIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> SearchSpace.plan("retrain", Map.of(), 900, 100, 8, 0));
        assertTrue(e.getMessage().contains("retrain"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SearchSpace.plan("ga", Map.of("epochs", "1", "lr", "0.001"), 900, 100, 8, 0));
        assertThrows(IllegalArgumentException.class, () -> SearchSpace.plan("ft", Map.of(), 900, 100, 0, 0));
        var auto = assertThrows(IllegalArgumentException.class, () -> AutoOptions.hasAuto("ft", Map.of("lr", "auto")));
        assertTrue(auto.getMessage().contains("lethe tune"), auto.getMessage());
        assertTrue(AutoOptions.hasAuto("ssd", Map.of("alpha", "auto")));
        assertFalse(AutoOptions.hasAuto("ssd", Map.of("alpha", "3")));
    }

    @Test void valuesAreWrittenAsPlainDecimals() {
        assertEquals("0.0003", SearchSpace.text(3e-4));
        assertEquals("3.16", SearchSpace.text(Math.sqrt(10)));
        assertEquals("10", SearchSpace.text(10.0));
    }
}
