// The layout of a training run's folder:
//   checkpoint/        the final model and optimizer (a Checkpoint folder)
//   last/              the latest epoch's checkpoint, with the trainer state: what `--resume` continues from
//   best/              the weights of the epoch with the best validation accuracy
//   epochs/epoch-NNN/  every epoch's weights, when kept (e.g. for rewinding)
//   metrics.jsonl      one line per epoch
//   result.json        config, dataset, model, precision (fp32/tf32/bf16), history and final accuracies (written
//                      atomically at the end)
// Only Lethe writes inside the checkpoint folders (a checkpoint is replaced whole, and a folder holding other files
// is never replaced); outputs about a run (lethe eval's eval.json, split.json) go in the run folder itself.
// A process killed while saving a checkpoint leaves hidden leftovers next to it (see Checkpoint.recover);
// recover() repairs every checkpoint folder of the run, and the trainer calls it before it starts or resumes.
package ai.lethe.train;

import ai.lethe.backend.Precision;
import ai.lethe.io.AtomicFiles;
import ai.lethe.io.Checkpoint;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

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

    public Path epochs() { return root.resolve("epochs"); }

    /**
     * Repairs the checkpoint folders of this run (checkpoint/, last/, best/, epochs/epoch-NNN/) after a process was
     * killed while saving one: puts back a folder whose replacement was interrupted and deletes the hidden leftovers
     * (see {@link Checkpoint#recover}). Returns what it did, empty when there was nothing to do; an IOException
     * names what it cannot decide alone.
     */
    public List<String> recover() throws IOException {
        List<String> done = new ArrayList<>();
        if (!Files.isDirectory(root)) return done;
        for (Path p : List.of(checkpoint(), last(), best())) done.addAll(Checkpoint.recover(p));
        if (Files.isDirectory(epochs())) {
            TreeSet<String> names = new TreeSet<>();
            try (Stream<Path> s = Files.list(epochs())) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String n = p.getFileName().toString();
                    int cut = Math.max(n.lastIndexOf(".old-"), n.lastIndexOf(".tmp-"));
                    if (n.startsWith(".") && cut > 1) names.add(n.substring(1, cut));
                }
            }
            for (String n : names) done.addAll(Checkpoint.recover(epochs().resolve(n)));
        }
        return done;
    }

    /** Whether this folder holds a run's latest epoch: last/, or what an interrupted save of it left (".last.old-*"). */
    public boolean hasLatestEpoch() throws IOException {
        if (Files.isDirectory(last())) return true;
        if (!Files.isDirectory(root)) return false;
        try (Stream<Path> s = Files.list(root)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(".last.old-"));
        }
    }

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

    /**
     * {@code file} in the run folder {@code path} belongs to: looked for in {@code path} (when a folder; else its
     * folder) and the two folders above it, so a run folder, its checkpoint folder or a file in one all find the
     * run's files. Empty when none of them has it.
     */
    public static Optional<Path> findInRun(Path path, String file) {
        Path p = path.toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) p = p.getParent();
        for (int up = 0; up < 3 && p != null; up++, p = p.getParent())
            if (Files.isRegularFile(p.resolve(file))) return Optional.of(p.resolve(file));
        return Optional.empty();
    }

    /**
     * The training config recorded in the result.json of the run {@code path} belongs to (see findInRun), or empty
     * when there is none; a result.json whose config is unreadable is an IllegalArgumentException naming the file.
     */
    public static Optional<TrainConfig> recipeOf(Path path) throws IOException {
        Optional<Path> result = findInRun(path, "result.json");
        if (result.isEmpty()) return Optional.empty();
        var node = JSON.readTree(Files.readString(result.get())).get("config");
        if (node == null) return Optional.empty();
        try {
            return Optional.of(TrainConfig.fromJson(node.toString()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(result.get() + " holds an invalid training config: " + e.getMessage(), e);
        }
    }

    void writeResult(TrainConfig config, String dataset, String modelJson, TrainResult result) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dataset", dataset);
        out.put("model", JSON.readTree(modelJson));
        out.put("config", JSON.readTree(config.toJson()));
        out.put("precision", Precision.current().cliName());   // the conv/GEMM arithmetic the run trained in (the caller's thread)
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
