// Writes one JSON object per epoch to a JSON-lines file (metrics.jsonl), appending, so a resumed run continues
// the same log. Each line is flushed as soon as the epoch ends.
package ai.lethe.train;

import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

public final class MetricsLog implements TrainListener {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final Path file;

    public MetricsLog(Path file) { this.file = file; }

    @Override public void onEpoch(EpochStats e) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("epoch", e.epoch() + 1);
        line.put("epochs", e.epochs());
        line.put("train_loss", e.trainLoss());
        line.put("train_accuracy", e.trainAccuracy());
        if (e.hasValidation()) {
            line.put("val_loss", e.valLoss());
            line.put("val_accuracy", e.valAccuracy());
        }
        line.put("lr", e.lr());
        line.put("seconds", e.seconds());
        line.put("images_per_second", e.imagesPerSecond());
        try {
            Files.writeString(file, JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot append to " + file + ": " + ex.getMessage(), ex);
        }
    }
}
