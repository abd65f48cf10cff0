// The attack success rate against a brute-force count: a tiny linear classifier (flatten + a random 3 x 128
// matrix) on random 2x8x8 images; for every test image the trigger is stamped by hand (rows/columns 2..5 of both
// channels set to the trigger value), normalised by hand, the logits computed in double and the arg-max compared
// with the target — ASR is that count over all images, ASR non-target the count over the images not of the target
// class. AttackSuccess.evaluate (batched, through the data loader and the backend) must give exactly those
// fractions, and UnlearnMetrics must report them for a `poisoned` split (and not for a class split, whose
// retain-test set is not the whole test set).
package ai.lethe.eval;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.poison.PoisonSpec;
import ai.lethe.data.poison.Poisoned;
import ai.lethe.data.poison.PoisonedTest;
import ai.lethe.data.poison.Trigger;
import ai.lethe.data.split.ClassForget;
import ai.lethe.data.split.PoisonForget;
import ai.lethe.data.split.Split;
import ai.lethe.data.transform.Normalize;
import ai.lethe.data.transform.Transform;
import ai.lethe.nn.Flatten;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Module;
import ai.lethe.nn.Sequential;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AttackSuccessTest {
    private static final Device DEVICE = Device.CPU;
    private static final int C = 2, H = 8, W = 8, D = C * H * W, CLASSES = 3;
    private static final double[] MEAN = {0.3, 0.6}, STD = {0.5, 0.25};

    @BeforeEach void needsTheCpuBackend() { TestBackends.requireCpu(); }

    private static float[] weights(long seed) {
        Random r = new Random(seed);
        float[] w = new float[CLASSES * D];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        return w;
    }

    private static Module linear(float[] w) {
        Linear l = new Linear(D, CLASSES, false);
        try (Tensor t = Tensor.fromArray(w, DEVICE, CLASSES, D); var _ = ai.lethe.tensor.GradMode.noGrad()) {
            l.to(DEVICE);
            l.namedParameters().get("weight").copyFrom(t);
        }
        return new Sequential(new Flatten(), l);
    }

    /** The brute-force counts {hits, hitsNonTarget, nonTarget} of a triggered test set. */
    private static long[] bruteForce(Dataset test, float[] w, int size, float value, int target) {
        long hits = 0, hitsNt = 0, nt = 0;
        for (int i = 0; i < test.size(); i++) {
            float[] x = test.image(i).data();
            for (int c = 0; c < C; c++)
                for (int y = H - 2 - size; y < H - 2; y++)
                    for (int z = W - 2 - size; z < W - 2; z++) x[(c * H + y) * W + z] = value;
            double[] logits = new double[CLASSES];
            for (int k = 0; k < CLASSES; k++)
                for (int j = 0; j < D; j++) logits[k] += w[k * D + j] * ((x[j] - (float) MEAN[j / (H * W)]) / (float) STD[j / (H * W)]);
            int best = 0;
            for (int k = 1; k < CLASSES; k++) if (logits[k] > logits[best]) best = k;
            for (int k = 0; k < CLASSES; k++)
                if (k != best) assertTrue(logits[best] - logits[k] > 1e-3, "sample " + i + ": a near-tie would make the count ambiguous");
            boolean hit = best == target;
            if (hit) hits++;
            if (test.label(i) != target) {
                nt++;
                if (hit) hitsNt++;
            }
        }
        return new long[] {hits, hitsNt, nt};
    }

    @Test void matchesTheBruteForceCount() {
        Dataset test = PoisonedTest.random(101, C, H, W, CLASSES, 9);
        Transform norm = new Normalize(MEAN, STD);
        for (long seed : new long[] {1, 2, 3}) {
            float[] w = weights(seed);
            try (Module model = linear(w)) {
                for (int target = 0; target < CLASSES; target++)
                    for (float value : new float[] {0f, 1f}) {
                        long[] want = bruteForce(test, w, 4, value, target);
                        AttackSuccess a = AttackSuccess.evaluate(model, test, new AttackSuccess.Backdoor(new Trigger(4, value, 2), target), norm,
                                DEVICE, 7, 0);
                        assertEquals((double) want[0] / 101, a.asr(), 0, "seed " + seed + " target " + target + " value " + value);
                        assertEquals((double) want[1] / want[2], a.asrNonTarget(), 0);
                        assertEquals(101, a.samples());
                        assertEquals(want[2], a.nonTargetSamples());
                    }
            }
        }
        // the rates are not trivially 0 or 1 for this model: the count above is informative
        long[] some = bruteForce(test, weights(1), 4, 0f, 0);
        assertTrue(some[0] > 0 && some[0] < 101, "hits " + some[0]);
    }

    @Test void unlearnMetricsReportAttackSuccessForPoisonedSplitsOnly() {
        Dataset train = PoisonedTest.random(60, C, H, W, CLASSES, 4), test = PoisonedTest.random(40, C, H, W, CLASSES, 5);
        Poisoned p = Poisoned.of(train, PoisonSpec.parse("badnets:ratio=0.2,target=1,size=3"), 0);
        float[] w = weights(7);
        Transform norm = new Normalize(MEAN, STD);
        try (Module model = linear(w)) {
            MetricSet m = UnlearnMetrics.evaluate(model, null, Split.of(p, test, new PoisonForget(), 0).sets(p, test), norm, DEVICE, 16, 0, 0,
                    MiaOptions.defaults());
            long[] want = bruteForce(test, w, 3, 0f, 1);
            assertEquals((double) want[0] / 40, m.asr(), 0);
            assertEquals((double) want[1] / want[2], m.asrNonTarget(), 0);
            assertTrue(m.hasAttackSuccess());
            assertEquals(m, MetricSet.fromJson(m.toJson()));
            MetricSet clean = UnlearnMetrics.evaluate(model, null, Split.of(p, test, new ClassForget(2), 0).sets(p, test), norm, DEVICE, 16, 0, 0,
                    MiaOptions.defaults());
            assertTrue(Double.isNaN(clean.asr()) && !clean.hasAttackSuccess(), "a class split's retain-test is not the whole test set");
            MetricSet none = UnlearnMetrics.evaluate(model, null, Split.of(train, test, new ClassForget(2), 0).sets(train, test), norm, DEVICE,
                    16, 0, 0, MiaOptions.defaults());
            assertTrue(Double.isNaN(none.asr()) && Double.isNaN(none.asrNonTarget()));
        }
    }

    @Test void ratesFromPredictions() {
        AttackSuccess a = AttackSuccess.of(new int[] {0, 0, 1, 0, 2}, new int[] {0, 1, 1, 2, 2}, 0);
        assertEquals(3.0 / 5, a.asr(), 0);                // predictions 0, 0, 0 of 5
        assertEquals(2.0 / 4, a.asrNonTarget(), 0);       // of the 4 non-class-0 images, 2 go to 0
        assertTrue(Double.isNaN(AttackSuccess.of(new int[0], new int[0], 0).asr()));
        assertTrue(Double.isNaN(AttackSuccess.of(new int[] {0}, new int[] {0}, 0).asrNonTarget()));
        assertThrows(IllegalArgumentException.class, () -> AttackSuccess.of(new int[1], new int[2], 0));
    }
}
