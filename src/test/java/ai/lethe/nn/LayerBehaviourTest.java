// Mode-dependent behaviour of layers on every available backend: BatchNorm's running statistics and counter
// in training versus evaluation, Dropout's mask statistics and evaluation identity, input validation.
package ai.lethe.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LayerBehaviourTest {
    static List<Device> devices() { return TestBackends.devices(); }

    @ParameterizedTest @MethodSource("devices")
    void batchNormUpdatesRunningStatsOnlyInTraining(Device d) {
        try (BatchNorm2d bn = new BatchNorm2d(2); Scope _ = Scope.open()) {
            bn.to(d);
            Tensor x = Tensor.randn(Shape.of(4, 2, 3, 3), new Generator(1), d).mul(2).add(3);
            bn.forward(x);
            bn.forward(x);
            assertEquals(2, bn.buffer("num_batches_tracked").item());
            // after two updates with momentum 0.1: rm = (1 - 0.9²)·batch mean
            double[] mean = x.mean(new int[] {0, 2, 3}, false).toDoubleArray();
            double[] rm = bn.buffer("running_mean").toDoubleArray();
            for (int c = 0; c < 2; c++) assertEquals((1 - 0.81) * mean[c], rm[c], 1e-5);
            bn.eval();
            float[] rmBefore = bn.buffer("running_mean").toFloatArray(), rvBefore = bn.buffer("running_var").toFloatArray();
            float[] y1 = bn.forward(x).toFloatArray(), y2 = bn.forward(x).toFloatArray();
            assertArrayEquals(y1, y2);
            assertArrayEquals(rmBefore, bn.buffer("running_mean").toFloatArray());
            assertArrayEquals(rvBefore, bn.buffer("running_var").toFloatArray());
            assertEquals(2, bn.buffer("num_batches_tracked").item());
            // eval normalises with the running statistics: (x − rm)/√(rv + eps)
            double expected0 = (x.toDoubleArray()[0] - rmBefore[0]) / Math.sqrt(rvBefore[0] + 1e-5);
            assertEquals(expected0, y1[0], 1e-4);
        }
    }

    @Test void batchNormRejectsWrongRanks() {
        try (BatchNorm2d bn2 = new BatchNorm2d(3); BatchNorm1d bn1 = new BatchNorm1d(3); Scope _ = Scope.open()) {
            var e = assertThrows(IllegalArgumentException.class, () -> bn2.forward(Tensor.zeros(Shape.of(2, 3))));
            assertTrue(e.getMessage().contains("BatchNorm2d"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> bn1.forward(Tensor.zeros(Shape.of(2, 3, 4, 4))));
            assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(3, BatchNorm.Options.DEFAULT.withEps(0)));
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void dropoutZeroesAboutPAndScalesTheRestInTrainingOnly(Device d) {
        try (Dropout drop = new Dropout(0.3, new Generator(17)); Scope _ = Scope.open()) {
            Tensor x = Tensor.ones(Shape.of(200, 100), d);
            float[] y = drop.forward(x).toFloatArray();
            int zeros = 0;
            for (float v : y) {
                if (v == 0) zeros++;
                else assertEquals(1 / 0.7, v, 1e-6);
            }
            double frac = zeros / (double) y.length, se = Math.sqrt(0.3 * 0.7 / y.length);
            assertEquals(0.3, frac, 5 * se, "fraction of dropped elements");
            assertFalse(java.util.Arrays.equals(y, drop.forward(x).toFloatArray()), "each call draws a new mask");
            drop.eval();
            assertSame(x, drop.forward(x));
        }
    }

    @Test void dropoutWithTheSameSeedGivesTheSameMask() {
        try (Dropout a = new Dropout(0.5, new Generator(3)); Dropout b = new Dropout(0.5, new Generator(3)); Scope _ = Scope.open()) {
            Tensor x = Tensor.ones(Shape.of(10, 10));
            assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray());
        }
    }

    @Test void attentionRejectsBadShapes() {
        assertThrows(IllegalArgumentException.class, () -> new MultiheadSelfAttention(10, 3));
        try (var attn = new MultiheadSelfAttention(8, 2); Scope _ = Scope.open()) {
            assertThrows(IllegalArgumentException.class, () -> attn.forward(Tensor.zeros(Shape.of(2, 8))));
            assertThrows(IllegalArgumentException.class, () -> attn.forward(Tensor.zeros(Shape.of(1, 2, 6))));
            assertEquals(Shape.of(1, 2, 8), attn.forward(Tensor.zeros(Shape.of(1, 2, 8))).shape());
        }
    }

    /** With attention dropout active the manual path runs; with p = 0 it must agree with the fused one. */
    @Test void attentionDropoutPathMatchesWhenNothingIsDropped() {
        try (var fused = new MultiheadSelfAttention(8, 2, true, 0, 0, new Generator(4));
             var manual = new MultiheadSelfAttention(8, 2, true, 1e-12, 0, new Generator(4)); Scope _ = Scope.open()) {
            Tensor x = Tensor.randn(Shape.of(2, 3, 8), new Generator(9));
            float[] a = fused.forward(x).toFloatArray(), b = manual.forward(x).toFloatArray();
            Close.assertClose("attention paths", toDouble(a), toDouble(b), 1e-5, 1e-6);
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    @Test void vitForwardRuns() {
        try (var vit = new TestModels.TinyViT(); Scope _ = Scope.open()) {
            Tensor logits = vit.forward(Tensor.randn(Shape.of(2, 3, 8, 8), new Generator(2)));
            assertEquals(Shape.of(2, 10), logits.shape());
            logits.sum().backward();
            assertTrue(vit.parameter("cls_token").grad() != null && vit.parameter("blocks.1.mlp.fc2.weight").grad() != null);
        }
    }
}
