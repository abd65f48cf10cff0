// A batch assembled in host memory on a loader thread, before its tensors exist: images as row-major float CHW
// values of `count` samples of `shape`, labels, and the samples' dataset and source indices.
package ai.lethe.data.loader;

import ai.lethe.data.ImageShape;

public record HostBatch(float[] images, long[] labels, int[] indices, int[] sourceIndices, ImageShape shape) {
    public HostBatch {
        int n = indices.length;
        if (labels.length != n || sourceIndices.length != n || images.length != (long) n * shape.size())
            throw new IllegalArgumentException("inconsistent host batch: " + n + " indices, " + labels.length + " labels, "
                    + sourceIndices.length + " source indices, " + images.length + " image values of shape " + shape);
    }

    public int size() { return indices.length; }
}
