// The outcome of a training run: the per-epoch history and the best validation epoch.
package ai.lethe.train;

import java.util.List;

public record TrainResult(List<EpochStats> history, int bestEpoch, double bestValAccuracy, double seconds) {
    public TrainResult {
        history = List.copyOf(history);
    }

    public EpochStats last() { return history.getLast(); }
}
