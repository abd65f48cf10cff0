// Prune-then-unlearn: the optimizers of the training-based methods carry the model's pruning masks, so a
// pruned model stays pruned (its pruned weights exactly 0) after SGD (ft, l1-sparse), Adam (amnesiac) and a
// retrain that re-initialises the weights, while its unpruned weights do change. Tiny ResNet on tiny data.
package ai.lethe.unlearn.train;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.nn.Masks;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.train.TrainConfig;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearners;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MaskedUnlearningTest {
    static final ResNetConfig CONFIG = new ResNetConfig(1, 2, 4, ResNetConfig.Stem.CIFAR, List.of(1, 1, 1, 1));

    @Test void prunedWeightsStayZeroThroughEveryOptimizer() {
        TrainingMethods.registerAll();
        Device device = Backends.defaultDevice();
        TrainConfig recipe = TrainConfig.unlearnSparse(1).toBuilder().batchSize(8).augment(false).workers(0).build();
        var ctx = new UnlearnContext(TinyData.dataset(8), TinyData.dataset(24), 2, null, null, device, 3, 0, Optional.empty(),
                recipe, List.of());
        for (String method : List.of("ft", "l1-sparse", "amnesiac", "retrain")) {
            try (Scope _ = Scope.open(); ImageModel model = Models.create(CONFIG, new Generator(5)).to(device)) {
                Tensor w = model.parameter("layer1.0.conv1.weight");
                float[] before = w.toFloatArray(), maskValues = new float[before.length];
                for (int i = 0; i < maskValues.length; i++) maskValues[i] = i % 3 == 0 ? 0 : 1;
                Masks.set(model, "layer1.0.conv1.weight", Tensor.fromArray(maskValues, device, w.shape().dims()));
                Unlearners.create(method, Map.of("epochs", "2", "batch-size", "8")).run(model, ctx);
                assertFalse(model.isTraining(), method + " leaves the model in eval mode");
                float[] after = model.parameter("layer1.0.conv1.weight").toFloatArray();
                int changed = 0;
                for (int i = 0; i < after.length; i++) {
                    if (maskValues[i] == 0) assertEquals(0f, after[i], method + ": pruned weight " + i + " is " + after[i]);
                    else if (after[i] != before[i]) changed++;
                }
                assertTrue(changed > after.length / 2, method + " changed only " + changed + " unpruned weights");
                assertEquals(1.0 / 3, Masks.sparsity(model), 0.01, method + " keeps the mask");
            }
        }
    }
}
