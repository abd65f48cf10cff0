// Makes batch b of one epoch: reads its samples (in the epoch's order), applies the transform with each
// sample's own random stream RandomSource.forSample(seed, epoch, index), packs them into one host array and
// uploads it. A pure function of (loader settings, epoch, b): any thread may make any batch, in any order.
// Sharded (rank r of N ranks): batch b is rank r's slice of the single-process batch b, positions
// [m*r/N, m*(r+1)/N) of its m samples — the same samples, with the same per-sample random streams, as one process.
package ai.lethe.data.loader;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;
import ai.lethe.data.transform.RandomSource;
import ai.lethe.data.transform.Transform;
import ai.lethe.tensor.Scope;

record BatchAssembler(Dataset dataset, Transform transform, long seed, int epoch, int[] order, int batchSize,
                      int numBatches, ImageShape outShape, BatchUploader uploader, Device device, int rank, int ranks) {

    /** Batch {@code b}'s tensors, made with no scope open (the Batch owns them). */
    Batch make(int b) { return Scope.unscoped(() -> uploader.upload(host(b), device)); }

    /** Batch {@code b} in host memory. */
    HostBatch host(int b) {
        if (b < 0 || b >= numBatches) throw new IndexOutOfBoundsException("batch " + b + " of " + numBatches);
        int globalFrom = b * batchSize, m = Math.min(batchSize, order.length - globalFrom);
        int from = globalFrom + (int) ((long) m * rank / ranks), n = globalFrom + (int) ((long) m * (rank + 1) / ranks) - from;
        int size = outShape.size();
        float[] images = new float[n * size];
        long[] labels = new long[n];
        int[] indices = new int[n], sources = new int[n];
        for (int k = 0; k < n; k++) {
            int index = order[from + k];
            indices[k] = index;
            sources[k] = dataset.sourceIndex(index);
            labels[k] = dataset.label(index);
            if (transform == null) {
                dataset.readImage(index, images, k * size);
            } else {
                Image out = transform.apply(dataset.image(index), RandomSource.forSample(seed, epoch, index));
                if (!out.shape().equals(outShape))
                    throw new IllegalStateException("transform " + transform + " made an image of " + out.shape()
                            + " from sample " + index + " of " + dataset.name() + "; expected " + outShape);
                System.arraycopy(out.data(), 0, images, k * size, size);
            }
        }
        return new HostBatch(images, labels, indices, sources, outShape);
    }
}
