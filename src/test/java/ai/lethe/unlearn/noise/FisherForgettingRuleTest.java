// Fisher Forgetting on a tiny ResNet18 (width 4, 5 classes, 8x8 inputs) against a direct transcription of the
// reference's get_mean_var and noise step (double arithmetic over the TRUE Fisher of Dr, noise drawn as
// Tensor.randn from a Generator seeded like the method's), with and without the zero-class-row option; the
// noise is reproducible for a seed and differs between seeds; pruned weights stay zero; bad options fail.
// Tolerance: 1e-5 relative (+1e-7 absolute): the method rounds 1/(F+ε), the dim-1 mean and √var in float32.
package ai.lethe.unlearn.noise;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.fisher.FisherDiagonal;
import ai.lethe.fisher.FisherKind;
import ai.lethe.fisher.FisherMap;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.nn.Masks;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.UnlearnContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

public class FisherForgettingRuleTest {
    static final int CLASSES = 5, FORGET = 2;

    record ArrayDataset(float[] images, int[] labels, ImageShape shape) implements Dataset {
        @Override public String name() { return "tiny"; }
        @Override public int size() { return labels.length; }
        @Override public List<String> classNames() { return List.of("0", "1", "2", "3", "4"); }
        @Override public int label(int i) { return labels[i]; }
        @Override public void readImage(int i, float[] dst, int off) { System.arraycopy(images, i * shape.size(), dst, off, shape.size()); }
    }

    public static Device device() { return TestBackends.cpu(); }

    static Dataset data(long seed, int n, boolean forgetClass) {
        java.util.Random r = new java.util.Random(seed);
        ImageShape shape = new ImageShape(3, 8, 8);
        float[] images = new float[n * shape.size()];
        for (int i = 0; i < images.length; i++) images[i] = (float) r.nextGaussian();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = forgetClass ? FORGET : (FORGET + 1 + r.nextInt(CLASSES - 1)) % CLASSES;
        return new ArrayDataset(images, labels, shape);
    }

    public static ImageModel model() {
        return Models.create(new ResNetConfig(3, CLASSES, 4, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS), new Generator(3)).to(device());
    }

    public static UnlearnContext context(long seed) {
        return new UnlearnContext(data(1, 12, true), data(2, 40, false), CLASSES, null, null, device(), seed, 0,
                Optional.empty(), null, List.of());
    }

    static FisherForgetting ff(Map<String, String> options) { return new FisherForgetting(new MethodOptions("ff", options)); }

    @ParameterizedTest(name = "zero-class-row={0}") @ValueSource(booleans = {false, true})
    void matchesADirectTranscriptionOfTheRule(boolean zeroRow) {
        double alpha = 1e-6;
        long seed = 11;
        try (ImageModel m = model(); Scope _ = Scope.open()) {
            m.eval();
            UnlearnContext ctx = context(seed);
            Map<String, float[]> before = new LinkedHashMap<>();
            Map<String, float[]> fisher = new LinkedHashMap<>();
            try (FisherMap f = FisherDiagonal.compute(m, DataLoader.builder(ctx.retain()).batchSize(64).device(device()).workers(0).build(), FisherKind.TRUE)) {
                m.namedParameters().forEach((k, p) -> { before.put(k, p.toFloatArray()); fisher.put(k, f.get(k).toFloatArray()); });
            }
            Map<String, Tensor> params = m.namedParameters();
            ff(Map.of("alpha", Double.toString(alpha), "zero-class-row", Boolean.toString(zeroRow))).run(m, ctx);
            Generator gen = new Generator(seed);
            Set<String> head = Set.of("fc.weight", "fc.bias");
            assertEquals(head, FisherForgetting.classLayer(m));
            for (var e : params.entrySet()) {
                String name = e.getKey();
                long[] dims = e.getValue().shape().dims();
                double[] expected = transcription(before.get(name), fisher.get(name), dims, alpha, head.contains(name), zeroRow ? FORGET : -1,
                        Tensor.randn(e.getValue().shape(), gen, device()).toFloatArray());
                float[] got = e.getValue().toFloatArray();
                for (int i = 0; i < got.length; i++)
                    assertEquals(expected[i], got[i], 1e-5 * Math.abs(expected[i]) + 1e-7, name + "[" + i + "]");
            }
        }
    }

    /** get_mean_var + "mu + var.sqrt() * normal" of the reference, element by element in double. */
    static double[] transcription(float[] theta, float[] f, long[] dims, double alpha, boolean classLayer, int forgetClass, float[] z) {
        int n = theta.length;
        double[] var = new double[n];
        for (int i = 0; i < n; i++) var[i] = Math.min(1.0 / (f[i] + 1e-8), classLayer ? 1e2 : 1e3) * alpha;
        if (dims.length > 1) {                                   // var.mean(dim=1, keepdim=True).expand_as(p)
            int d0 = (int) dims[0], d1 = (int) dims[1], rest = n / (d0 * d1);
            double[] mean = new double[n];
            for (int a = 0; a < d0; a++)
                for (int r = 0; r < rest; r++) {
                    double s = 0;
                    for (int b = 0; b < d1; b++) s += var[(a * d1 + b) * rest + r];
                    for (int b = 0; b < d1; b++) mean[(a * d1 + b) * rest + r] = s / d1;
                }
            var = mean;
        }
        double[] mu = new double[n];
        for (int i = 0; i < n; i++) mu[i] = theta[i];
        if (classLayer && forgetClass >= 0) {                    // mu[class] = 0, var[class] = 0.0001
            int row = n / (int) dims[0];
            for (int i = forgetClass * row; i < (forgetClass + 1) * row; i++) { mu[i] = 0; var[i] = 1e-4; }
        }
        if (classLayer || dims.length == 1) for (int i = 0; i < n; i++) var[i] *= 10;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = mu[i] + Math.sqrt(var[i]) * z[i];
        return out;
    }

    @Test void theNoiseIsReproducibleForASeedAndKeepsPrunedWeightsZero() {
        try (ImageModel a = model(); ImageModel b = model(); ImageModel c = model(); Scope _ = Scope.open()) {
            for (ImageModel m : List.of(a, b, c)) {
                m.eval();
                Tensor w = m.parameter("layer1.0.conv1.weight");
                float[] mask = new float[(int) w.numel()];
                for (int i = 0; i < mask.length; i += 2) mask[i] = 1;
                Masks.set(m, "layer1.0.conv1.weight", Tensor.fromArray(mask, device(), w.shape().dims()));
            }
            ff(Map.of("alpha", "1e-6")).run(a, context(7));
            ff(Map.of("alpha", "1e-6")).run(b, context(7));
            ff(Map.of("alpha", "1e-6")).run(c, context(8));
            for (String k : a.namedParameters().keySet())
                assertArrayEquals(a.parameter(k).toFloatArray(), b.parameter(k).toFloatArray(), k);
            assertFalse(java.util.Arrays.equals(a.parameter("fc.weight").toFloatArray(), c.parameter("fc.weight").toFloatArray()));
            float[] pruned = a.parameter("layer1.0.conv1.weight").toFloatArray();
            for (int i = 1; i < pruned.length; i += 2) assertTrue(pruned[i] == 0f, "pruned weight " + i + " = " + pruned[i]);
        }
    }

    @Test void badOptionsAndDataFail() {
        var e = assertThrows(IllegalArgumentException.class, () -> ff(Map.of("alpha", "0")));
        assertTrue(e.getMessage().contains("alpha"), e.getMessage());
        try (ImageModel m = model(); Scope _ = Scope.open()) {
            UnlearnContext mixed = new UnlearnContext(data(2, 10, false), data(3, 20, false), CLASSES, null, null, device(), 0, 0,
                    Optional.empty(), null, List.of());
            var z = assertThrows(IllegalArgumentException.class, () -> ff(Map.of("zero-class-row", "true")).run(m, mixed));
            assertTrue(z.getMessage().contains("zero-class-row"), z.getMessage());
            UnlearnContext noRetain = new UnlearnContext(data(1, 4, true), null, CLASSES, null, null, device(), 0, 0,
                    Optional.empty(), null, List.of());
            assertThrows(IllegalArgumentException.class, () -> ff(Map.of()).run(m, noRetain));
        }
    }
}
