// Batch norm for feature batches [N, C] or sequences [N, C, L] (torch.nn.BatchNorm1d).
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

public final class BatchNorm1d extends BatchNorm {
    public BatchNorm1d(long numFeatures) { this(numFeatures, Options.DEFAULT); }

    public BatchNorm1d(long numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        this(numFeatures, new Options(eps, momentum, affine, trackRunningStats));
    }

    public BatchNorm1d(long numFeatures, Options options) { super(numFeatures, options); }

    @Override void checkInput(Tensor x) {
        if (x.rank() != 2 && x.rank() != 3)
            throw new IllegalArgumentException("BatchNorm1d: expected 2-D [N, C] or 3-D [N, C, L] input, got shape " + x.shape());
    }
}
