// Unlearning.ssdDampen (selection and dampening values: iF == 0, iD == 0, ratios capped at 1, λ = 0; the map
// form and its list of every mismatch; argument errors; in place with a version bump, under no-grad, on
// parameters that require grad; strided θ) and Unlearning.addGaussianNoise (the same values as randn-then-add
// from the same generator state, and the generator advanced the same). On every available device.
package ai.lethe.kernels;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class UnlearningTest {
    static List<Device> devices() { return TestBackends.devices(); }

    private static Tensor t(Device d, float... v) { return Tensor.fromArray(v, d, v.length); }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void ssdSelectsAndDampensAsDefined(Device device) {
        try (var _ = Scope.open()) {
            //                 selected, ratio 0.5 | not selected | iF == 0 | iD == 0 (zeroed) | ratio > 1 capped | NaN iF | tie (not >)
            Tensor theta = t(device, 2, 3, 4, 5, 6, 7, 8).setRequiresGrad(true);
            Tensor iD = t(device, 1, 1, 0, 0, 1, 1, 1);
            Tensor iF = t(device, 20, 5, 0, 3, 20, Float.NaN, 10);
            int version = theta.version();
            Unlearning.ssdDampen(theta, iD, iF, 10, 10);   // selected where iF > 10·iD
            // element 0: 20 > 10 → min(10·1/20, 1) = 0.5; element 4: 20 > 10 → min(0.5, 1)·… with λ=10: 0.5
            assertArrayEquals(new float[] {1, 3, 4, 0, 3, 7, 8}, theta.toFloatArray(), 0f);
            assertTrue(theta.version() > version, "version bumped");
            assertTrue(theta.requiresGrad());

            Tensor capped = t(device, 2, 2);
            Unlearning.ssdDampen(capped, t(device, 1, 1), t(device, 3, 30), 2, 10);   // ratios 10/3 → 1 and 1/3
            assertArrayEquals(new float[] {2, 2f / 3}, capped.toFloatArray(), 1e-7f);

            Tensor zeroLambda = t(device, 2, -2, 5);
            Unlearning.ssdDampen(zeroLambda, t(device, 1, 1, 1), t(device, 11, 11, 9), 10, 0);
            assertArrayEquals(new float[] {0, 0, 5}, zeroLambda.toFloatArray(), 0f);
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void ssdOnAStridedParameterWritesThroughTheView(Device device) {
        try (var _ = Scope.open()) {
            Tensor base = Tensor.fromArray(new float[] {1, 2, 3, 4, 5, 6}, device, 2, 3);
            Tensor view = base.t();   // [3, 2], not contiguous
            Tensor iD = Tensor.ones(Shape.of(3, 2), device), iF = Tensor.full(Shape.of(3, 2), 4, device);
            Unlearning.ssdDampen(view, iD, iF, 1, 2);   // every element selected, ratio 0.5
            assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2, 2.5f, 3}, base.toFloatArray(), 0f);
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void ssdRejectsBadConstantsAndShapes(Device device) {
        try (var _ = Scope.open()) {
            Tensor theta = Tensor.ones(Shape.of(2, 3), device), ok = Tensor.ones(Shape.of(2, 3), device);
            for (double alpha : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
                var e = assertThrows(IllegalArgumentException.class, () -> Unlearning.ssdDampen(theta, ok, ok, alpha, 1));
                assertTrue(e.getMessage().startsWith("ssdDampen: alpha must be"), e.getMessage());
            }
            for (double lambda : new double[] {-0.5, Double.NaN}) {
                var e = assertThrows(IllegalArgumentException.class, () -> Unlearning.ssdDampen(theta, ok, ok, 10, lambda));
                assertTrue(e.getMessage().startsWith("ssdDampen: lambda must be"), e.getMessage());
            }
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Unlearning.ssdDampen(theta, ok, Tensor.ones(Shape.of(3, 2), device), 10, 1));
            assertEquals("ssdDampen: importanceF has shape [3, 2] but theta has shape [2, 3]; they must match", e.getMessage());
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, theta.toFloatArray(), 0f, "nothing changed");
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void ssdOverMapsAppliesByNameAndListsEveryMismatch(Device device) {
        try (var _ = Scope.open()) {
            Map<String, Tensor> params = new LinkedHashMap<>(), iD = new LinkedHashMap<>(), iF = new LinkedHashMap<>();
            params.put("conv.weight", t(device, 1, 2, 3));
            params.put("fc.bias", t(device, 4, 5));
            iD.put("conv.weight", t(device, 1, 1, 1));
            iD.put("fc.bias", t(device, 1, 1));
            iF.put("conv.weight", t(device, 20, 1, 40));
            iF.put("fc.bias", t(device, 0, 100));
            Unlearning.ssdDampen(params, iD, iF, 10, 1);
            assertArrayEquals(new float[] {0.05f, 2, 0.075f}, params.get("conv.weight").toFloatArray(), 1e-7f);
            assertArrayEquals(new float[] {4, 0.05f}, params.get("fc.bias").toFloatArray(), 1e-7f);

            Map<String, Tensor> badD = new LinkedHashMap<>(iD), badF = new LinkedHashMap<>(iF);
            badD.remove("fc.bias");
            badD.put("conv.weight", t(device, 1, 1));
            badD.put("extra", t(device, 1));
            badF.put("fc.bias", t(device, 1, 2, 3));
            var e = assertThrows(IllegalArgumentException.class, () -> Unlearning.ssdDampen(params, badD, badF, 10, 1));
            String m = e.getMessage();
            assertTrue(m.startsWith("ssdDampen: the importances do not match the parameters (4 problems):"), m);
            assertTrue(m.contains("'conv.weight': importanceD has shape [2], the parameter [3]"), m);
            assertTrue(m.contains("'fc.bias': missing from importanceD"), m);
            assertTrue(m.contains("'fc.bias': importanceF has shape [3], the parameter [2]"), m);
            assertTrue(m.contains("'extra': in importanceD but not a parameter"), m);
            assertArrayEquals(new float[] {4, 0.05f}, params.get("fc.bias").toFloatArray(), 1e-7f, "nothing changed");
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void gaussianNoiseEqualsRandnThenAdd(Device device) {
        try (var _ = Scope.open()) {
            Shape shape = Shape.of(37, 29);
            Tensor theta = Tensor.randn(shape, new Generator(3), device);
            Tensor std = Tensor.uniform(shape, 0, 0.2, new Generator(4), ai.lethe.core.DType.FLOAT32, device);
            Generator a = new Generator(99), b = new Generator(99);
            a.reserve(ai.lethe.backend.RandomKind.UNIFORM, 10);   // some earlier draw
            b.reserve(ai.lethe.backend.RandomKind.UNIFORM, 10);

            Tensor expected = theta.add(std.mul(Tensor.randn(shape, a, device)));
            Tensor actual = theta.contiguousCopy();
            Unlearning.addGaussianNoise(actual, std, b);
            assertEquals(a.counter(), b.counter(), "the same blocks reserved");
            float[] e = expected.toFloatArray(), g = actual.toFloatArray(), th = theta.toFloatArray();
            for (int i = 0; i < e.length; i++)   // randn-then-add also rounds std·z: one ulp of it, one of the sum
                assertEquals(e[i], g[i], Math.ulp(e[i]) + Math.ulp(Math.abs(e[i] - th[i])), "element " + i);

            // std 1: std·z is exact, so both round once: the same bits
            Tensor ones = Tensor.ones(shape, device);
            Generator c = new Generator(7), d = new Generator(7);
            Tensor exact = theta.add(Tensor.randn(shape, c, device));
            Tensor fused = theta.contiguousCopy();
            Unlearning.addGaussianNoise(fused, ones, d);
            assertArrayEquals(exact.toFloatArray(), fused.toFloatArray(), 0f);

            // a broadcast std (one per row) equals the expanded one
            Tensor rowStd = Tensor.uniform(Shape.of(37, 1), 0, 1, new Generator(5), ai.lethe.core.DType.FLOAT32, device);
            Tensor x1 = theta.contiguousCopy(), x2 = theta.contiguousCopy();
            Unlearning.addGaussianNoise(x1, rowStd, new Generator(11));
            Unlearning.addGaussianNoise(x2, rowStd.expand(37, 29).contiguousCopy(), new Generator(11));
            assertArrayEquals(x2.toFloatArray(), x1.toFloatArray(), 0f);

            var err = assertThrows(IllegalArgumentException.class,
                    () -> Unlearning.addGaussianNoise(theta, Tensor.ones(Shape.of(29, 37), device), new Generator(1)));
            assertTrue(err.getMessage().contains("[29, 37]") && err.getMessage().contains("[37, 29]"), err.getMessage());
        }
    }
}
