// Synchronised batch norm (torch.nn.SyncBatchNorm) for data-parallel training: in training mode a BatchNorm module
// marked by convert() normalises with the statistics of the global batch — every rank's samples — instead of its own
// slice. Forward all-reduces the per-channel sum and the sample count (one [C+1] all-reduce), then the per-channel sum
// of squared deviations from the global mean (a [C] all-reduce: the two-pass variance, as the single-process kernels
// compute it, but summed in the input's dtype — the kernels accumulate in double; float64 reductions exist only on the
// ref backend — which DataParallelTest bounds at 2.4e-5 relative on channels with a large mean and a tiny spread);
// backward goes through the same two all-reduces in reverse (the gradient of an all-reduce is the
// all-reduce of the gradients), which yields exactly the terms SyncBatchNorm's backward reduces — the per-channel sums
// of dy and of dy·(x - mean) over all ranks. So, with each rank's loss seeded by its share of the global batch
// (DataParallel), the gradients equal those of one BatchNorm2d over the concatenated batch. Running statistics are
// updated with the global mean and unbiased global variance, identically on every rank. Evaluation mode, and a
// communicator of one rank, use the ordinary per-rank path.
package ai.lethe.nn;

import ai.lethe.distributed.Communicator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Node;
import ai.lethe.tensor.Tensor;
import java.util.List;
import java.util.Objects;

public final class SyncBatchNorm2d {
    private SyncBatchNorm2d() {}

    /**
     * Makes every BatchNorm module of {@code model} (BatchNorm1d and BatchNorm2d) normalise with global-batch statistics
     * over {@code comm}'s ranks in training mode (torch's convert_sync_batchnorm, without replacing modules). Returns the
     * number of batch-norm modules converted. Pass null to return them to per-rank statistics.
     */
    public static int convert(Module model, Communicator comm) {
        int n = 0;
        for (Module m : model.namedModules().values())
            if (m instanceof BatchNorm bn) {
                bn.synchronizeStatistics(comm);
                n++;
            }
        return n;
    }

    /** The training-mode forward of a synchronised batch norm (BatchNorm.normalize calls it). */
    static Tensor forward(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, double momentum,
                          double eps, boolean relu, Communicator comm) {
        int rank = x.rank();
        long c = x.size(1);
        int[] axes = new int[rank - 1];
        for (int i = 0, k = 0; i < rank; i++) if (i != 1) axes[k++] = i;
        long[] channelView = new long[rank];
        java.util.Arrays.fill(channelView, 1);
        channelView[1] = c;
        long localCount = x.numel() / c;
        Tensor count = withoutGrad(() -> Tensor.full(ai.lethe.core.Shape.of(1), localCount, x.dtype(), x.device()));
        Tensor sums = allReduce(Tensor.cat(List.of(x.sum(axes), count), 0), comm);
        Tensor total = sums.narrow(0, c, 1);
        Tensor mean = sums.narrow(0, 0, c).div(total);
        Tensor centered = x.sub(mean.reshape(channelView));
        Tensor var = allReduce(centered.square().sum(axes), comm).div(total);
        Tensor y = centered.mul(var.add(eps).rsqrt().reshape(channelView));
        if (weight != null) y = y.mul(weight.reshape(channelView));
        if (bias != null) y = y.add(bias.reshape(channelView));
        if (runningMean != null && runningVar != null) {
            try (var _ = GradMode.noGrad()) {
                double n = total.toDoubleArray()[0];
                Tensor m = mean.detach(), v = var.detach().mul(n / Math.max(n - 1, 1));
                runningMean.mulInPlace(1 - momentum).addInPlace(m, momentum);
                runningVar.mulInPlace(1 - momentum).addInPlace(v, momentum);
            }
        }
        return relu ? y.relu() : y;
    }

    /**
     * The sum of {@code t} over the ranks as a differentiable op: forward all-reduces a copy; backward all-reduces
     * the incoming gradient (each rank's output feeds every rank's loss, so its gradient is the sum of theirs).
     */
    static Tensor allReduce(Tensor t, Communicator comm) {
        Objects.requireNonNull(comm, "communicator");
        Tensor out = t.detach().contiguousCopy();
        comm.allReduceSum(out);
        return Node.record(out, "syncBatchNormAllReduce", new Tensor[] {t}, new Tensor[0], (g, needs) -> {
            Tensor sum = g.contiguousCopy();
            comm.allReduceSum(sum);
            return new Tensor[] {needs[0] ? sum : null};
        });
    }

    private static Tensor withoutGrad(java.util.function.Supplier<Tensor> body) {
        try (var _ = GradMode.noGrad()) {
            return body.get();
        }
    }
}
