// The Fisher/Hessian methods on the shared Fashion-MNIST task (forget class 3; original: forget-test 0.80,
// retain-test 0.77). Every test prints its measured accuracies.
//
// SSD's threshold has a structural limit on a task whose forget set is a large share of D: with the per-sample
// Fisher, I_D = (|Df|·I_f + |Dr|·I_r)/|D| >= I_f·|Df|/|D| everywhere, so "I_f > α·I_D" can only hold when
// α < |D|/|Df| (= 10 here: one class of ten), and the published α = 10 (tuned on CIFAR-100/20, where a class is
// 1-5% of D) selects (almost) nothing — measured: 7 of 701,178 elements with the batch-mean Fisher, accuracies
// unchanged; Ssd logs a warning. The tests assert both: the defaults leave the model intact, and α = 0.8·|D|/|Df|
// = 8 (batch-mean) or 7 (per-sample, whose selection is stricter: I_f > α·I_D ⇔ I_f > 36·I_r at α = 8) forgets
// the class with the retain accuracy within 10 points (measured: batch-mean α 8 → forget 0.030, retain 0.773;
// per-sample α 7 → forget 0.065, retain 0.772; per-sample α 8 → 0.285, α 9 → 0.715).
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

    @Test void ssdBelowTheStructuralThresholdForgetsTheClassAndKeepsTheRest() {
        FashionForgetTask task = FashionForgetTask.get();
        Measured batchMean = run("ssd", Map.of("alpha", "8"), task.context(0));
        assertTrue(batchMean.forget <= 0.20, "batch-mean, alpha 8: forget-test accuracy " + batchMean.forget);
        assertTrue(batchMean.retain >= ORIGINAL_RETAIN - 0.10, "batch-mean, alpha 8: retain-test accuracy " + batchMean.retain);
        Measured perSample = run("ssd", Map.of("alpha", "7", "fisher", "per-sample"), task.context(0));
        assertTrue(perSample.forget <= 0.20, "per-sample, alpha 7: forget-test accuracy " + perSample.forget);
        assertTrue(perSample.retain >= ORIGINAL_RETAIN - 0.10, "per-sample, alpha 7: retain-test accuracy " + perSample.retain);
        Measured defaults = run("ssd", Map.of(), task.context(0));
        assertTrue(defaults.result.log().stream().anyMatch(l -> l.startsWith("warning: alpha 10.0 >= |D|/|Df| = 10.0")),
                defaults.result.log().toString());
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
