// Every registered unlearning method runs through UnlearnJob on a small Vision Transformer and on a pruned
// ResNet (synthetic 12x12 data, one short epoch each): no method may crash on an architecture (LayerNorm, CLS token,
// position embedding, attention; masks), every metric of the result is a fraction in [0, 1] (NaN only where
// undefined: none here), every method changed its copy of the model while every parameter and buffer of the
// original stays bit-identical, and a pruned model stays exactly as sparse. Behaviour (how well each forgets) is tested on the real task
// (FashionForgetTask); this test is about coverage of architectures and prune-then-unlearn.
package ai.lethe.experiment;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.source.Datasets;
import ai.lethe.data.split.ForgetRequest;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.models.ViTConfig;
import ai.lethe.nn.Masks;
import ai.lethe.prune.GlobalPruning;
import ai.lethe.tensor.Generator;
import ai.lethe.testing.TestBackends;
import ai.lethe.train.TrainConfig;
import ai.lethe.unlearn.StateSnapshot;
import ai.lethe.unlearn.Unlearners;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EveryMethodEveryModelTest {
    /** Small settings per method so that each run takes a fraction of a second. */
    static final Map<String, Map<String, String>> QUICK = Map.ofEntries(
            Map.entry("ft", Map.of("epochs", "1")), Map.entry("ga", Map.of("epochs", "1")), Map.entry("rl", Map.of("epochs", "1")),
            Map.entry("l1-sparse", Map.of("epochs", "1")), Map.entry("amnesiac", Map.of("epochs", "1")),
            Map.entry("retrain", Map.of("epochs", "1")), Map.entry("iu", Map.of("m", "8")),
            Map.entry("ff", Map.of("fisher-samples", "16")), Map.entry("unsir", Map.of("noise-steps", "2", "samples-per-class", "8")),
            Map.entry("ssd", Map.of("alpha", "2")), Map.entry("lf-ssd", Map.of("alpha", "2")));

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"vit", "pruned-resnet"})
    void everyMethodRunsAndGivesFiniteMetrics(String arch) throws Exception {
        Device device = TestBackends.cpu();
        Pipeline pipeline = Pipeline.of(Datasets.load("synthetic:classes=4,train=96,test=32,channels=1,size=12,seed=7"), false, 0);
        TaskData task = TaskData.of(pipeline, 0, 0, 0, ForgetRequest.parse("class=1"), 0);
        ModelConfig config = arch.equals("vit") ? ViTConfig.of(12, 4, 4, 16, 2, 2).withInChannels(1)
                : new ResNetConfig(1, 4, 4, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS);
        TrainConfig recipe = TrainConfig.preset("ssd", 1).toBuilder().batchSize(32).warmupEpochs(0).augment(false).workers(0).build();
        JobSettings settings = new JobSettings(device, 0, 64, "confidence", Optional.empty(), recipe);
        try (ImageModel original = Models.create(config, new Generator(3)).to(device)) {
            if (arch.startsWith("pruned")) GlobalPruning.magnitude(original, 0.5);
            double sparsity = Masks.sparsity(original);
            StateSnapshot before = StateSnapshot.of(original);
            for (String method : Unlearners.names()) {
                try (UnlearnJob.Outcome o = UnlearnJob.run(original, task, Unlearners.create(method, QUICK.getOrDefault(method, Map.of())),
                        0, settings, List.of())) {
                    var m = o.metrics();
                    for (double v : new double[] {m.ua(), m.ra(), m.ta(), m.forgetTestAccuracy(), m.miaEfficacy(), m.ssdMia()})
                        assertTrue(v >= 0 && v <= 1, arch + " " + method + ": " + m);
                    assertTrue(before.changedParameterElements(o.model()) > 0, arch + " " + method + " changed nothing");
                    assertEquals(List.of(), before.differences(original), arch + " " + method + ": the original is never modified");
                    assertTrue(o.warnings().isEmpty(), arch + " " + method + ": " + o.warnings());
                    assertEquals(sparsity, o.sparsity(), 0, arch + " " + method + ": sparsity kept");
                    for (var e : Masks.of(o.model()).entrySet()) {
                        float[] w = o.model().namedParameters().get(e.getKey()).toFloatArray(), k = e.getValue().toFloatArray();
                        for (int i = 0; i < w.length; i++) if (k[i] == 0) assertEquals(0f, Math.abs(w[i]), arch + " " + method + " " + e.getKey());
                    }
                }
            }
        }
    }
}
