// The Fisher/Hessian methods on the shared Fashion-MNIST task (forget class 3). Every method is run on a copy of
// the original and must pass MethodAcceptance: it changed the model, the forget-test accuracy falls (at least 5
// points below the original's, and to the test's bound), the retain-test accuracy is kept, the original is
// bit-identical afterwards. Every bound is relative to the original model's accuracies measured in the same run
// (FashionForgetTask.originalAccuracy), and every test prints what it measured. A no-op registered as "ssd"
// (Fisher-based) and as "iu" (influence) fails the same checks, sweep included.
//
// Why sweeps: how strongly SSD and IU act at a given α depends on the model, and models trained through different
// BLAS kernels (different summation orders, so different weights after 3 epochs) differ a lot there although their
// accuracies agree within a few points. Measured on the three originals of one AMD EPYC (AVX-512) machine, forcing
// the OpenBLAS kernel (LETHE_BLAS_KERNEL) — forget-test / retain-test of the original, then per method:
//   kernel        original     SSD batch-mean α 8 / 6 / 4       SSD per-sample α 8 / 6 / 2     IU (m 256) α 0.3 / 1
//   SKYLAKEX      0.855/0.774  0.00/0.78  0.00/0.73  0.00/0.38  0.82/0.77 0.18/0.78 0.00/0.76  0.54/0.78 0.00/0.77
//   HASWELL       0.820/0.780  0.00/0.77  0.00/0.27  0.00/0.11  0.17/0.78 0.04/0.79 0.00/0.42  0.17/0.74 0.00/0.46
//   SANDYBRIDGE   0.880/0.775  0.89/0.78  0.55/0.79  0.00/0.70  0.89/0.77 0.89/0.77 0.73/0.79  0.82/0.78 0.58/0.79
// So each test sweeps α the way a user tunes it — the weakest setting first — and stops at the first that erases
// the class (forget-test ≤ a quarter of the original's); the bounds then hold at that setting on every model.
// Re-measured on 2026-12-03 at the code of the float-blocked cpu batch-norm sums (another summation order again), one
// AMD EPYC, the whole acceptance suite (this test, TrainingMethods-, Baselines- and AutoAlphaAcceptanceTest) passing
// under both kernel choices — forget-test / retain-test, at the setting each sweep stopped at:
//   kernels                          original     SSD batch-mean  SSD per-sample  LF-SSD α 6  IU          FF
//   SKYLAKEX BLAS, AVX-512 conv      0.875/0.766  α 7 0.03/0.77   α 4 0.63/0.77   0.48/0.78   α 0.6 0.75/0.77  0.02/0.72
//   HASWELL BLAS, AVX2 conv          0.870/0.796  α 8 0.06/0.80   α 7 0.13/0.80   0.53/0.80   α 0.3 0.36/0.79  0.01/0.76
// (LETHE_BLAS_KERNEL=HASWELL LETHE_CONV_KERNEL=avx2 for the second; the fixture's cache key names the BLAS kernel and
// hashes the convolution setting, so each run trained its own original.)
//
// SSD's threshold has a structural limit on a task whose forget set is a large share of D: with the per-sample
// Fisher, I_D = (|Df|·I_f + |Dr|·I_r)/|D| >= I_f·|Df|/|D| everywhere, so "I_f > α·I_D" can only hold when
// α < |D|/|Df| (= 10 here: one class of ten), and the published α = 10 (tuned on CIFAR-100/20, where a class is
// 1-5% of D) selects (almost) nothing — measured: 2 of 701,178 elements with the batch-mean Fisher, accuracies
// unchanged; Ssd logs a warning. The per-sample Fisher's selection is stricter still (no batch averaging of the
// forget class's aligned gradients): on the SANDYBRIDGE-trained original no α down to 2 erases the class, so its
// test asserts the direction (forget-test at least 10 points lower, retain kept), not erasure.
package ai.lethe.unlearn.ssd;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.fisher.FisherMap;
import ai.lethe.models.ImageModel;
import ai.lethe.unlearn.FashionForgetTask;
import ai.lethe.unlearn.MethodAcceptance;
import ai.lethe.unlearn.MethodAcceptance.Expect;
import ai.lethe.unlearn.MethodAcceptance.Outcome;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearners;
import ai.lethe.unlearn.influence.InfluenceUnlearning;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FisherMethodsAcceptanceTest {
    private static FashionForgetTask task;
    private static FashionForgetTask.Accuracies original;
    /** I_D over the whole training set, batch-mean and per-sample, computed once for every SSD test. */
    private static FisherMap batchMeanFull, perSampleFull;

    @BeforeAll static void setUp() {
        Unlearners.registerBuiltIns();
        task = FashionForgetTask.get();
        original = task.originalAccuracy();
        try (ImageModel m = task.original()) {
            batchMeanFull = Ssd.computeFullFisher(m, task.context(0), "batch-mean", Ssd.DEFAULT_BATCH);
            perSampleFull = Ssd.computeFullFisher(m, task.context(0), "per-sample", Ssd.DEFAULT_BATCH);
        }
    }

    @AfterAll static void tearDown() {
        if (batchMeanFull != null) batchMeanFull.close();
        if (perSampleFull != null) perSampleFull.close();
    }

    /** The class counts as erased at or below a quarter of the original's forget-test accuracy. */
    static double erased() { return 0.25 * original.forgetTest(); }

    /** Retain-test accuracy at most 10 points below the original's. */
    static double kept() { return original.retainTest() - 0.10; }

    static Outcome run(String method, Map<String, String> options, UnlearnContext context) {
        return MethodAcceptance.run(task, method, options, context);
    }

    /** The context with a cached I_D (and Dr, for what else the method needs). */
    static UnlearnContext cached(FisherMap fullFisher) {
        UnlearnContext c = task.context(0);
        return new UnlearnContext(c.forget(), c.retain(), c.numClasses(), c.split(), c.transform(), c.device(), 0, c.workers(),
                Optional.of(fullFisher), null, List.of());
    }

    /**
     * Runs {@code method} with {@code option} set to each value in turn (the weakest first) and returns the
     * first outcome whose forget-test accuracy is at most {@code forgetAtMost}, or the last one.
     */
    static Outcome firstThatReaches(double forgetAtMost, String method, Map<String, String> options, String option,
                                    List<String> values, UnlearnContext context) {
        Outcome m = null;
        for (String v : values) {
            Map<String, String> o = new HashMap<>(options);
            o.put(option, v);
            m = run(method, o, context);
            if (m.forget() <= forgetAtMost) break;
        }
        return m;
    }

    /**
     * A sweep, the options it starts from and the bounds its outcome must meet: the values are tried in order (the
     * gentlest first) and the first whose forget-test accuracy reaches the sweep's own forgetting bound is the one
     * asserted, as a user tuning the method would stop there (a stronger value only costs retain accuracy).
     */
    record Sweep(String method, Map<String, String> options, String option, List<String> values, Expect expect) {
        Outcome run(UnlearnContext context) {
            return firstThatReaches(expect.forgetAtMost(), method, options, option, values, context);
        }
    }

    @Test void ssdWithACachedFullFisherAndNoRetainSetKeepsTheModelAtItsDefaults() {
        UnlearnContext full = task.context(0);
        UnlearnContext noRetain = new UnlearnContext(full.forget(), null, full.numClasses(), full.split(), full.transform(),
                full.device(), 0, full.workers(), Optional.of(batchMeanFull), null, List.of());
        Outcome m = run("ssd", Map.of(), noRetain);
        assertTrue(m.result().log().getFirst().startsWith("I_D: cached"), m.result().log().toString());
        assertEquals(original.retainTest(), m.retain(), 0.01, "α = 10 selects (almost) nothing when Df is 10% of D");
        assertEquals(original.forgetTest(), m.forget(), 0.05, "α = 10 does not forget here (see the header)");
        assertEquals(List.of(), m.originalChanges(), "the original is untouched");
        UnlearnContext neither = new UnlearnContext(full.forget(), null, full.numClasses(), null, full.transform(),
                full.device(), 0, 0, Optional.empty(), null, List.of());
        assertThrows(IllegalArgumentException.class, () -> run("ssd", Map.of(), neither));
    }

    @Test void ssdAtItsDefaultsWarnsThatAlphaIsAboveTheStructuralLimit() {
        Outcome defaults = run("ssd", Map.of(), task.context(0));     // I_D computed from Dr and Df, as users run it
        List<String> log = defaults.result().log();
        assertTrue(log.getFirst().startsWith("I_D: computed"), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("warning: alpha 10.0 >= |D|/|Df| = 10.0")), log.toString());
    }

    // Batch-mean SSD below the limit: α 8 erases the class on two of the three originals above, α 4 on the third,
    // each with the retain-test accuracy within 10 points.
    static Sweep batchMeanSsd() {
        return new Sweep("ssd", Map.of(), "alpha", List.of("8", "7", "6", "5", "4"), new Expect(erased(), kept()));
    }

    @Test void batchMeanSsdBelowTheStructuralLimitErasesTheClassAndKeepsTheRest() {
        MethodAcceptance.assertAccepted(batchMeanSsd().run(cached(batchMeanFull)), batchMeanSsd().expect());
    }

    // Per-sample SSD: erases the class at α 6 (SKYLAKEX) or 8 (HASWELL); on SANDYBRIDGE it gets to 0.73 (from 0.88)
    // at α 2 — see the header. Asserted on every model: at least 10 points of forget-test accuracy gone, retain kept.
    @Test void perSampleSsdMovesTheModelTowardForgettingAndKeepsTheRest() {
        Sweep s = new Sweep("ssd", Map.of("fisher", "per-sample"), "alpha", List.of("8", "7", "6", "5", "4", "3", "2"),
                new Expect(original.forgetTest() - 0.10, kept()));
        MethodAcceptance.assertAccepted(s.run(cached(perSampleFull)), s.expect());
    }

    // Fisher Forgetting with the reference's full-class behaviour (zero-class-row) at α = 1e-6 (the SSD reference's
    // value; the top of ALGORITHMS.md's range), the TRUE Fisher estimated on 200 retain samples to keep the test
    // short (it costs one backward pass per class). The forgetting comes from the zeroed output row; the noise costs
    // retain accuracy, which FF is known for (the papers' tables show its RA well below the others'): measured
    // forget / retain 0.19 / 0.79 (SKYLAKEX), 0.00 / 0.66 (HASWELL: 12 points lost, also with 500 or 1,000 Fisher
    // samples), 0.08 / 0.78 (SANDYBRIDGE). Bound: the class erased, at most 15 points of retain accuracy lost.
    @Test void fisherForgettingErasesTheClassAtACostToTheRest() {
        Outcome m = run("ff", Map.of("zero-class-row", "true", "fisher-samples", "200"), task.context(0));
        MethodAcceptance.assertAccepted(m, new Expect(erased(), original.retainTest() - 0.15));
    }

    // Influence Unlearning (WoodFisher on the default m = 256 retain samples, damping 1 as the reference's H₀ = I),
    // step α 0.3, 0.5, then the full Newton step 1: erases the class at α 0.3 (HASWELL, retain 0.74; its α 1 loses
    // 32 points) or 1 (SKYLAKEX); on SANDYBRIDGE α 1 reaches 0.58 (from 0.88). With m = 64 the Hessian estimate was
    // too rough to keep the rest on every model (HASWELL: α 0.3 → retain 0.50). On the original the cpu backend's
    // direct 3x3 convolutions train (SKYLAKEX, forget/retain 0.840/0.804) α 0.3 reaches forget 0.735, retain 0.801,
    // where α 1 took retain to 0.48: the sweep asserts the first α that reaches its forgetting bound (see Sweep).
    // With LETHE_CONV_KERNEL=avx2 (another summation order; original 0.880/0.815) α 0.3 gives 0.770 / 0.823, and
    // every acceptance test of this class and TrainingMethodsAcceptanceTest passes on both originals.
    static Sweep influence() {
        return new Sweep("iu", Map.of(), "alpha", List.of("0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "1"),
                new Expect(original.forgetTest() - 0.10, kept()));
    }

    @Test void influenceUnlearningMovesTheModelTowardForgettingAndKeepsTheRest() {
        MethodAcceptance.assertAccepted(influence().run(task.context(0)), influence().expect());
    }

    // LF-SSD at SSD's defaults has the same structural limit as SSD here (Df is 10% of D, so the |g| importance of
    // D is at least about a tenth of Df's): it selects nothing and leaves the model as it was (measured: 0
    // elements selected, accuracies unchanged on all three originals). Its forgetting is asserted below the limit.
    @Test void lossFreeSsdAtTheDefaultsLeavesTheModelIntact() {
        Outcome m = run("lf-ssd", Map.of(), task.context(0));
        assertEquals(original.retainTest(), m.retain(), 0.01);
        assertEquals(original.forgetTest(), m.forget(), 0.05);
        assertEquals(List.of(), m.originalChanges(), "the original is untouched");
    }

    // LF-SSD below the structural limit, swept like SSD (it cannot use a cached I_D: each α recomputes both
    // importances, ~10 s each here, so the sweep starts at 6). Measured on an original of 0.890/0.776 (SKYLAKEX, an
    // Intel Xeon): α 8 dampens 37 elements (forget-test 0.88), α 6 4,852 (0.67 / 0.79), α 4 34,730 (0.00 / 0.77).
    // Not yet measured on the other kernels' originals, so the bound is SSD per-sample's: at least 10 points of
    // forget-test accuracy gone, retain kept. On the original of the direct 3x3 convolutions (0.840/0.804, SKYLAKEX)
    // α 6 reaches 0.610 / 0.801, where α 4 cost 15 points of retain accuracy; with LETHE_CONV_KERNEL=avx2 (0.880/0.815)
    // α 6 reaches 0.600 / 0.824.
    static Sweep lossFreeSsd() {
        return new Sweep("lf-ssd", Map.of(), "alpha", List.of("6", "5", "4.5", "4", "3", "2"),
                new Expect(original.forgetTest() - 0.10, kept()));
    }

    @Test void lossFreeSsdBelowTheStructuralLimitMovesTheModelTowardForgetting() {
        MethodAcceptance.assertAccepted(lossFreeSsd().run(task.context(0)), lossFreeSsd().expect());
    }

    // A method replaced by a no-op (registered under its name; it parses the same options, then returns the model
    // unchanged) fails the acceptance above, sweep included: for the Fisher-based family (batch-mean SSD, with the
    // cached I_D) and for influence unlearning. Cheap: the double computes nothing, each α costs one copy and one
    // evaluation.
    @Test void aNoOpRegisteredAsAFisherOrInfluenceMethodFailsItsAcceptance() {
        record Family(Sweep sweep, UnlearnContext context, java.util.function.Function<ai.lethe.unlearn.MethodOptions,
                ai.lethe.unlearn.Unlearner> real, Class<?> realClass) {}
        for (Family f : List.of(new Family(batchMeanSsd(), cached(batchMeanFull), Ssd::new, Ssd.class),
                new Family(influence(), task.context(0), InfluenceUnlearning::new, InfluenceUnlearning.class))) {
            Sweep s = f.sweep;
            try (var _ = MethodAcceptance.noOpDouble(s.method(), f.real, Unlearners::registerBuiltIns)) {
                Outcome o = s.run(f.context);
                assertEquals(List.of("no-op double"), o.result().log(), "the double ran under the name " + s.method());
                List<String> v = MethodAcceptance.violations(o, s.expect());
                System.out.println("no-op as " + s.method() + ": " + v);
                assertTrue(v.stream().anyMatch(x -> x.contains("changed no parameter element")), v.toString());
                assertTrue(v.stream().anyMatch(x -> x.contains("forget accuracy")), v.toString());
                assertThrows(AssertionError.class, () -> MethodAcceptance.assertAccepted(o, s.expect()));
            }
            assertEquals(f.realClass, Unlearners.create(s.method(), s.options()).getClass(), "the real " + s.method() + " is registered again");
        }
    }
}
