// torch.nn.init equivalents: fans and gains exactly, and the distributions statistically on large tensors with
// explicit tolerances (each about 5 standard errors of the statistic), on every available backend.
package ai.lethe.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class InitTest {
    static List<Device> devices() { return TestBackends.devices(); }

    /** Sample mean, standard deviation, min and max. */
    record Stats(double mean, double std, double min, double max, long n) {
        static Stats of(Tensor t) {
            double[] v = t.toDoubleArray();
            double s = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (double x : v) {
                s += x;
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
            double mean = s / v.length, ss = 0;
            for (double x : v) ss += (x - mean) * (x - mean);
            return new Stats(mean, Math.sqrt(ss / (v.length - 1)), min, max, v.length);
        }

        /** Checks mean within 5 standard errors and std within relTol of the expected values. */
        void assertMoments(String what, double expMean, double expStd, double relTol) {
            double meanTol = 5 * expStd / Math.sqrt(n);
            assertEquals(expMean, mean, meanTol, what + ": mean");
            assertEquals(expStd, std, relTol * expStd, what + ": std");
        }
    }

    @Test void fansAndGains() {
        try (Scope _ = Scope.open()) {
            assertEquals(new Init.Fans(32 * 9, 64 * 9), Init.fans(Tensor.zeros(Shape.of(64, 32, 3, 3))));
            assertEquals(new Init.Fans(7, 5), Init.fans(Tensor.zeros(Shape.of(5, 7))));
            var e = assertThrows(IllegalArgumentException.class, () -> Init.fans(Tensor.zeros(Shape.of(5))));
            assertTrue(e.getMessage().contains("fewer than 2 dimensions"), e.getMessage());
        }
        assertEquals(1.0, Nonlinearity.LINEAR.gain(), 0);
        assertEquals(1.0, Nonlinearity.CONV2D.gain(), 0);
        assertEquals(1.0, Nonlinearity.SIGMOID.gain(), 0);
        assertEquals(Math.sqrt(2), Nonlinearity.RELU.gain(), 1e-15);
        assertEquals(5.0 / 3, Nonlinearity.TANH.gain(), 1e-15);
        assertEquals(0.75, Nonlinearity.SELU.gain(), 1e-15);
        assertEquals(Math.sqrt(2 / (1 + 0.01 * 0.01)), Nonlinearity.LEAKY_RELU.gain(), 1e-15);
        assertEquals(Math.sqrt(2 / (1 + 0.2 * 0.2)), Init.gain(Nonlinearity.LEAKY_RELU, 0.2), 1e-15);
        assertEquals(Math.sqrt(1.0 / 3), Nonlinearity.LEAKY_RELU.gain(Math.sqrt(5)), 1e-15);
    }

    @ParameterizedTest @MethodSource("devices")
    void kaimingNormalHasStdGainOverSqrtFan(Device d) {
        try (Scope _ = Scope.open()) {
            Tensor w = Init.kaimingNormal(Tensor.zeros(Shape.of(256, 512), d), FanMode.FAN_IN, Nonlinearity.RELU, new Generator(1));
            Stats.of(w).assertMoments("kaiming normal fan_in relu", 0, Math.sqrt(2) / Math.sqrt(512), 0.02);
            Tensor c = Init.kaimingNormal(Tensor.zeros(Shape.of(64, 32, 3, 3), d), FanMode.FAN_OUT, Nonlinearity.RELU, new Generator(2));
            Stats.of(c).assertMoments("kaiming normal fan_out relu", 0, Math.sqrt(2) / Math.sqrt(64 * 9), 0.03);
            Tensor l = Init.kaimingNormal(Tensor.zeros(Shape.of(200, 300), d), 0.2, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, new Generator(3));
            Stats.of(l).assertMoments("kaiming normal leaky_relu(0.2)", 0, Math.sqrt(2 / 1.04) / Math.sqrt(300), 0.025);
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void kaimingUniformIsBoundedByGainTimesSqrtThreeOverFan(Device d) {
        try (Scope _ = Scope.open()) {
            Tensor w = Init.kaimingUniform(Tensor.zeros(Shape.of(300, 400), d), 0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, new Generator(4));
            double bound = Math.sqrt(2) * Math.sqrt(3.0 / 400);
            assertUniform("kaiming uniform", Stats.of(w), bound);
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void xavierBoundsAndStd(Device d) {
        try (Scope _ = Scope.open()) {
            Tensor u = Init.xavierUniform(Tensor.zeros(Shape.of(300, 200), d), 1.0, new Generator(5));
            assertUniform("xavier uniform", Stats.of(u), Math.sqrt(6.0 / 500));
            Tensor n = Init.xavierNormal(Tensor.zeros(Shape.of(300, 200), d), 2.0, new Generator(6));
            Stats.of(n).assertMoments("xavier normal gain 2", 0, 2 * Math.sqrt(2.0 / 500), 0.02);
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void truncNormalStaysInBoundsWithTruncatedMoments(Device d) {
        try (Scope _ = Scope.open()) {
            double[][] configs = {{0.5, 1, -1, 2}, {0, 1, 0, 1}, {0, 0.02, -2, 2}, {1, 2, -3, 1}};
            long seed = 10;
            for (double[] c : configs) {
                double mean = c[0], std = c[1], a = c[2], b = c[3];
                Tensor t = Init.truncNormal(Tensor.zeros(Shape.of(400, 500), d), mean, std, a, b, new Generator(seed++));
                Stats st = Stats.of(t);
                String what = "truncNormal(" + mean + ", " + std + ", [" + a + ", " + b + "])";
                assertTrue(st.min() >= a && st.max() <= b, what + ": values in [" + st.min() + ", " + st.max() + "]");
                double[] m = truncatedMoments(mean, std, a, b);
                st.assertMoments(what, m[0], m[1], 0.015);
            }
        }
    }

    /** Mean and std of Normal(mean, std) restricted to [a, b], by Simpson integration of the density. */
    static double[] truncatedMoments(double mean, double std, double a, double b) {
        int n = 200_000;
        double h = (b - a) / n, z = 0, m1 = 0, m2 = 0;
        for (int i = 0; i <= n; i++) {
            double x = a + i * h, w = (i == 0 || i == n) ? 1 : (i % 2 == 1 ? 4 : 2);
            double p = w * Math.exp(-0.5 * ((x - mean) / std) * ((x - mean) / std));
            z += p;
            m1 += p * x;
            m2 += p * x * x;
        }
        double mu = m1 / z;
        return new double[] {mu, Math.sqrt(m2 / z - mu * mu)};
    }

    @ParameterizedTest @MethodSource("devices")
    void defaultLinearAndConvInitIsUniformOneOverSqrtFanIn(Device d) {
        try (Scope _ = Scope.open(); Linear lin = new Linear(400, 300, true, new Generator(20));
             Conv2d conv = new Conv2d(16, 32, new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, true, new Generator(21))) {
            lin.to(d);
            conv.to(d);
            assertUniform("Linear weight", Stats.of(lin.parameter("weight")), 1 / Math.sqrt(400));
            Stats bias = Stats.of(lin.parameter("bias"));
            assertTrue(bias.min() >= -0.05 && bias.max() < 0.05, "Linear bias within ±1/√400: " + bias);
            assertUniform("Conv2d weight", Stats.of(conv.parameter("weight")), 1 / Math.sqrt(144));
            Stats cb = Stats.of(conv.parameter("bias"));
            assertTrue(cb.min() >= -1 / 12.0 && cb.max() < 1 / 12.0, "Conv2d bias within ±1/√144: " + cb);
        }
    }

    private static void assertUniform(String what, Stats st, double bound) {
        assertTrue(st.min() >= -bound && st.max() <= bound, what + ": values [" + st.min() + ", " + st.max() + "] outside ±" + bound);
        assertTrue(st.max() > 0.99 * bound && st.min() < -0.99 * bound, what + ": values do not reach ±" + bound + ": " + st);
        st.assertMoments(what, 0, bound / Math.sqrt(3), 0.02);
    }

    @Test void initWritesInPlaceDeterministicallyUnderNoGrad() {
        try (Scope _ = Scope.open()) {
            Tensor p = Tensor.zeros(Shape.of(8, 6)).setRequiresGrad(true);
            int version = p.version();
            assertSame(p, Init.kaimingUniform(p, Math.sqrt(5), FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, new Generator(42)));
            assertNotEquals(version, p.version());
            assertTrue(p.requiresGrad() && p.isLeaf() && GradMode.isEnabled());
            Tensor q = Tensor.zeros(Shape.of(8, 6));
            Init.kaimingUniform(q, Math.sqrt(5), FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, new Generator(42));
            assertArrayEquals(p.toFloatArray(), q.toFloatArray());
            Init.kaimingUniform(q, Math.sqrt(5), FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, new Generator(43));
            assertFalse(java.util.Arrays.equals(p.toFloatArray(), q.toFloatArray()));
        }
    }

    @Test void fillsAndPlainDistributions() {
        try (Scope _ = Scope.open()) {
            Tensor t = Tensor.empty(3, 4);
            assertArrayEquals(new float[12], Init.zeros(t).toFloatArray());
            float[] ones = new float[12];
            java.util.Arrays.fill(ones, 1);
            assertArrayEquals(ones, Init.ones(t).toFloatArray());
            java.util.Arrays.fill(ones, 2.5f);
            assertArrayEquals(ones, Init.constant(t, 2.5).toFloatArray());
            Stats u = Stats.of(Init.uniform(Tensor.empty(400, 400), -3, 5, new Generator(8)));
            assertTrue(u.min() >= -3 && u.max() < 5);
            u.assertMoments("uniform(-3, 5)", 1, 8 / Math.sqrt(12), 0.02);
            Stats.of(Init.normal(Tensor.empty(400, 400), 2, 0.5, new Generator(9))).assertMoments("normal(2, 0.5)", 2, 0.5, 0.02);
            assertThrows(IllegalArgumentException.class, () -> Init.truncNormal(Tensor.empty(3), 0, 1, 2, -2));
            assertThrows(IllegalArgumentException.class, () -> Init.kaimingNormal(Tensor.empty(3), FanMode.FAN_IN, Nonlinearity.RELU));
        }
    }
}
