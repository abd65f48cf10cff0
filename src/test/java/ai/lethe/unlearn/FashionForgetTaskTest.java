// The shared task itself: the original model learned the forgotten class (so forgetting is measurable) and the
// others; the split is full-class.
package ai.lethe.unlearn;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class FashionForgetTaskTest {
    @Test void theOriginalKnowsTheForgetClassAndTheOthers() {
        FashionForgetTask task = FashionForgetTask.get();
        assertEquals(500, task.sets.forget().size());
        assertEquals(4500, task.sets.retain().size());
        assertEquals(200, task.sets.forgetTest().size());
        assertEquals(1800, task.sets.retainTest().size());
        try (var model = task.original()) {
            double forget = task.forgetTestAccuracy(model), retain = task.retainTestAccuracy(model);
            System.out.printf("original: forget-test %.3f retain-test %.3f%n", forget, retain);
            assertTrue(forget >= 0.6, "forget-test accuracy " + forget);
            assertTrue(retain >= 0.7, "retain-test accuracy " + retain);
        }
    }
}
