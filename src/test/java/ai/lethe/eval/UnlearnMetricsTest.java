// The metric definitions on a hand-made 3-class "model" (flatten + a 3×3 linear layer, so the logits are chosen
// directly as the images' three pixels) and hand-made train/test sets whose correct predictions are counted by hand
// below: UA, RA, TA and forget-test accuracy are exact fractions; confidences and entropies match an independent
// double-precision softmax to float32 rounding; ZRF matches an independent JS computation; empty parts give NaN.
package ai.lethe.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.split.ClassForget;
import ai.lethe.data.split.RandomForget;
import ai.lethe.data.split.Split;
import ai.lethe.data.split.SplitSets;
import ai.lethe.data.transform.Transform;
import ai.lethe.eval.mia.MiaData;
import ai.lethe.eval.mia.SvmAttack;
import ai.lethe.nn.Flatten;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Module;
import ai.lethe.nn.Sequential;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UnlearnMetricsTest {
    private static final Device DEVICE = Device.CPU;

    @BeforeEach void needsTheCpuBackend() { TestBackends.requireCpu(); }

    record ArrayDataset(String name, float[][] images, int[] labels) implements Dataset {
        @Override public int size() { return labels.length; }
        @Override public ImageShape shape() { return new ImageShape(1, 1, 3); }
        @Override public List<String> classNames() { return List.of("a", "b", "c"); }
        @Override public int label(int i) { return labels[i]; }
        @Override public void readImage(int i, float[] dst, int off) { System.arraycopy(images[i], 0, dst, off, 3); }
    }

    // Training set: (label, logits); "ok" = arg-max equals the label.
    private static final float[][] TRAIN_X = {
            {0.9f, 0.1f, 0.0f}, {0.2f, 0.7f, 0.1f}, {0.6f, 0.3f, 0.1f},             // class 0: ok, wrong, ok
            {0.1f, 0.8f, 0.1f}, {0.5f, 0.4f, 0.1f}, {0.2f, 0.6f, 0.2f},             // class 1: ok, wrong, ok
            {0.1f, 0.1f, 0.8f}, {0.7f, 0.2f, 0.1f}, {0.3f, 0.3f, 0.4f}, {0.0f, 0.9f, 0.1f}}; // class 2: ok, wrong, ok, wrong
    private static final int[] TRAIN_Y = {0, 0, 0, 1, 1, 1, 2, 2, 2, 2};
    private static final float[][] TEST_X = {
            {0.8f, 0.1f, 0.1f}, {0.1f, 0.5f, 0.4f},                                  // class 0: ok, wrong
            {0.2f, 0.7f, 0.1f}, {0.3f, 0.3f, 0.4f},                                  // class 1: ok, wrong
            {0.2f, 0.2f, 0.6f}, {0.6f, 0.2f, 0.2f}, {0.1f, 0.2f, 0.7f}};             // class 2: ok, wrong, ok
    private static final int[] TEST_Y = {0, 0, 1, 1, 2, 2, 2};

    private static Module linear(float[] weights) {
        Linear l = new Linear(3, 3, false);
        try (Tensor w = Tensor.fromArray(weights, DEVICE, 3, 3); var _ = ai.lethe.tensor.GradMode.noGrad()) {
            l.to(DEVICE);
            l.namedParameters().get("weight").copyFrom(w);
        }
        return new Sequential(new Flatten(), l);
    }

    private static Module identityModel() { return linear(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}); }

    private static SplitSets sets(Dataset train, Dataset test, ai.lethe.data.split.ForgetRequest request) {
        return Split.of(train, test, request, 0).sets(train, test);
    }

    private static final Dataset TRAIN = new ArrayDataset("train", TRAIN_X, TRAIN_Y), TEST = new ArrayDataset("test", TEST_X, TEST_Y);

    @Test
    void accuraciesOfAFullClassSplitAreTheHandCountedFractions() {
        try (Module model = identityModel()) {
            // batch size 3 splits the parts unevenly: accuracies must be per sample, not means of batch means
            MetricSet m = UnlearnMetrics.evaluate(model, null, sets(TRAIN, TEST, new ClassForget(2)), Transform.identity(), DEVICE, 3, 0, 7,
                    MiaOptions.defaults());
            assertEquals(1 - 2.0 / 4, m.ua(), 0);         // Df = class 2: 2 of 4 correct
            assertEquals(4.0 / 6, m.ra(), 0);             // Dr = classes 0, 1: 4 of 6
            assertEquals(2.0 / 4, m.ta(), 0);             // retain-test = test classes 0, 1: 2 of 4
            assertEquals(2.0 / 3, m.forgetTestAccuracy(), 0); // test class 2: 2 of 3
            assertTrue(m.miaEfficacy() >= 0 && m.miaEfficacy() <= 1, "MIA-efficacy " + m.miaEfficacy());
            assertTrue(m.ssdMia() >= 0 && m.ssdMia() <= 1, "SSD MIA " + m.ssdMia());
            assertTrue(Double.isNaN(m.zrf()), "ZRF was not asked for");
        }
    }

    @Test
    void confidenceAndEntropyMatchADoubleSoftmax() {
        try (Module model = identityModel()) {
            Predictions p = Predictions.of(model, TRAIN, Transform.identity(), DEVICE, 4, 0);
            assertArrayEquals(TRAIN_Y, p.labels());
            assertArrayEquals(new int[] {0, 1, 0, 1, 0, 1, 2, 0, 2, 1}, p.predicted());
            for (int i = 0; i < TRAIN_X.length; i++) {
                double[] q = softmax(TRAIN_X[i]);
                double h = 0;
                for (double v : q) h -= v * Math.log(v);
                // float32 results: a few ulps of values in (0, 1] and of entropies below ln 3
                assertEquals(q[TRAIN_Y[i]], p.confidence()[i], 1e-6, "confidence " + i);
                assertEquals(h, p.entropy()[i], 1e-6, "entropy " + i);
            }
        }
    }

    private static double[] softmax(float[] z) {
        double s = 0;
        double[] e = new double[z.length];
        for (int k = 0; k < z.length; k++) s += e[k] = Math.exp(z[k]);
        for (int k = 0; k < z.length; k++) e[k] /= s;
        return e;
    }

    @Test
    void randomSplitsMeasureForgetTestOnDfItself() {
        try (Module model = identityModel()) {
            SplitSets sets = sets(TRAIN, TEST, RandomForget.count(4));
            MetricSet m = UnlearnMetrics.evaluate(model, null, sets, Transform.identity(), DEVICE, 8, 0, 1, MiaOptions.defaults());
            assertEquals(1 - m.ua(), m.forgetTestAccuracy(), 0);
            assertEquals(Predictions.of(model, TEST, Transform.identity(), DEVICE, 8, 0).accuracy(), m.ta(), 0); // whole test set
        }
    }

    @Test
    void emptyPartsGiveNaNNotAnException() {
        try (Module model = identityModel()) {
            // a test set without class 2: the forget-test part is empty
            Dataset test01 = TEST.subset(new int[] {0, 1, 2, 3}, "test without class 2");
            MetricSet m = UnlearnMetrics.evaluate(model, null, sets(TRAIN, test01, new ClassForget(2)), Transform.identity(), DEVICE, 8, 0, 1,
                    MiaOptions.defaults());
            assertTrue(Double.isNaN(m.forgetTestAccuracy()));
            assertEquals(0.5, m.ta(), 0);
            assertTrue(Double.isFinite(m.miaEfficacy()) && Double.isFinite(m.ssdMia()));
            // a test set of class 2 only: the retain-test part (Dt) is empty, so TA and both attacks are undefined
            Dataset test2 = TEST.subset(new int[] {4, 5, 6}, "class-2 test");
            MetricSet e = UnlearnMetrics.evaluate(model, null, sets(TRAIN, test2, new ClassForget(2)), Transform.identity(), DEVICE, 8, 0, 1,
                    MiaOptions.defaults());
            assertTrue(Double.isNaN(e.ta()) && Double.isNaN(e.miaEfficacy()) && Double.isNaN(e.ssdMia()));
            assertEquals(0.5, e.ua(), 0);
            MetricSet back = MetricSet.fromJson(e.toJson());
            assertEquals(Arrays.toString(e.values()), Arrays.toString(back.values()));
        }
    }

    @Test
    void miaEfficacyIsTheSvmNonMemberShareOfDfWithShadowMembersFromDr() {
        try (Module model = identityModel()) {
            SplitPredictions parts = UnlearnMetrics.predict(model, sets(TRAIN, TEST, new ClassForget(2)), Transform.identity(), DEVICE, 8, 0);
            MiaOptions first = MiaOptions.defaults().withShadow(MiaOptions.ShadowDraw.FIRST);
            // reference draw: the first |Dt| = 4 retain samples are members, the 4 retain-test samples non-members
            SvmAttack attack = SvmAttack.fit(MiaData.column(parts.retain().select(new int[] {0, 1, 2, 3}).confidence()),
                    MiaData.column(parts.retainTest().confidence()));
            double expected = 1 - attack.memberShare(MiaData.column(parts.forget().confidence()));
            assertEquals(expected, UnlearnMetrics.miaEfficacy(parts, 0, first), 0);
        }
        int[] drawn = UnlearnMetrics.shadowSet(100, 30, 5, MiaOptions.ShadowDraw.SEEDED);
        assertEquals(30, drawn.length);
        assertEquals(30, Arrays.stream(drawn).distinct().count());
        assertArrayEquals(drawn, UnlearnMetrics.shadowSet(100, 30, 5, MiaOptions.ShadowDraw.SEEDED));
        assertArrayEquals(new int[] {0, 1, 2}, UnlearnMetrics.shadowSet(3, 30, 5, MiaOptions.ShadowDraw.SEEDED)); // |Dr| < |Dt|: all of Dr
    }

    @Test
    void zrfIsOneMinusTheMeanJensenShannonDivergence() {
        float[] w = {0.5f, -1, 2, 1, 0, -0.5f, 0.3f, 0.3f, 0.3f};
        try (Module model = identityModel(); Module incompetent = linear(w)) {
            SplitSets sets = sets(TRAIN, TEST, new ClassForget(2));
            MetricSet m = UnlearnMetrics.evaluate(model, incompetent, sets, Transform.identity(), DEVICE, 3, 0, 1,
                    MiaOptions.defaults().withZrf(MiaOptions.Zrf.PAPER));
            double js = 0;
            int[] forget = {6, 7, 8, 9};
            for (int i : forget) {
                double[] p = softmax(TRAIN_X[i]);
                float[] z = new float[3];
                for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) z[r] += w[r * 3 + c] * TRAIN_X[i][c];
                double[] q = softmax(z);
                for (int k = 0; k < 3; k++) {
                    double mid = (p[k] + q[k]) / 2;
                    js += 0.5 * p[k] * Math.log(p[k] / mid) + 0.5 * q[k] * Math.log(q[k] / mid);
                }
            }
            // float32 probabilities: errors of ~1e-7 per term
            assertEquals(1 - js / forget.length, m.zrf(), 1e-6);
            MetricSet ref = UnlearnMetrics.evaluate(model, incompetent, sets, Transform.identity(), DEVICE, 3, 0, 1,
                    MiaOptions.defaults().withZrf(MiaOptions.Zrf.REFERENCE));
            assertEquals(1 - js / forget.length / 3, ref.zrf(), 1e-6);
            MetricSet self = UnlearnMetrics.evaluate(model, model, sets, Transform.identity(), DEVICE, 3, 0, 1,
                    MiaOptions.defaults().withZrf(MiaOptions.Zrf.PAPER));
            assertEquals(1.0, self.zrf(), 1e-12);
        }
    }

    @Test
    void imageModelEntryPointDrawsItsIncompetentModelFromTheSeed() {
        // a width-2 ResNet on 8×8 three-channel copies of the hand-made sets (pixel values repeated over the image)
        record Tiled(Dataset d) implements Dataset {
            @Override public String name() { return d.name() + " 3x8x8"; }
            @Override public int size() { return d.size(); }
            @Override public ImageShape shape() { return new ImageShape(3, 8, 8); }
            @Override public List<String> classNames() { return d.classNames(); }
            @Override public int label(int i) { return d.label(i); }
            @Override public void readImage(int i, float[] dst, int off) {
                float[] px = new float[3];
                d.readImage(i, px, 0);
                for (int k = 0; k < 192; k++) dst[off + k] = px[k / 64] * (1 + (k % 64) / 64f);
            }
        }
        Dataset train = new Tiled(TRAIN), test = new Tiled(TEST);
        var config = new ai.lethe.models.ResNetConfig(3, 3, 2, ai.lethe.models.ResNetConfig.Stem.CIFAR, List.of(1, 1, 1, 1));
        try (ai.lethe.models.ImageModel model = ai.lethe.models.Models.create(config, new ai.lethe.tensor.Generator(1)).to(DEVICE);
             ai.lethe.models.ImageModel incompetent = ai.lethe.models.Models.create(config, new ai.lethe.tensor.Generator(42)).to(DEVICE)) {
            SplitSets sets = sets(train, test, new ClassForget(2));
            MiaOptions zrf = MiaOptions.defaults().withZrf(MiaOptions.Zrf.PAPER);
            MetricSet viaSeed = UnlearnMetrics.evaluate(model, sets, Transform.identity(), DEVICE, 4, 0, 42, zrf);
            MetricSet explicit = UnlearnMetrics.evaluate(model, incompetent, sets, Transform.identity(), DEVICE, 4, 0, 42, zrf);
            assertEquals(Arrays.toString(explicit.values()), Arrays.toString(viaSeed.values()));
            // JS is at most ln 2 with natural logarithms
            assertTrue(viaSeed.zrf() >= 1 - Math.log(2) && viaSeed.zrf() <= 1, "ZRF " + viaSeed.zrf());
        }
    }
}
