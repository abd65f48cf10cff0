// Acceptance of the training-based methods on the shared Fashion-MNIST task (forget class 3): each method runs
// its real algorithm on a copy of the original model and must show its defining behaviour (MethodAcceptance) —
// it changed the model, the forgotten class's test accuracy falls (to at most a quarter of the original's for
// the methods built to erase it, and always at least 5 points below it) while the retain-test accuracy stays
// within a stated margin of the original's, and the original is bit-identical afterwards. Every bound is
// relative to the original's accuracies measured in the same run; measured accuracies are printed for review.
// l1-sparse ends with a smaller ‖θ‖₁ than FT run with the same seed and epochs. A no-op registered as "ft"
// (training-based) and as "bad-teacher" (teacher-based) fails the same checks.
//
// Random-sample forgetting has no acceptance direction on this task: the 3-epoch original is as accurate on 250
// random training samples as on unseen data (measured 0.800 against the test set's 0.788), so there is no
// member/non-member gap for a method to close, and GA at its default lr 1e-4 even raised both (0.852 / 0.821,
// through the batch-norm statistics it updates in train mode). Class forgetting is where the direction is defined.
//
// The bounds hold on the originals trained through three OpenBLAS kernels of one machine (LETHE_BLAS_KERNEL=
// SKYLAKEX, HASWELL, SANDYBRIDGE: different summation orders, so different weights; originals' forget-test /
// retain-test 0.855/0.774, 0.820/0.780, 0.880/0.775), each test's measurements on them in its comment, in that
// order. The noisy methods (Bad Teacher, UNSIR) were also run with seeds 2 and 3 on each, and their bounds cover
// all nine runs.
//
// Epochs are reduced where the defaults would cost minutes on 2 cores (each reduction says so); every other
// hyper-parameter is the method's default unless a comment justifies it.
package ai.lethe.unlearn.train;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.unlearn.FashionForgetTask;
import ai.lethe.unlearn.MethodAcceptance;
import ai.lethe.unlearn.MethodAcceptance.Expect;
import ai.lethe.unlearn.MethodAcceptance.Outcome;
import ai.lethe.unlearn.Unlearner;
import ai.lethe.unlearn.Unlearners;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainingMethodsAcceptanceTest {
    private static FashionForgetTask task;
    private static double originalForget, originalRetain;
    /** Outcomes of the real methods, by name (FT and l1-sparse are also compared with each other). */
    private static final Map<String, Outcome> outcomes = new HashMap<>();

    /** A method, the options its test runs it with and the bounds it must meet. */
    record Case(String method, Map<String, String> options, Expect expect) {}

    @BeforeAll static void original() {
        TrainingMethods.registerAll();
        task = FashionForgetTask.get();
        originalForget = task.originalAccuracy().forgetTest();
        originalRetain = task.originalAccuracy().retainTest();
    }

    private static Outcome run(Case c) {
        return MethodAcceptance.run(task, c.method, c.options, task.context(1));
    }

    /** Runs the real method once (cached for this class) and asserts its acceptance. */
    private static Outcome accept(Case c) {
        Outcome o = outcomes.computeIfAbsent(c.method, _ -> run(c));
        MethodAcceptance.assertAccepted(o, c.expect);
        return o;
    }

    // Retain margins: the original is under-trained (3 epochs), so every method that trains on Dr tends to *raise*
    // retain-test accuracy; 10 points below the original is the "retain accuracy kept" bound for all of them
    // (the papers report drops of a few points at most for these methods on CIFAR).

    /** The class counts as erased at or below a quarter of the original's forget-test accuracy. */
    private static double erased() { return 0.25 * originalForget; }

    /** Retain-test accuracy at most 10 points below the original's. */
    private static double kept() { return originalRetain - 0.10; }

    // FT relies on catastrophic forgetting only: its papers claim retain accuracy kept and Df accuracy reduced,
    // not erased. 1 epoch instead of 10 (CI time: 10 epochs of 4,500 images take ~90 s here). Measured forget /
    // retain: 0.60/0.86, 0.62/0.85, 0.68/0.85, and 0.725/0.861 from an original of 0.890/0.776 (SKYLAKEX on an
    // Intel Xeon) — at least 16 points below the original's; bound: 10 points below.
    static Case fineTuneCase() { return new Case("ft", Map.of("epochs", "1"), new Expect(originalForget - 0.10, kept())); }

    @Test void fineTune() { accept(fineTuneCase()); }

    // l1-sparse is FT plus the decaying l1 term (E = 1: γ_0 = γ); same claims as FT. 1 epoch for CI time. Measured:
    // 0.59/0.86, 0.62/0.85, 0.65/0.85; 0.710/0.859 from the Xeon's original.
    static Case l1SparseCase() { return new Case("l1-sparse", Map.of("epochs", "1"), new Expect(originalForget - 0.10, kept())); }

    @Test void l1Sparse() { accept(l1SparseCase()); }

    // The l1 term is what l1-sparse adds to FT (same optimizer defaults): with the same seed (context 1: the same
    // batches) and epochs, its model ends with a smaller ‖θ‖₁ — measured 31,710 against FT's 32,071 (from 32,086).
    @Test void l1SparseEndsWithASmallerL1NormThanFineTune() {
        Outcome ft = accept(fineTuneCase()), l1 = accept(l1SparseCase());
        System.out.printf("|theta|_1: ft %.3f, l1-sparse %.3f (difference %.3f)%n", ft.l1Norm(), l1.l1Norm(), ft.l1Norm() - l1.l1Norm());
        assertTrue(l1.l1Norm() < ft.l1Norm(), "l1-sparse |theta|_1 " + l1.l1Norm() + " is not below FT's " + ft.l1Norm());
    }

    // GA: default epochs and lr; batch 32 instead of 256 because Df here has 500 images, not CIFAR-10's 5,000:
    // batch 256 would make 2 steps an epoch (10 in all) where the reference setting makes ~100; batch 32 gives 80.
    // GA damages the retained classes too (it only pushes the loss on Df up): measured forget 0.00 on all three,
    // retain 0.79 / 0.72 / 0.60 (0.60-0.63 over seeds 1-3), and 0.56 from an original of 0.81 on an Intel Xeon
    // earlier; the margin is 30 points.
    @Test void gradientAscent() {
        accept(new Case("ga", Map.of("batch-size", "32"), new Expect(erased(), originalRetain - 0.30)));
    }

    // RL: 1 epoch instead of 10 for CI time (the relabelled Df is re-drawn each epoch; one draw already suffices).
    // Measured: 0.00/0.85, 0.00/0.84, 0.00/0.85.
    @Test void randomLabel() {
        accept(new Case("rl", Map.of("epochs", "1"), new Expect(erased(), kept())));
    }

    // Retrain never sees class 3, so it cannot predict it. 2 epochs of the 3-epoch recipe (CI time); the margin
    // allows for the one epoch less than the original had. Measured: 0.00/0.84, 0.00/0.82, 0.00/0.82.
    @Test void retrain() {
        accept(new Case("retrain", Map.of("epochs", "2"), new Expect(erased(), kept())));
    }

    // Amnesiac: 1 epoch at batch 32 instead of 3 at 128 (CI time; the task is 10x smaller than CIFAR-10, so the
    // default would make ~120 steps where the reference makes ~1,200; 1 epoch at 32 makes ~160). Measured:
    // 0.04/0.87, 0.07/0.87, 0.05/0.87.
    @Test void amnesiac() {
        accept(new Case("amnesiac", Map.of("epochs", "1", "batch-size", "32"), new Expect(erased(), kept())));
    }

    // Bad Teacher: batch 32 instead of 256 (Df + 30% Dr is 1,850 images here vs 18,500 on CIFAR-10: 8 steps at 256
    // against the reference's ~73; 58 at 32), and 2 epochs (one gave 0.46-0.56 of the original's 0.82-0.88: too
    // close to any bound that means something). Its Df target is the incompetent teacher's softmax — close to
    // uniform, not a wrong class — so Df outputs flatten rather than move elsewhere and the argmax can still land on
    // class 3 (the SSD paper reports non-zero Df accuracy for it too). Measured forget-test over seeds 1/2/3:
    // 0.22/0.53/0.22, 0.29/0.48/0.23, 0.48/0.60/0.35 — at most 0.68 of the original's. Bound: 0.7 of it.
    static Case badTeacherCase() {
        return new Case("bad-teacher", Map.of("batch-size", "32", "epochs", "2"), new Expect(0.7 * originalForget, kept()));
    }

    @Test void badTeacher() { accept(badTeacherCase()); }

    // UNSIR: with the SSD reference's Adam lr 1e-4 the impair epoch does not impair this small model at all
    // (measured forget-test 0.83-0.88 against 0.80), so the test runs it at lr 1e-3 (the option both steps use; the
    // impairment works through large updates on the error-maximising noise). 200 samples per retained class
    // instead of 500 for CI time. Measured forget-test over seeds 1/2/3: 0.45/0.09/0.20, 0.17/0.04/0.20,
    // 0.31/0.13/0.25 — at most 0.53 of the original's. Bound: 0.6 of it.
    @Test void unsir() {
        accept(new Case("unsir", Map.of("lr", "1e-3", "samples-per-class", "200"), new Expect(0.6 * originalForget, kept())));
    }

    // A method replaced by a no-op (registered under its name; it parses the same options, then returns the model
    // unchanged) fails the acceptance above: for the training-based family (ft) and the teacher-based one
    // (bad-teacher). Cheap: the double trains nothing, so each costs one copy and one evaluation.
    @Test void aNoOpRegisteredAsATrainingOrTeacherMethodFailsItsAcceptance() {
        for (Case c : List.of(fineTuneCase(), badTeacherCase())) {
            Class<? extends Unlearner> real = c.method.equals("ft") ? FineTune.class : BadTeacher.class;
            try (var _ = MethodAcceptance.noOpDouble(c.method, c.method.equals("ft") ? FineTune::new : BadTeacher::new,
                    TrainingMethods::registerAll)) {
                Outcome o = run(c);
                assertEquals(List.of("no-op double"), o.result().log(), "the double ran under the name " + c.method);
                List<String> v = MethodAcceptance.violations(o, c.expect);
                System.out.println("no-op as " + c.method + ": " + v);
                assertTrue(v.stream().anyMatch(s -> s.contains("changed no parameter element")), v.toString());
                assertTrue(v.stream().anyMatch(s -> s.contains("forget accuracy")), v.toString());
                assertThrows(AssertionError.class, () -> MethodAcceptance.assertAccepted(o, c.expect));
            }
            assertEquals(real, Unlearners.create(c.method, c.options).getClass(), "the real " + c.method + " is registered again");
        }
    }
}
