// The layout of a training run's folder:
//   checkpoint/        the final model and optimizer (a Checkpoint folder)
//   last/              the latest epoch's checkpoint, with the trainer state: what `--resume` continues from
//   best/              the weights of the epoch with the best validation accuracy
//   epochs/epoch-NNN/  every epoch's weights, when kept (e.g. for rewinding)
//   metrics.jsonl      one line per epoch
//   result.json        config, dataset, model, history and final accuracies (written atomically at the end)
package ai.lethe.train;

import ai.lethe.io.AtomicFiles;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

public record RunFolder(Path root) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A run folder at {@code root}, created if missing. */
    public static RunFolder create(Path root) throws IOException {
        Files.createDirectories(root);
        return new RunFolder(root);
    }

    public Path checkpoint() { return root.resolve("checkpoint"); }

    public Path last() { return root.resolve("last"); }

    public Path best() { return root.resolve("best"); }

    public Path epoch(int epoch) { return root.resolve("epochs").resolve(String.format("epoch-%03d", epoch)); }

    public Path metrics() { return root.resolve("metrics.jsonl"); }

    public Path result() { return root.resolve("result.json"); }

    /**
     * The weights a path means: a run folder's final checkpoint, its latest epoch while it is still training, or
     * the path itself (a checkpoint folder or a .safetensors file).
     */
    public static Path modelPath(Path path) {
        RunFolder r = new RunFolder(path);
        if (Files.isDirectory(r.checkpoint())) return r.checkpoint();
        if (Files.isDirectory(r.last())) return r.last();
        return path;
    }

    void writeResult(TrainConfig config, String dataset, String modelJson, TrainResult result) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dataset", dataset);
        out.put("model", JSON.readTree(modelJson));
        out.put("config", JSON.readTree(config.toJson()));
        EpochStats last = result.last();
        out.put("train_accuracy", last.trainAccuracy());
        out.put("train_loss", last.trainLoss());
        if (last.hasValidation()) {
            out.put("test_accuracy", last.valAccuracy());
            out.put("test_loss", last.valLoss());
            out.put("best_epoch", result.bestEpoch() + 1);
            out.put("best_test_accuracy", result.bestValAccuracy());
        }
        out.put("seconds", result.seconds());
        out.put("history", result.history());
        AtomicFiles.write(result(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out).getBytes(StandardCharsets.UTF_8));
    }
}
