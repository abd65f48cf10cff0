// One inference pass of a classifier over a dataset (eval mode, no gradients, the given un-augmented transform,
// batched, in dataset order), keeping per sample: the true label, the predicted label (arg-max of the logits, the
// first on ties), the softmax probability of the true label ("confidence", Unlearn-Sparse's MIA feature) and the
// softmax entropy −Σ p log p with 0·log 0 = 0 (SSD's MIA feature). Probabilities are float32 values, as the
// references' F.softmax produces them, computed stably: p_k = exp(z_k − logsumexp(z)) with the log-sum-exp in
// double and the result rounded to float; the entropy is summed in double over those float probabilities.
// The model's train/eval mode is restored afterwards.
package ai.lethe.eval;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.transform.Transform;
import ai.lethe.nn.Module;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.function.Consumer;

public record Predictions(int[] labels, int[] predicted, float[] confidence, float[] entropy) {
    public static final Predictions EMPTY = new Predictions(new int[0], new int[0], new float[0], new float[0]);

    public Predictions {
        int n = labels.length;
        if (predicted.length != n || confidence.length != n || entropy.length != n)
            throw new IllegalArgumentException("Predictions: arrays of different lengths: labels " + n + ", predicted " + predicted.length
                    + ", confidence " + confidence.length + ", entropy " + entropy.length);
    }

    /** Predictions of {@code model} (on {@code device}) for every sample of {@code dataset}, in order. */
    public static Predictions of(Module model, Dataset dataset, Transform transform, Device device, int batchSize, int workers) {
        Accumulator acc = new Accumulator(dataset.size());
        forEachSoftmaxBatch(model, dataset, transform, device, batchSize, workers, b -> acc.add(b.labels, b.logits, b.classes));
        return acc.result();
    }

    /** One batch's logits (row-major [n, classes]) and labels on the host. */
    record HostBatch(float[] logits, long[] labels, int classes) {}

    /** Runs {@code model} over {@code dataset} in eval mode without gradients and hands each batch's logits to {@code sink}. */
    static void forEachSoftmaxBatch(Module model, Dataset dataset, Transform transform, Device device, int batchSize, int workers,
                                    Consumer<HostBatch> sink) {
        if (batchSize <= 0) throw new IllegalArgumentException("Predictions: batchSize must be > 0, got " + batchSize);
        if (workers < 0) throw new IllegalArgumentException("Predictions: workers must be >= 0, got " + workers);
        if (dataset.size() == 0) return;
        boolean wasTraining = model.isTraining();
        model.eval();
        DataLoader loader = DataLoader.builder(dataset).batchSize(batchSize).shuffle(false).transform(transform)
                .device(device).workers(workers).build();
        try (Epoch epoch = loader.epoch(0); var _ = GradMode.noGrad()) {
            for (Batch batch : epoch) {
                try (batch; Scope _ = Scope.open("predictions")) {
                    Tensor logits = model.forward(batch.images());
                    if (logits.rank() != 2 || logits.size(0) != batch.size())
                        throw new IllegalArgumentException("Predictions: expected logits [" + batch.size() + ", classes], got " + logits.shape());
                    sink.accept(new HostBatch(logits.toFloatArray(), batch.labels().toLongArray(), (int) logits.size(1)));
                }
            }
        } finally {
            if (wasTraining) model.train();
        }
    }

    /** Float32 softmax of row {@code row} of {@code logits} into {@code out}, computed through a double log-sum-exp. */
    static void softmax(float[] logits, int row, int classes, float[] out) {
        int base = row * classes;
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) max = Math.max(max, logits[base + k]);
        double sum = 0;
        for (int k = 0; k < classes; k++) sum += Math.exp(logits[base + k] - max);
        double lse = max + Math.log(sum);
        for (int k = 0; k < classes; k++) out[k] = (float) Math.exp(logits[base + k] - lse);
    }

    /** −Σ p log p over float probabilities, 0 · log 0 taken as 0. */
    static double entropy(float[] p) {
        double h = 0;
        for (float v : p) if (v > 0) h -= v * Math.log(v);
        return h;
    }

    public int size() { return labels.length; }

    /** Number of samples predicted correctly. */
    public long correct() {
        long c = 0;
        for (int i = 0; i < labels.length; i++) if (predicted[i] == labels[i]) c++;
        return c;
    }

    /** Fraction of samples predicted correctly, per sample (NaN for an empty set). */
    public double accuracy() { return labels.length == 0 ? Double.NaN : (double) correct() / labels.length; }

    /** The samples at {@code indices}, in that order. */
    public Predictions select(int[] indices) {
        int[] l = new int[indices.length], p = new int[indices.length];
        float[] c = new float[indices.length], e = new float[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            l[k] = labels[i];
            p[k] = predicted[i];
            c[k] = confidence[i];
            e[k] = entropy[i];
        }
        return new Predictions(l, p, c, e);
    }

    /** The MIA feature of every sample. */
    public float[] feature(MiaOptions.Feature feature) {
        return switch (feature) {
            case CONFIDENCE -> confidence.clone();
            case ENTROPY -> entropy.clone();
        };
    }

    private static final class Accumulator {
        private final int[] labels, predicted;
        private final float[] confidence, entropy;
        private int n;

        Accumulator(int size) {
            labels = new int[size];
            predicted = new int[size];
            confidence = new float[size];
            entropy = new float[size];
        }

        void add(long[] batchLabels, float[] logits, int classes) {
            float[] p = new float[classes];
            for (int r = 0; r < batchLabels.length; r++) {
                int y = Math.toIntExact(batchLabels[r]);
                if (y < 0 || y >= classes)
                    throw new IllegalArgumentException("Predictions: label " + y + " is outside the model's " + classes + " classes");
                int best = 0;
                for (int k = 1; k < classes; k++) if (logits[r * classes + k] > logits[r * classes + best]) best = k;
                softmax(logits, r, classes, p);
                labels[n] = y;
                predicted[n] = best;
                confidence[n] = p[y];
                entropy[n] = (float) entropy(p);
                n++;
            }
        }

        Predictions result() {
            if (n != labels.length) throw new IllegalStateException("Predictions: the loader gave " + n + " of " + labels.length + " samples");
            return new Predictions(labels, predicted, confidence, entropy);
        }
    }
}
