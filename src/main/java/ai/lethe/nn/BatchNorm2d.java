// Batch norm for image batches [N, C, H, W] (torch.nn.BatchNorm2d).
package ai.lethe.nn;

import ai.lethe.tensor.Tensor;

public final class BatchNorm2d extends BatchNorm {
    public BatchNorm2d(long numFeatures) { this(numFeatures, Options.DEFAULT); }

    public BatchNorm2d(long numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        this(numFeatures, new Options(eps, momentum, affine, trackRunningStats));
    }

    public BatchNorm2d(long numFeatures, Options options) { super(numFeatures, options); }

    @Override void checkInput(Tensor x) {
        if (x.rank() != 4) throw new IllegalArgumentException("BatchNorm2d: expected 4-D input [N, C, H, W], got shape " + x.shape());
    }
}
