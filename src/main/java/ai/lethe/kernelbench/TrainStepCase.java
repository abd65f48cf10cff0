// The training-step case of `lethe bench`: one step of the model the settings name (ResNet18 of a small width by
// default) in training mode: forward, mean cross-entropy, zeroGrad, backward, then SGD (momentum 0.9, weight decay
// 5e-4) — what Trainer does per batch, without the data loader and without reading the loss back. Inputs are K
// batches of uniform random images with random labels; the model's weights and the optimizer's state are one set.
// Bytes and FLOPs are left out (not a single kernel); the rate is images/s.
package ai.lethe.kernelbench;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.nn.F;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

final class TrainStepCase {
    private TrainStepCase() {}

    static BenchCase create(BenchSettings s, Device device) {
        BenchSettings.TrainShape t = s.train();
        long imageBytes = 4L * t.batch() * t.channels() * t.imageSize() * t.imageSize();
        int k = KernelCases.buffers(s.rotate(), imageBytes);
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            Generator gen = new Generator(s.seed());
            ImageModel model = Models.create(t.config(), gen).to(device);
            resources.add(model);
            model.train();
            SGD opt = SGD.builder(model.parameters()).lr(0.01).momentum(0.9).weightDecay(5e-4).build();
            resources.add(opt);
            Tensor[] images = new Tensor[k], labels = new Tensor[k];
            for (int i = 0; i < k; i++) {
                images[i] = Tensor.uniform(Shape.of(t.batch(), t.channels(), t.imageSize(), t.imageSize()), -1, 1, gen,
                        DType.FLOAT32, device);
                resources.add(images[i]);
                long[] y = new long[t.batch()];
                for (int j = 0; j < y.length; j++) y[j] = Math.floorMod(s.seed() * 31 + i * 7L + j * 3L, t.classes());
                labels[i] = Tensor.fromLongs(y, device, t.batch());
                resources.add(labels[i]);
            }
            long params = Models.parameterCount(t.config());
            var info = new BenchCase.Info("train-step", "one SGD training step of " + Models.describe(t.config()) + " ("
                    + params + " parameters): forward, cross-entropy, backward, step",
                    t.label() + ", batch " + t.batch() + ", " + t.channels() + "×" + t.imageSize() + "×" + t.imageSize(),
                    null, null, null, null, k, "images", t.batch());
            return new BenchCase(info, i -> {
                try (Scope _ = Scope.open("bench-train-step")) {
                    Tensor logits = model.forward(images[i]);
                    Tensor loss = F.crossEntropy(logits, labels[i], F.Reduction.MEAN, 0);
                    opt.zeroGrad();
                    loss.backward();
                    opt.step();
                }
            }, resources);
        } catch (RuntimeException | Error e) {
            for (int i = resources.size() - 1; i >= 0; i--) {
                try {
                    resources.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }
}
