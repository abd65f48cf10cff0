// Frozen features of a dataset on the host: one row of `dim` float values per sample (row-major), its label, and the
// number of classes. What a linear probe trains on. extract() runs a model's penultimate layer (ImageModel.features:
// ResNet's pooled vector, the ViT's final-normed CLS token) over a dataset in eval mode without gradients, in dataset
// order, restoring the model's mode afterwards.
package ai.lethe.transfer;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.transform.Transform;
import ai.lethe.models.ImageModel;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;

public record FeatureSet(float[] x, int[] y, int n, int dim, int classes) {
    public FeatureSet {
        if (n < 0 || dim <= 0 || classes < 1)
            throw new IllegalArgumentException("FeatureSet: need n >= 0, dim > 0 and classes >= 1, got n " + n + ", dim " + dim + ", classes " + classes);
        if (x.length != (long) n * dim) throw new IllegalArgumentException("FeatureSet: " + x.length + " values for " + n + " x " + dim);
        if (y.length != n) throw new IllegalArgumentException("FeatureSet: " + y.length + " labels for " + n + " rows");
        for (int i = 0; i < n; i++)
            if (y[i] < 0 || y[i] >= classes)
                throw new IllegalArgumentException("FeatureSet: label " + y[i] + " of row " + i + " is outside [0, " + classes + ")");
        for (int i = 0; i < x.length; i++)
            if (!Float.isFinite(x[i]))
                throw new IllegalArgumentException("FeatureSet: feature " + (i % dim) + " of row " + (i / dim) + " is " + x[i]
                        + " (the model's features are not finite: its weights are broken)");
    }

    /** The penultimate-layer features of {@code model} for every sample of {@code data}, in order. */
    public static FeatureSet extract(ImageModel model, Dataset data, Transform transform, Device device, int batchSize, int workers) {
        if (batchSize <= 0) throw new IllegalArgumentException("feature extraction: batch size must be > 0, got " + batchSize);
        if (data.size() == 0) throw new IllegalArgumentException("feature extraction: " + data.name() + " holds no samples");
        boolean wasTraining = model.isTraining();
        model.eval();
        float[] x = null;
        int[] y = new int[data.size()];
        int dim = -1, row = 0;
        DataLoader loader = DataLoader.builder(data).batchSize(batchSize).shuffle(false).transform(transform)
                .device(device).workers(workers).build();
        try (Epoch epoch = loader.epoch(0); var _ = GradMode.noGrad()) {
            for (Batch batch : epoch) {
                try (batch; Scope _ = Scope.open("features")) {
                    Tensor f = model.features(batch.images());
                    if (f.rank() != 2 || f.size(0) != batch.size())
                        throw new IllegalStateException("feature extraction: expected features [" + batch.size() + ", dim], got " + f.shape());
                    if (x == null) {
                        dim = (int) f.size(1);
                        x = new float[Math.multiplyExact(data.size(), dim)];
                    }
                    System.arraycopy(f.toFloatArray(), 0, x, row * dim, batch.size() * dim);
                    long[] labels = batch.labels().toLongArray();
                    for (int i = 0; i < labels.length; i++) y[row + i] = (int) labels[i];
                    row += batch.size();
                }
            }
        } finally {
            if (wasTraining) model.train();
        }
        return new FeatureSet(x, y, data.size(), dim, data.numClasses());
    }

    /** The rows at {@code rows}, in that order. */
    public FeatureSet select(int[] rows) {
        float[] sx = new float[rows.length * dim];
        int[] sy = new int[rows.length];
        for (int k = 0; k < rows.length; k++) {
            System.arraycopy(x, rows[k] * dim, sx, k * dim, dim);
            sy[k] = y[rows[k]];
        }
        return new FeatureSet(sx, sy, rows.length, dim, classes);
    }
}
