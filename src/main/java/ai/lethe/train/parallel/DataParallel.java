// Data-parallel training for one model on one rank (torch.nn.parallel.DistributedDataParallel's job): every rank
// holds the same weights, takes its slice of each global batch (DataLoader.Builder.shard), runs forward and backward
// on it, and the gradients are all-reduced in buckets during backward (GradientBuckets) before one optimizer step
// per rank — so the weights stay identical without ever being sent again.
//
// Averaging: backward(loss, share) seeds each rank's backward with share = (this rank's samples) / (the global
// batch's samples) — 1/N when the batch splits evenly — and the buckets sum over ranks, so every rank ends with
// sum_r share_r * grad(mean loss of rank r's slice) = grad(mean loss of the global batch): a single process's
// gradient, up to the order of float summation. (A loss with a batch-independent term, such as l1-sparse's weight
// norm, stays right too: the shares sum to 1.)
//
// Start: broadcastFromLeader copies rank 0's parameters and buffers to every rank (their initialisations may
// differ). Batch norm keeps per-rank statistics by default (DDP's default); its running statistics then drift apart,
// so syncBuffers copies rank 0's before evaluation and checkpoints (DDP broadcasts them at every forward; rank 0's
// running statistics are the same either way). SyncBatchNorm2d.convert makes batch norm use global statistics.
// Per-sample randomness: shard(local, global) opens this rank's BatchShard around a step's forward, so dropout draws the
// rank's slice of the masks one process draws for the global batch (the same weights as one process with dropout too).
// With one rank (SingleProcess) every call is the plain single-process step.
package ai.lethe.train.parallel;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.distributed.Communicator;
import ai.lethe.nn.Module;
import ai.lethe.tensor.BatchShard;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.Objects;

public final class DataParallel {
    private final Module model;
    private final Communicator comm;
    private final GradientBuckets buckets;

    private DataParallel(Module model, Communicator comm, long bucketBytes) {
        this.model = Objects.requireNonNull(model, "model");
        this.comm = Objects.requireNonNull(comm, "communicator");
        this.buckets = comm.size() > 1 ? new GradientBuckets(model.parameters(), comm, bucketBytes) : null;
    }

    /** Data parallelism of {@code model} over {@code comm}'s ranks with DDP's 25 MiB buckets. */
    public static DataParallel of(Module model, Communicator comm) { return of(model, comm, GradientBuckets.DEFAULT_BUCKET_BYTES); }

    public static DataParallel of(Module model, Communicator comm, long bucketBytes) { return new DataParallel(model, comm, bucketBytes); }

    public Communicator communicator() { return comm; }

    /** True when more than one rank shares the work. */
    public boolean active() { return comm.size() > 1; }

    /** The gradient buckets (null with one rank). */
    public GradientBuckets buckets() { return buckets; }

    /**
     * This rank's share of a global batch of {@code globalSamples} — samples [⌊g·r/N⌋, ⌊g·(r+1)/N⌋), as the sharded
     * DataLoader cuts it — as the thread's BatchShard until the scope closes; with one rank, no shard.
     */
    public BatchShard.Open shard(int localSamples, int globalSamples) {
        if (!active()) return BatchShard.open(null);
        long offset = (long) globalSamples * comm.rank() / comm.size(), end = (long) globalSamples * (comm.rank() + 1) / comm.size();
        if (end - offset != localSamples)
            throw new IllegalArgumentException("DataParallel.shard: rank " + comm.rank() + " of " + comm.size() + " holds " + localSamples
                    + " samples of a global batch of " + globalSamples + ", expected " + (end - offset));
        return BatchShard.open(new BatchShard(offset, localSamples, globalSamples));
    }

    /**
     * Backward of this rank's {@code loss} (a scalar, the mean over this rank's {@code localSamples}) as its part of a
     * global batch of {@code globalSamples}: afterwards every parameter's gradient is that of the global batch's mean
     * loss, on every rank. With one rank it is loss.backward().
     */
    public void backward(Tensor loss, int localSamples, int globalSamples) {
        if (!active()) {
            loss.backward();
            return;
        }
        if (localSamples <= 0 || localSamples > globalSamples)
            throw new IllegalArgumentException("data-parallel backward: rank " + comm.rank() + " has " + localSamples
                    + " of a global batch of " + globalSamples + " samples");
        double share = (double) localSamples / globalSamples;
        buckets.reduceDuring(() -> {
            try (Scope _ = Scope.open("ddp-backward")) {
                Tensor seed;
                try (var _ = GradMode.noGrad()) {
                    seed = Tensor.full(loss.shape(), share, loss.dtype(), loss.device());
                }
                loss.backward(seed);
            }
        });
    }

    /** Copies rank 0's parameters and floating-point buffers to every rank (no-op with one rank). */
    public void broadcastFromLeader() {
        if (!active()) return;
        try (var _ = GradMode.noGrad()) {
            for (Tensor p : model.parameters()) comm.broadcast(p, 0);
        }
        syncBuffers();
    }

    /**
     * Copies rank 0's floating-point buffers (batch norm's running statistics) to every rank. Integer buffers
     * (num_batches_tracked) count the same steps on every rank and stay as they are.
     */
    public void syncBuffers() {
        if (!active()) return;
        try (var _ = GradMode.noGrad()) {
            for (Tensor b : model.buffers())
                if (b.dtype() == DType.FLOAT32 || b.dtype() == DType.FLOAT64) comm.broadcast(b, 0);
        }
    }

    /** Sums {@code values} over the ranks (one small float64 all-reduce; log points only). Returns new sums. */
    public double[] sum(double[] values, Device device) {
        if (!active() || values.length == 0) return values.clone();
        try (Tensor t = Scope.unscoped(() -> Tensor.fromArray(values, DType.FLOAT64, device, values.length))) {
            comm.allReduceSum(t);
            return t.toDoubleArray();
        }
    }
}
