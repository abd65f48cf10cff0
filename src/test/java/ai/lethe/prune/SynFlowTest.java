// SynFlow: round-1 scores equal PyTorch's (tools/reference/synflow_fixture.py: the reference's linearise /
// all-ones forward in eval mode / |∂R/∂θ ⊙ θ| pass, run in float64) in both precisions, the model is left as it
// was, pruning reaches exactly round(s · total) pruned conv entries, and a net whose R overflows float32 is scored
// in float64 (AUTO) instead of giving inf.
package ai.lethe.prune;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.ImageShape;
import ai.lethe.io.Safetensors;
import ai.lethe.io.SafetensorsFile;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.nn.Masks;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SynFlowTest {
    static final Path FIXTURE = Path.of("src/test/resources/prune/synflow_resnet.safetensors");
    static final ImageShape INPUT = new ImageShape(3, 8, 8);

    @Test void roundOneScoresEqualPyTorch() throws Exception {
        try (SafetensorsFile f = Safetensors.open(FIXTURE); var _ = Scope.open()) {
            ModelConfig config = ModelConfig.fromJson(f.metadata().get("config"));
            Device device = ai.lethe.backend.Backends.defaultDevice();
            try (ImageModel m = Models.create(config, new Generator(0)).to(device)) {
                Map<String, Tensor> state = new LinkedHashMap<>();
                for (String n : f.names()) if (n.startsWith("state.")) state.put(n.substring(6), f.tensor(n, device));
                m.loadStateDict(state, true);
                Map<String, float[]> before = new LinkedHashMap<>();
                m.stateDict().forEach((k, v) -> before.put(k, v.toFloatArray()));
                m.train();
                // float32: all activations are sums of products of non-negative numbers except where BN subtracts |μ|,
                // so float32 rounding (6e-8 per op, ~20 layers) stays far below 1e-5 of the tensor's largest score.
                // float64: the same computation in double; only summation order differs from PyTorch's.
                for (var p : new SynFlow.Precision[] {SynFlow.Precision.FLOAT32, SynFlow.Precision.FLOAT64}) {
                    Map<String, Tensor> scores = SynFlow.scores(m, INPUT, p);
                    assertEquals(Prunable.names(m), scores.keySet().stream().toList());
                    double worst = 0;
                    for (var e : scores.entrySet()) {
                        double[] expected = f.tensor("score." + e.getKey(), Device.REF).toDoubleArray();
                        double[] actual = e.getValue().toDoubleArray();
                        double max = Arrays.stream(expected).max().orElseThrow(), err = 0;
                        for (int i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(actual[i] - expected[i]));
                        worst = Math.max(worst, err / max);
                    }
                    assertTrue(worst <= (p == SynFlow.Precision.FLOAT32 ? 1e-5 : 1e-12), p + ": relative error " + worst);
                    System.out.printf("SynFlow %s: worst relative error %.3g%n", p, worst);
                }
                assertTrue(m.isTraining(), "the mode is restored");
                m.stateDict().forEach((k, v) -> assertArrayEquals(before.get(k), v.toFloatArray(), k + " is restored"));
                for (Tensor p : m.parameters()) assertNull(p.grad(), "gradients are cleared");
            }
        }
    }

    @Test void pruningReachesTheExactSparsity() {
        try (var _ = Scope.open(); ImageModel m = GlobalPruningTest.tiny(5)) {
            long total = Prunable.count(m);
            SynFlow.prune(m, INPUT, 0.9, 10, SynFlow.Precision.AUTO);
            assertEquals(Math.round(0.9 * total), GlobalPruningTest.prunedEntries(Masks.of(m)));
            assertEquals(Prunable.names(m), Masks.of(m).keySet().stream().toList());
            // SynFlow differs from magnitude pruning: its masks are not the |w| ones
            try (ImageModel byMagnitude = GlobalPruningTest.tiny(5)) {
                GlobalPruning.magnitude(byMagnitude, 0.9);
                boolean differ = false;
                for (var e : Masks.of(m).entrySet())
                    differ |= !Arrays.equals(e.getValue().toFloatArray(), Masks.of(byMagnitude).get(e.getKey()).toFloatArray());
                assertTrue(differ);
            }
        }
    }

    @Test void float32OverflowFallsBackToFloat64() {
        try (var _ = Scope.open(); ImageModel m = GlobalPruningTest.tiny(6)) {
            // 20 convs scaled by 1e4 each multiply R by ~1e80: beyond float32 (3.4e38), well inside float64 (1.8e308)
            try (var _ = GradMode.noGrad()) {
                for (String n : Prunable.names(m)) m.parameter(n).mulInPlace(1e4);
            }
            var e = assertThrows(ArithmeticException.class, () -> SynFlow.scores(m, INPUT, SynFlow.Precision.FLOAT32));
            assertTrue(e.getMessage().contains("overflow"), e.getMessage());
            Map<String, Tensor> scores = SynFlow.scores(m, INPUT, SynFlow.Precision.AUTO);
            for (Tensor s : scores.values()) {
                assertEquals(ai.lethe.core.DType.FLOAT64, s.dtype());
                assertTrue(Double.isFinite(s.max().item()) && s.max().item() > 1e38, "float64 scores: " + s.max().item());
            }
            long total = Prunable.count(m);
            SynFlow.prune(m, INPUT, 0.5, 3, SynFlow.Precision.AUTO);
            assertEquals(Math.round(0.5 * total), GlobalPruningTest.prunedEntries(Masks.of(m)));
        }
    }

    @Test void badInputIsRefused() {
        try (var _ = Scope.open(); ImageModel m = GlobalPruningTest.tiny(7)) {
            var e = assertThrows(IllegalArgumentException.class, () -> SynFlow.prune(m, INPUT, 1.0, 10, SynFlow.Precision.AUTO));
            assertTrue(e.getMessage().contains("sparsity"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SynFlow.prune(m, INPUT, 0.5, 0, SynFlow.Precision.AUTO));
            assertTrue(e.getMessage().contains("rounds"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SynFlow.scores(m, new ImageShape(1, 8, 8), SynFlow.Precision.AUTO));
            assertTrue(e.getMessage().contains("channels"), e.getMessage());
        }
    }
}
