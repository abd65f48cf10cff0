// Batch normalisation over channel dimension 1 (torch.nn.modules.batchnorm._BatchNorm): parameters weight = 1,
// bias = 0 (when affine); buffers running_mean = 0, running_var = 1 and the int64 scalar num_batches_tracked
// (when tracking running stats). Training normalises with batch statistics and updates the running ones;
// evaluation uses the running ones. BatchNorm1d and BatchNorm2d differ only in the input ranks they accept.
// Data-parallel training can synchronise the training-mode statistics over ranks (SyncBatchNorm2d.convert).
package ai.lethe.nn;

import ai.lethe.backend.Backends;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import ai.lethe.distributed.Communicator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Tensor;

public abstract sealed class BatchNorm extends Module permits BatchNorm1d, BatchNorm2d {
    /**
     * eps added to the variance; momentum of the running-statistics update (null: cumulative moving average,
     * PyTorch's momentum=None); affine: learnable weight and bias; trackRunningStats: keep running statistics.
     */
    public record Options(double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        public static final Options DEFAULT = new Options(1e-5, 0.1, true, true);

        public Options {
            if (!(eps > 0)) throw new IllegalArgumentException("BatchNorm: eps must be positive, got " + eps);
            if (momentum != null && !(momentum >= 0 && momentum <= 1))
                throw new IllegalArgumentException("BatchNorm: momentum must be in [0, 1] (or null), got " + momentum);
        }

        public Options withEps(double e) { return new Options(e, momentum, affine, trackRunningStats); }

        public Options withMomentum(Double m) { return new Options(eps, m, affine, trackRunningStats); }

        public Options withAffine(boolean a) { return new Options(eps, momentum, a, trackRunningStats); }

        public Options withTrackRunningStats(boolean t) { return new Options(eps, momentum, affine, t); }
    }

    private final long numFeatures;
    private final Options options;
    private volatile Communicator syncGroup;

    BatchNorm(long numFeatures, Options options) {
        if (numFeatures <= 0) throw new IllegalArgumentException(reprName() + ": number of features must be positive, got " + numFeatures);
        this.numFeatures = numFeatures;
        this.options = options;
        Shape c = Shape.of(numFeatures);
        registerParameter("weight", options.affine() ? Tensor.ones(c) : null);
        registerParameter("bias", options.affine() ? Tensor.zeros(c) : null);
        boolean track = options.trackRunningStats();
        registerBuffer("running_mean", track ? Tensor.zeros(c) : null);
        registerBuffer("running_var", track ? Tensor.ones(c) : null);
        registerBuffer("num_batches_tracked", track ? Tensor.zeros(Shape.scalar(), DType.INT64, Backends.defaultDevice()) : null);
    }

    public long numFeatures() { return numFeatures; }

    public Options options() { return options; }

    /**
     * Training-mode statistics over all ranks of {@code group} (SyncBatchNorm2d), or per rank when null or a group of
     * one rank (the default).
     */
    public final void synchronizeStatistics(Communicator group) { syncGroup = group; }

    /** The group whose global batch the training statistics cover, or null (per-rank statistics). */
    public final Communicator synchronizedWith() { return syncGroup; }

    /** Rejects inputs of the wrong rank, naming the expected ones. */
    abstract void checkInput(Tensor x);

    @Override protected Tensor compute(Tensor x) { return normalize(x, false); }

    /**
     * relu(forward(x)) as one fused op (FusedNorm.batchNormRelu), with this module's bookkeeping (running statistics,
     * num_batches_tracked) exactly as forward does. It bypasses this module's forward hooks: callers use it only when
     * the module has none ({@link #hasForwardHooks()}), and fall back to forward then ReLU otherwise.
     */
    public final Tensor forwardRelu(Tensor x) {
        checkOpen("forwardRelu");
        return normalize(x, true);
    }

    private Tensor normalize(Tensor x, boolean relu) {
        checkInput(x);
        boolean training = isTraining();
        Tensor runningMean = buffer("running_mean"), runningVar = buffer("running_var");
        Tensor tracked = buffer("num_batches_tracked");
        double factor = options.momentum() == null ? 0.0 : options.momentum();
        if (training && options.trackRunningStats() && tracked != null) {
            try (var _ = GradMode.noGrad(); Tensor one = Tensor.scalar(1, DType.INT64, tracked.device())) {
                tracked.addInPlace(one, 1);
            }
            if (options.momentum() == null) factor = 1.0 / tracked.item();
        }
        boolean useBatchStats = training || (runningMean == null && runningVar == null);
        boolean passRunning = !training || options.trackRunningStats();
        Tensor rm = passRunning ? runningMean : null, rv = passRunning ? runningVar : null;
        var group = syncGroup;
        if (training && group != null && group.size() > 1)
            return SyncBatchNorm2d.forward(x, rm, rv, parameter("weight"), parameter("bias"), factor, options.eps(), relu, group);
        return relu ? FusedNorm.batchNormRelu(x, rm, rv, parameter("weight"), parameter("bias"), useBatchStats, factor, options.eps())
                : F.batchNorm(x, rm, rv, parameter("weight"), parameter("bias"), useBatchStats, factor, options.eps());
    }

    @Override protected String extraRepr() {
        return numFeatures + ", eps=" + Repr.pyFloat(options.eps()) + ", momentum="
                + (options.momentum() == null ? "None" : Repr.pyFloat(options.momentum())) + ", affine=" + Repr.pyBool(options.affine())
                + ", track_running_stats=" + Repr.pyBool(options.trackRunningStats());
    }
}
