// Where a run stands after an epoch — epochs done, best validation epoch, history, the global generator's
// position — stored as JSON in the checkpoint's metadata so that a resumed run continues exactly.
package ai.lethe.train;

import ai.lethe.io.Checkpoint;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

record TrainerState(TrainConfig config, int epochsDone, int bestEpoch, double bestValAccuracy, List<EpochStats> history,
                    long generatorSeed, long generatorCounter) {
    static final String KEY = "lethe.trainer";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    static TrainerState fresh() { return new TrainerState(null, 0, -1, Double.NEGATIVE_INFINITY, List.of(), 0, 0); }

    String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("trainer state to JSON: " + e.getMessage(), e);
        }
    }

    /** The state saved with the checkpoint {@code dir}; an IOException names the folder when it has none. */
    static TrainerState read(Path dir) throws IOException {
        String json = Checkpoint.readInfo(dir).extra().get(KEY);
        if (json == null) throw new IOException(dir + " is a checkpoint without training state ('" + KEY + "'); it cannot be resumed");
        try {
            return JSON.readValue(json, TrainerState.class);
        } catch (JsonProcessingException e) {
            throw new IOException(dir + ": invalid training state: " + e.getOriginalMessage(), e);
        }
    }
}
