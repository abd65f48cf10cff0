// One batch of a DataLoader epoch: images float32 [B, C, H, W] and labels int64 [B] on the loader's device, the
// samples' indices in the loader's dataset and in the dataset it was cut from (Dataset.sourceIndex).
// The tensors were made with no scope open, so the batch owns them: close it (try-with-resources), or move a
// tensor into a scope (Scope.adopt / Scope.moveTo) to keep it, after which closing the batch leaves it alone.
package ai.lethe.data.loader;

import ai.lethe.tensor.Tensor;

public record Batch(Tensor images, Tensor labels, int[] indices, int[] sourceIndices) implements AutoCloseable {
    public Batch {
        if (indices.length != sourceIndices.length)
            throw new IllegalArgumentException("a batch needs one source index per index: " + indices.length + " vs " + sourceIndices.length);
    }

    /** Number of samples. */
    public int size() { return indices.length; }

    /** Frees the tensors no scope has taken over. Idempotent. */
    @Override public void close() {
        if (images.owner() == null) images.close();
        if (labels.owner() == null) labels.close();
    }
}
