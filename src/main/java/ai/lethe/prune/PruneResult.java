// The outcome of a pruning run: the sparsity reached globally (over the prunable tensors) and per tensor, the
// schedule of sparsities (IMP's rounds; one entry otherwise), the rewind epoch used (OMP/IMP; -1 for SynFlow), the
// final masked training, and the seconds of the whole run and of the pruning steps alone (scoring and masking).
package ai.lethe.prune;

import ai.lethe.train.TrainResult;
import java.util.List;
import java.util.Map;

public record PruneResult(Pruner method, double targetSparsity, double sparsity, Map<String, Double> tensorSparsity,
                          List<Double> schedule, int rewindEpoch, TrainResult training, double seconds, double pruneSeconds) {
    public PruneResult {
        tensorSparsity = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tensorSparsity));
        schedule = List.copyOf(schedule);
    }
}
