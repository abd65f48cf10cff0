// Initialisation statistics on models of realistic size: ResNet (torchvision: Kaiming-normal fan-out conv
// weights, BatchNorm 1/0 with fresh running statistics, Linear's default U(±1/√in) fc) and ViT (timm's '' scheme:
// trunc-normal std .02 Linear weights with zero biases, trunc-normal .02 pos_embed, normal 1e-6 cls_token,
// LayerNorm 1/0, PyTorch's default patch-embedding conv). Standard deviations must lie within 5 standard errors
// (√(1/(2n)) relative for a normal sample); draws come from the Generator, so a seed reproduces a model.
package ai.lethe.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.nn.BatchNorm2d;
import ai.lethe.nn.Conv2d;
import ai.lethe.nn.Init;
import ai.lethe.nn.LayerNorm;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Module;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class InitTest {
    /** Mean, standard deviation and largest magnitude of a tensor's values. */
    record Stats(double mean, double std, double maxAbs, int n) {
        static Stats of(Tensor t) {
            double[] v = t.toDoubleArray();
            double mean = Arrays.stream(v).average().orElseThrow(), ss = 0, maxAbs = 0;
            for (double x : v) {
                ss += (x - mean) * (x - mean);
                maxAbs = Math.max(maxAbs, Math.abs(x));
            }
            return new Stats(mean, Math.sqrt(ss / (v.length - 1)), maxAbs, v.length);
        }

        /** Asserts a normal(0, std) sample: std within 5 standard errors, mean within 5 standard errors of 0. */
        void assertNormal(String what, double expectedStd) {
            double tol = 5 / Math.sqrt(2.0 * n);
            assertTrue(Math.abs(std / expectedStd - 1) <= tol, what + ": std " + std + ", expected " + expectedStd + " ± " + tol * 100 + "%");
            assertTrue(Math.abs(mean) <= 5 * expectedStd / Math.sqrt(n), what + ": mean " + mean + " for std " + expectedStd);
        }
    }

    private static void assertAll(String what, Tensor t, double value) {
        for (double v : t.toDoubleArray()) assertEquals(value, v, 0.0, what);
    }

    @Test
    void resnetFollowsTorchvision() {
        ResNetConfig c = ResNetConfig.resnet18(10).withWidth(32);
        try (ResNet m = new ResNet(c, new Generator(11))) {
            int convs = 0;
            for (var e : m.namedModules().entrySet()) {
                String name = e.getKey();
                switch (e.getValue()) {
                    case Conv2d conv -> {
                        convs++;
                        Tensor w = conv.parameter("weight");
                        double std = Math.sqrt(2.0 / Init.fans(w).fanOut());
                        Stats.of(w).assertNormal(name + ".weight", std);
                    }
                    case BatchNorm2d bn -> {
                        assertAll(name + ".weight", bn.parameter("weight"), 1);
                        assertAll(name + ".bias", bn.parameter("bias"), 0);
                        assertAll(name + ".running_mean", bn.buffer("running_mean"), 0);
                        assertAll(name + ".running_var", bn.buffer("running_var"), 1);
                        assertEquals(0, bn.buffer("num_batches_tracked").item());
                    }
                    default -> { }
                }
            }
            assertEquals(1 + 16 + 3, convs, "conv1, two per block, three downsamples");
            // fan_out, not fan_in: conv1 (3 -> 32, 3×3) has fan_in 27 and fan_out 288
            assertTrue(Stats.of(m.parameter("conv1.weight")).std() < 0.5 * Math.sqrt(2.0 / 27));
            double bound = 1 / Math.sqrt(c.featureDim());
            Stats fc = Stats.of(m.parameter("fc.weight"));
            assertTrue(fc.maxAbs() <= bound && fc.std() > 0.8 * bound / Math.sqrt(3), "fc weight: U(±1/√in), got " + fc);
            assertTrue(Stats.of(m.parameter("fc.bias")).maxAbs() <= bound);
        }
    }

    @Test
    void vitFollowsTimm() {
        ViTConfig c = ViTConfig.tiny(32, 4, 10);
        try (VisionTransformer m = new VisionTransformer(c, new Generator(12))) {
            int linears = 0;
            for (var e : m.namedModules().entrySet()) {
                String name = e.getKey();
                switch (e.getValue()) {
                    case Linear linear -> {
                        linears++;
                        Stats w = Stats.of(linear.parameter("weight"));
                        w.assertNormal(name + ".weight", 0.02);
                        assertTrue(w.maxAbs() <= 2, name + ": within the trunc-normal bounds ±2");
                        assertTrue(w.maxAbs() < 6 * 0.02 && w.maxAbs() > 3 * 0.02, name + ": a normal sample of std .02, max " + w.maxAbs());
                        assertAll(name + ".bias", linear.parameter("bias"), 0);
                    }
                    case LayerNorm ln -> {
                        assertAll(name + ".weight", ln.parameter("weight"), 1);
                        assertAll(name + ".bias", ln.parameter("bias"), 0);
                    }
                    default -> { }
                }
            }
            assertEquals(4 * c.depth() + 1, linears, "qkv, proj, fc1, fc2 per block and the head");
            Stats.of(m.parameter("pos_embed")).assertNormal("pos_embed", 0.02);
            Stats cls = Stats.of(m.parameter("cls_token"));
            cls.assertNormal("cls_token", 1e-6);
            assertTrue(cls.maxAbs() < 1e-5, "cls_token is tiny: " + cls);
            // patch_embed.proj keeps PyTorch's Conv2d default: U(±1/√fan_in) weight (std bound/√3) and bias
            Tensor w = m.parameter("patch_embed.proj.weight");
            double bound = 1 / Math.sqrt(Init.fans(w).fanIn());
            Stats pw = Stats.of(w);
            assertTrue(pw.maxAbs() <= bound, "patch_embed weight within ±1/√fan_in");
            assertTrue(Math.abs(pw.std() / (bound / Math.sqrt(3)) - 1) < 5 / Math.sqrt(pw.n()), "patch_embed weight uniform: " + pw);
            Stats pb = Stats.of(m.parameter("patch_embed.proj.bias"));
            assertTrue(pb.maxAbs() <= bound && pb.std() > 0.3 * bound, "patch_embed bias U(±1/√fan_in): " + pb);
        }
    }

    @Test
    void aSeedReproducesTheModel() {
        for (ModelConfig c : new ModelConfig[] {ResNetConfig.resnet18(10).withWidth(4), ViTConfig.of(16, 4, 10, 16, 2, 2)}) {
            try (Module a = Models.create(c, new Generator(5)); Module b = Models.create(c, new Generator(5));
                 Module other = Models.create(c, new Generator(6))) {
                boolean anyDifferent = false;
                for (var e : a.stateDict().entrySet()) {
                    double[] va = e.getValue().toDoubleArray();
                    assertTrue(Arrays.equals(va, b.stateDict().get(e.getKey()).toDoubleArray()), e.getKey() + " reproduces");
                    anyDifferent |= !Arrays.equals(va, other.stateDict().get(e.getKey()).toDoubleArray());
                }
                assertTrue(anyDifferent, "another seed gives other weights");
                assertFalse(Arrays.equals(a.parameters().getFirst().toDoubleArray(), other.parameters().getFirst().toDoubleArray()));
            }
        }
    }
}
