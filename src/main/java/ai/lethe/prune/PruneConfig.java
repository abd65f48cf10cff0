// What a pruning run does: the method, the target sparsity over the prunable tensors (default 0.95), the rewind
// epoch of OMP/IMP (default 8; clamped to the epochs trained; 0 rewinds to the initial weights), SynFlow's rounds
// (100) and precision, IMP's per-round rate (0.2), and the training recipe used for the dense run, every IMP
// round and the final training with the mask. Validated on construction (IllegalArgumentException naming the
// field and the value).
package ai.lethe.prune;

import ai.lethe.train.TrainConfig;
import java.util.Objects;

public record PruneConfig(Pruner method, double sparsity, int rewindEpoch, int synflowRounds, SynFlow.Precision synflowPrecision,
                          double impRate, TrainConfig train) {
    public static final double DEFAULT_SPARSITY = 0.95;
    public static final int DEFAULT_REWIND_EPOCH = 8;

    public PruneConfig {
        Objects.requireNonNull(method, "PruneConfig: method");
        Objects.requireNonNull(train, "PruneConfig: train config");
        if (!(sparsity >= 0 && sparsity < 1))
            throw new IllegalArgumentException("PruneConfig: sparsity must be in [0, 1), got " + sparsity);
        if (rewindEpoch < 0) throw new IllegalArgumentException("PruneConfig: rewind epoch must be >= 0, got " + rewindEpoch);
        if (synflowRounds < 1) throw new IllegalArgumentException("PruneConfig: SynFlow rounds must be >= 1, got " + synflowRounds);
        if (!(impRate > 0 && impRate < 1)) throw new IllegalArgumentException("PruneConfig: IMP rate must be in (0, 1), got " + impRate);
        if (synflowPrecision == null) synflowPrecision = SynFlow.Precision.AUTO;
    }

    /** {@code method} to {@code sparsity} with the defaults: rewind epoch 8, 100 SynFlow rounds (AUTO), IMP rate 0.2. */
    public static PruneConfig of(Pruner method, double sparsity, TrainConfig train) {
        return new PruneConfig(method, sparsity, DEFAULT_REWIND_EPOCH, SynFlow.DEFAULT_ROUNDS, SynFlow.Precision.AUTO,
                ImpSchedule.DEFAULT_RATE, train);
    }

    public PruneConfig withRewindEpoch(int k) {
        return new PruneConfig(method, sparsity, k, synflowRounds, synflowPrecision, impRate, train);
    }

    public PruneConfig withSynflowRounds(int rounds) {
        return new PruneConfig(method, sparsity, rewindEpoch, rounds, synflowPrecision, impRate, train);
    }

    public PruneConfig withSynflowPrecision(SynFlow.Precision p) {
        return new PruneConfig(method, sparsity, rewindEpoch, synflowRounds, p, impRate, train);
    }

    public PruneConfig withImpRate(double rate) {
        return new PruneConfig(method, sparsity, rewindEpoch, synflowRounds, synflowPrecision, rate, train);
    }

    public PruneConfig withTrain(TrainConfig t) {
        return new PruneConfig(method, sparsity, rewindEpoch, synflowRounds, synflowPrecision, impRate, t);
    }
}
