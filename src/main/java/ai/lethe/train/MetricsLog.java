// Writes one JSON object per epoch to a JSON-lines file (metrics.jsonl), appending, so a resumed run continues
// the same log. Each line is flushed as soon as the epoch ends. The trainer appends an epoch's line before it
// publishes the epoch's checkpoint, and when it starts or resumes it rewrites the file (atomically) to the lines of
// the history it starts from — the history recorded in the checkpoint — so a process killed at any moment loses
// no line and leaves none for an epoch that is trained again. Keys: epoch, epochs, train_loss, train_accuracy
// (only where the loop measured it), val_loss and val_accuracy (with a validation set), lr, seconds,
// images_per_second.
package ai.lethe.train;

import ai.lethe.io.AtomicFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class MetricsLog implements TrainListener {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final Path file;

    public MetricsLog(Path file) { this.file = file; }

    public Path file() { return file; }

    @Override public void onEpoch(EpochStats e) {
        try {
            append(e);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot append to " + file + ": " + ex.getMessage(), ex);
        }
    }

    /** Appends the line of {@code e} (and forces it to disk). */
    public void append(EpochStats e) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE)) {
            var buf = java.nio.ByteBuffer.wrap(line(e).getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        }
    }

    /** Replaces the file, atomically, with the lines of {@code history} (an empty file for none). */
    public void rewrite(List<EpochStats> history) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (EpochStats e : history) sb.append(line(e));
        if (history.isEmpty() && !Files.exists(file)) return;
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The JSON line of one epoch, with its newline. */
    static String line(EpochStats e) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("epoch", e.epoch() + 1);
        line.put("epochs", e.epochs());
        line.put("train_loss", e.trainLoss());
        if (e.hasTrainAccuracy()) line.put("train_accuracy", e.trainAccuracy());
        if (e.hasValidation()) {
            line.put("val_loss", e.valLoss());
            line.put("val_accuracy", e.valAccuracy());
        }
        line.put("lr", e.lr());
        line.put("seconds", e.seconds());
        line.put("images_per_second", e.imagesPerSecond());
        try {
            return JSON.writeValueAsString(line) + "\n";
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("metrics line to JSON: " + ex.getMessage(), ex);
        }
    }
}
