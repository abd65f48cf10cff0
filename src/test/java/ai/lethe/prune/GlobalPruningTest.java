// Global magnitude pruning: exactly round(s · total) entries pruned, only conv weights masked (ResNet: stem,
// block convs, 1×1 shortcuts; ViT: the patch conv), the pruned entries are the smallest |w| (one global
// threshold), pruned entries stay pruned across iterative steps, the IMP schedule, and bad input.
package ai.lethe.prune;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.models.ViTConfig;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Masks;
import ai.lethe.nn.Sequential;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GlobalPruningTest {
    static final ResNetConfig TINY = new ResNetConfig(3, 5, 4, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS);

    static ImageModel tiny(long seed) { return Models.create(TINY, new Generator(seed)); }

    /** Pruned entries (mask 0) per tensor, counted on the host. */
    static long prunedEntries(Map<String, Tensor> masks) {
        long n = 0;
        for (Tensor m : masks.values()) for (float v : m.toFloatArray()) if (v == 0f) n++;
        return n;
    }

    @Test void magnitudePrunesExactlyTheSmallestConvWeights() {
        try (var _ = Scope.open(); ImageModel m = tiny(1)) {
            List<String> names = Prunable.names(m);
            // ResNet18: stem + 16 block convs + 3 shortcut convs
            assertEquals(20, names.size(), names.toString());
            assertTrue(names.contains("layer2.0.downsample.0.weight") && names.contains("conv1.weight"));
            long total = Prunable.count(m);
            for (double s : new double[] {0.0, 0.3, 0.95}) {
                Masks.clear(m);
                try (var fresh = tiny(1)) { m.loadStateDict(fresh.stateDict(), true); }
                GlobalPruning.magnitude(m, s);
                Map<String, Tensor> masks = Masks.of(m);
                assertEquals(Set.copyOf(names), masks.keySet(), "only conv weights are masked");
                assertEquals(Math.round(s * total), prunedEntries(masks), "pruned entries at s=" + s);
                double maxPruned = 0, minKept = Double.MAX_VALUE;
                try (var fresh = tiny(1)) {
                    Map<String, Tensor> original = fresh.namedParameters();
                    for (String n : names) {
                        float[] w = original.get(n).toFloatArray(), mask = masks.get(n).toFloatArray(), now = m.parameter(n).toFloatArray();
                        for (int i = 0; i < w.length; i++) {
                            if (mask[i] == 0f) {
                                maxPruned = Math.max(maxPruned, Math.abs(w[i]));
                                assertTrue(now[i] == 0f, n + "[" + i + "] is pruned, so exactly 0 (±0), got " + now[i]);
                            } else {
                                minKept = Math.min(minKept, Math.abs(w[i]));
                                assertEquals(w[i], now[i], n + "[" + i + "] is kept, so unchanged");
                            }
                        }
                    }
                }
                // one global threshold: no kept weight is smaller than a pruned one
                assertTrue(maxPruned <= minKept, "s=" + s + ": largest pruned |w| " + maxPruned + " > smallest kept " + minKept);
                assertEquals(s, Masks.sparsity(m), 0.5 / total, "Masks.sparsity is the pruned fraction");
            }
            assertFalse(m.namedBuffers().containsKey("fc.weight_mask"), "Linear is not pruned");
        }
    }

    @Test void iterativeStepsKeepPrunedEntriesPruned() {
        try (var _ = Scope.open(); ImageModel m = tiny(2)) {
            long total = Prunable.count(m);
            List<Double> schedule = ImpSchedule.sparsities(0.5, 0.2);
            float[][] previous = null;
            for (double s : schedule) {
                GlobalPruning.magnitude(m, s);
                Map<String, Tensor> masks = Masks.of(m);
                assertEquals(Math.round(s * total), prunedEntries(masks));
                float[][] now = masks.values().stream().map(Tensor::toFloatArray).toArray(float[][]::new);
                if (previous != null)
                    for (int t = 0; t < now.length; t++)
                        for (int i = 0; i < now[t].length; i++)
                            if (previous[t][i] == 0f) assertEquals(0f, now[t][i], "tensor " + t + " entry " + i + " came back");
                previous = now;
            }
            // the step refuses to un-prune
            var e = assertThrows(IllegalArgumentException.class, () -> GlobalPruning.magnitude(m, 0.1));
            assertTrue(e.getMessage().contains("already pruned"), e.getMessage());
        }
    }

    @Test void impScheduleRemovesTwentyPercentOfTheRemainingEachRound() {
        List<Double> s = ImpSchedule.sparsities(0.95, 0.2);
        assertEquals(14, s.size(), s.toString());   // 0.8^13 = 0.055 > 0.05 >= 0.8^14 = 0.044
        for (int r = 0; r < s.size() - 1; r++) assertEquals(1 - Math.pow(0.8, r + 1), s.get(r), 1e-12);
        assertEquals(0.95, s.getLast());
        assertEquals(List.of(0.2, 0.36), ImpSchedule.sparsities(0.36, 0.2).stream().map(v -> Math.round(v * 100) / 100.0).toList());
        assertEquals(2, ImpSchedule.sparsities(0.36, 0.2).size(), "1 − 0.8² reaches 0.36 within rounding: no extra round");
        assertEquals(List.of(0.0), ImpSchedule.sparsities(0, 0.2));
    }

    @Test void aVitPrunesItsPatchConvOnly() {
        try (var _ = Scope.open(); ImageModel vit = Models.create(ViTConfig.of(8, 4, 3, 16, 1, 2), new Generator(3))) {
            assertEquals(List.of("patch_embed.proj.weight"), Prunable.names(vit));
            GlobalPruning.magnitude(vit, 0.5);
            assertEquals(Set.of("patch_embed.proj.weight"), Masks.of(vit).keySet());
            assertEquals(Math.round(0.5 * 3 * 16 * 16), prunedEntries(Masks.of(vit)));
        }
    }

    @Test void badInputIsRefused() {
        try (var _ = Scope.open(); ImageModel m = tiny(4); var mlp = new Sequential(new Linear(3, 2, true))) {
            for (double s : new double[] {1.0, -0.1, Double.NaN}) {
                var e = assertThrows(IllegalArgumentException.class, () -> GlobalPruning.magnitude(m, s));
                assertTrue(e.getMessage().contains("sparsity") && e.getMessage().contains(String.valueOf(s)), e.getMessage());
            }
            var e = assertThrows(IllegalArgumentException.class, () -> GlobalPruning.magnitude(mlp, 0.5));
            assertTrue(e.getMessage().contains("no prunable tensor") && e.getMessage().contains("Sequential"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ImpSchedule.sparsities(0.5, 0));
            assertTrue(e.getMessage().contains("rate"), e.getMessage());
        }
    }
}
