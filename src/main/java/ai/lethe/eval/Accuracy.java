// Evaluates a classifier on a dataset: eval mode, no gradients, un-augmented data through the given transform,
// counting correct predictions and summing the cross-entropy per sample. The model's train/eval mode is
// restored afterwards.
package ai.lethe.eval;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.transform.Transform;
import ai.lethe.nn.F;
import ai.lethe.nn.Module;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;

public final class Accuracy {
    private Accuracy() {}

    /** Accuracy and loss of {@code model} (on {@code device}) over every sample of {@code dataset}. */
    public static EvalResult evaluate(Module model, Dataset dataset, Transform transform, Device device, int batchSize,
                                      int workers) {
        if (dataset.size() == 0) return EvalResult.EMPTY;
        boolean wasTraining = model.isTraining();
        model.eval();
        DataLoader loader = DataLoader.builder(dataset).batchSize(batchSize).shuffle(false).transform(transform)
                .device(device).workers(workers).build();
        EvalResult total = EvalResult.EMPTY;
        try (Epoch epoch = loader.epoch(0); var _ = GradMode.noGrad()) {
            for (Batch batch : epoch) {
                try (batch; Scope _ = Scope.open("eval")) {
                    Tensor logits = model.forward(batch.images());
                    long correct = (long) logits.argmax(1).eq(batch.labels()).sum().item();
                    double loss = F.crossEntropy(logits, batch.labels(), F.Reduction.SUM, 0).item();
                    total = total.plus(new EvalResult(correct, batch.size(), loss));
                }
            }
        } finally {
            if (wasTraining) model.train();
        }
        return total;
    }
}
