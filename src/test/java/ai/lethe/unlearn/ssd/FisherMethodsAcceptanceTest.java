// The Fisher/Hessian methods on the shared Fashion-MNIST task (forget class 3; original: forget-test 0.80,
// retain-test 0.77). Every test prints its measured accuracies.
//
// SSD at its published defaults (batch-mean, α = 10, λ = 1) CANNOT forget here, and the test says so instead of
// pretending: Df is 10% of D, so with the per-sample Fisher I_D ≥ (|Df|/|D|)·I_f = I_f/10 holds for every element
// and "I_f > 10·I_D" never selects; with the batch-mean Fisher the same holds up to batch-boundary effects
// (measured: 7 of 701,178 elements selected, accuracies unchanged). The paper's α = 10 was tuned for forget sets
// of 1-5% of D (CIFAR-20/100). The test asserts that the default leaves the model intact (retain within 1 point)
// and that a lower threshold is what forgetting needs (α = 5 selects 23% of the elements: forget 0.00 — and
// collapses the retain accuracy to 0.23, so no bound on it is claimed for α = 5).
package ai.lethe.unlearn.ssd;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.fisher.FisherMap;
import ai.lethe.models.ImageModel;
import ai.lethe.unlearn.FashionForgetTask;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.UnlearnResult;
import ai.lethe.unlearn.Unlearners;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FisherMethodsAcceptanceTest {
    static final double ORIGINAL_RETAIN = 0.768;

    @BeforeAll static void register() { FisherMethods.registerAll(); }

    record Measured(double forget, double retain, UnlearnResult result) {}

    static Measured run(String method, Map<String, String> options, UnlearnContext context) {
        FashionForgetTask task = FashionForgetTask.get();
        try (ImageModel model = task.original()) {
            UnlearnResult r = Unlearners.create(method, options).run(model, context);
            Measured m = new Measured(task.forgetTestAccuracy(model), task.retainTestAccuracy(model), r);
            System.out.printf("%s %s: forget-test %.3f retain-test %.3f (%.1f s) %s%n", method, options, m.forget, m.retain,
                    r.seconds(), r.log());
            return m;
        }
    }

    @Test void ssdWithACachedFullFisherAndNoRetainSetKeepsTheModelAtItsDefaults() {
        FashionForgetTask task = FashionForgetTask.get();
        UnlearnContext full = task.context(0);
        try (ImageModel original = task.original(); FisherMap cached = Ssd.computeFullFisher(original, full)) {
            UnlearnContext noRetain = new UnlearnContext(full.forget(), null, full.numClasses(), full.split(), full.transform(),
                    full.device(), 0, full.workers(), Optional.of(cached), null, List.of());
            Measured m = run("ssd", Map.of(), noRetain);
            assertTrue(m.result.log().getFirst().startsWith("I_D: cached"));
            assertEquals(ORIGINAL_RETAIN, m.retain, 0.01, "α = 10 selects (almost) nothing when Df is 10% of D");
            assertTrue(m.forget >= 0.70, "α = 10 does not forget here (see the header): " + m.forget);
            UnlearnContext neither = new UnlearnContext(full.forget(), null, full.numClasses(), null, full.transform(),
                    full.device(), 0, 0, Optional.empty(), null, List.of());
            assertThrows(IllegalArgumentException.class, () -> run("ssd", Map.of(), neither));
        }
    }

    // Fisher Forgetting with the reference's full-class behaviour (zero-class-row) at α = 1e-6 (the SSD reference's
    // value; the top of ALGORITHMS.md's range), the TRUE Fisher estimated on 200 retain samples to keep the test
    // short (it costs one backward pass per class). Measured under load: forget 0.14, retain 0.754 (with 500
    // samples). Without zero-class-row, α = 1e-6 barely changes the model (forget 0.75): the noise at this α is
    // small, and the forgetting of the full-class variant comes from the zeroed output row.
    @Test void fisherForgettingForgetsTheClassAndKeepsTheRest() {
        Measured m = run("ff", Map.of("zero-class-row", "true", "fisher-samples", "200"), FashionForgetTask.get().context(0));
        assertTrue(m.forget <= 0.20, "forget-test accuracy " + m.forget);
        assertTrue(m.retain >= ORIGINAL_RETAIN - 0.10, "retain-test accuracy " + m.retain);
    }

    // Influence Unlearning (WoodFisher on m = 64 retain samples, damping 1 as the reference's H₀ = I) with step
    // α = 0.3: measured forget 0.055, retain 0.753. The full Newton step α = 1 overshoots (measured forget 0.00,
    // retain 0.40) and α = 10 destroys the model (retain 0.11); the step's scale depends on the gradients'.
    @Test void influenceUnlearningForgetsTheClassAndKeepsTheRest() {
        Measured m = run("iu", Map.of("m", "64", "alpha", "0.3"), FashionForgetTask.get().context(0));
        assertTrue(m.forget <= 0.20, "forget-test accuracy " + m.forget);
        assertTrue(m.retain >= ORIGINAL_RETAIN - 0.10, "retain-test accuracy " + m.retain);
    }

    // LF-SSD at SSD's defaults has the same structural limit as SSD here (Df is 10% of D, so the |g| importance of
    // D is at least about a tenth of Df's): the stated bound is that it leaves the model intact (measured: forget
    // 0.800, retain 0.768), not that it forgets.
    @Test void lossFreeSsdAtTheDefaultsLeavesTheModelIntact() {
        Measured m = run("lf-ssd", Map.of(), FashionForgetTask.get().context(0));
        assertEquals(ORIGINAL_RETAIN, m.retain, 0.01);
        assertTrue(m.forget >= 0.70, "forget-test accuracy " + m.forget);
    }
}
