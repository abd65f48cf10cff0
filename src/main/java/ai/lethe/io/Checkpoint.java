// Training checkpoints: a folder holding model.safetensors (the model's state dict; CheckpointInfo in its
// metadata) and, when an optimizer is given, optimizer.safetensors (see OptimizerFiles). Both files are plain
// safetensors that PyTorch reads. Loading also accepts a single .safetensors file as a weights-only checkpoint
// (a PyTorch export, or a model.safetensors on its own).
//
// Saving is atomic at the level of the folder: both files are written into a fresh hidden sibling folder and
// forced to disk; then an existing checkpoint folder is renamed aside, the new folder renamed into place, and
// the old one deleted. At every moment the complete old or the complete new checkpoint exists (between the two
// renames, under the aside name ".<name>.old-<random>"), an existing checkpoint is never partly overwritten, and
// a failure at any step leaves the old one in place and no temporary folder behind. A folder that holds anything
// but checkpoint files is never replaced. A process killed during a save leaves hidden ".<name>.tmp-*" and
// ".<name>.old-*" folders (and, between the two renames, no folder <name>): recover(dir) puts the previous
// checkpoint back and deletes the leftovers.
//
// A pruned model (ai.lethe.nn.Masks) also gets masks.safetensors: its masks by parameter name (0/1, stored as
// F16: exact and half the size), the keys PyTorch's prune would call "<param>_mask" without the suffix. Loading a
// checkpoint folder (loadModel, openModel) makes the model's masks the checkpoint's: the file's masks are set
// (zeroing pruned weights), and a checkpoint without the file leaves the model dense (existing masks removed).
// Loading warns (it does not refuse) when the weights hold NaN/infinite values or a negative BatchNorm running_var.
package ai.lethe.io;

import ai.lethe.core.Device;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.nn.LoadResult;
import ai.lethe.nn.Masks;
import ai.lethe.nn.Module;
import ai.lethe.optim.Optimizer;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

public final class Checkpoint {
    public static final String MODEL_FILE = "model.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String MASKS_FILE = "masks.safetensors";
    private static final Set<String> FILES = Set.of(MODEL_FILE, OPTIMIZER_FILE, MASKS_FILE);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final System.Logger LOG = System.getLogger("ai.lethe.io");

    private Checkpoint() {}

    // ---- saving -----------------------------------------------------------------------------------------

    /** Saves {@code model}, {@code optimizerOrNull}'s state and {@code info} as the checkpoint folder {@code dir}. */
    public static void save(Path dir, Module model, Optimizer<?> optimizerOrNull, CheckpointInfo info) throws IOException {
        save(dir, model, optimizerOrNull, info, WriteHook.NONE);
    }

    static void save(Path dir, Module model, Optimizer<?> optimizer, CheckpointInfo info, WriteHook hook) throws IOException {
        if (model == null || info == null) throw new IllegalArgumentException(dir + ": the model and the info must not be null");
        checkJson(dir, info.modelConfigJson());
        Path parent = AtomicFiles.parentOf(dir);
        Files.createDirectories(parent);
        checkReplaceable(dir);
        Path tmp = AtomicFiles.createSibling(dir, "tmp", true);
        try {
            ModelFiles.save(model, tmp.resolve(MODEL_FILE), info.toMetadata());
            hook.reached("model-written");
            if (Masks.any(model))
                Safetensors.write(tmp.resolve(MASKS_FILE), Masks.of(model), Map.of(CheckpointInfo.VERSION, LetheVersion.current()),
                        FloatStorage.F16);
            if (optimizer != null)
                OptimizerFiles.save(optimizer, tmp.resolve(OPTIMIZER_FILE), Map.of(CheckpointInfo.VERSION, LetheVersion.current()), hook);
            AtomicFiles.syncDirectory(tmp);
            hook.reached("files-written");
            swapIn(tmp, dir, hook);
        } catch (IOException | RuntimeException | Error e) {
            if (Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) AtomicFiles.deleteQuietly(tmp, e);
            throw e;
        }
    }

    private static void checkJson(Path dir, String json) {
        if (json == null) return;
        try {
            JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(dir + ": the model config is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * Fails unless {@code dir} is absent or a folder holding only checkpoint files, so that a later {@link #save}
     * can replace it without losing anything else: callers that will save there after long work (a training epoch)
     * check first. The IOException names the folder and the files that are in the way.
     */
    public static void checkReplaceable(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS))
            throw new IOException(dir + ": exists and is not a folder; a checkpoint is a folder (refusing to replace it)");
        try (Stream<Path> s = Files.list(dir)) {
            List<String> others = s.map(p -> p.getFileName().toString()).filter(n -> !FILES.contains(n)).sorted().toList();
            if (!others.isEmpty())
                throw new IOException(dir + ": the folder holds files that are not part of a checkpoint " + others
                        + "; refusing to replace it");
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Puts the complete folder {@code fresh} at {@code dir}, replacing an existing checkpoint there. */
    private static void swapIn(Path fresh, Path dir, WriteHook hook) throws IOException {
        Path parent = AtomicFiles.parentOf(dir);
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            AtomicFiles.move(fresh, dir);
            AtomicFiles.syncDirectory(parent);
            return;
        }
        Path aside = AtomicFiles.createSibling(dir, "old", true);
        Files.delete(aside); // only its unique name is wanted
        AtomicFiles.move(dir, aside);
        try {
            hook.reached("old-moved-aside");
            AtomicFiles.move(fresh, dir);
        } catch (IOException | RuntimeException | Error e) {
            try {
                if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) AtomicFiles.move(aside, dir);
            } catch (IOException restore) {
                e.addSuppressed(new IOException("the previous checkpoint is kept at " + aside + "; move it back to " + dir, restore));
            }
            throw e;
        }
        AtomicFiles.syncDirectory(parent);
        hook.reached("new-moved-in");
        try {
            AtomicFiles.deleteRecursively(aside);
        } catch (IOException e) {
            // the new checkpoint is complete and in place: the save succeeded, only the cleanup did not
            LOG.log(System.Logger.Level.WARNING, "saved " + dir + " but could not delete the previous checkpoint at " + aside, e);
        }
    }

    // ---- recovering an interrupted save ---------------------------------------------------------------

    /**
     * Repairs what a save of the checkpoint folder {@code dir} leaves when the process is killed during it, and says
     * what it did (empty: nothing to do). A save writes ".NAME.tmp-*" next to {@code dir}, renames {@code dir} to
     * ".NAME.old-*", renames the temporary folder to {@code dir}, then deletes the old copy; so:
     * <ul>
     * <li>{@code dir} exists: any ".NAME.old-*" (a replaced copy not yet deleted) and ".NAME.tmp-*" (an unpublished
     *     save) folders are deleted.</li>
     * <li>{@code dir} is missing and one ".NAME.old-*" exists (killed between the two renames): it is renamed back
     *     to {@code dir} (the complete previous checkpoint) and the temporary folders are deleted.</li>
     * <li>{@code dir} is missing and only temporary folders exist (the first save was interrupted): they are
     *     deleted; there is no checkpoint.</li>
     * <li>{@code dir} is missing and several ".NAME.old-*" exist: nothing is changed and an IOException names them
     *     and says how to choose.</li>
     * </ul>
     */
    public static List<String> recover(Path dir) throws IOException {
        Path parent = AtomicFiles.parentOf(dir);
        if (!Files.isDirectory(parent)) return List.of();
        String name = dir.getFileName().toString();
        List<Path> old = leftovers(parent, "." + name + ".old-"), tmp = leftovers(parent, "." + name + ".tmp-");
        if (old.isEmpty() && tmp.isEmpty()) return List.of();
        List<String> done = new java.util.ArrayList<>();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            if (old.size() > 1)
                throw new IOException(dir + " is missing and " + old.size() + " earlier copies of it are left from interrupted saves "
                        + old + "; rename the one to keep to " + dir + " and delete the others");
            if (old.size() == 1) {
                AtomicFiles.move(old.getFirst(), dir);
                AtomicFiles.syncDirectory(parent);
                done.add("restored " + dir + " from " + old.getFirst().getFileName() + " (a save of it was interrupted)");
                old = List.of();
            }
        }
        for (Path p : old) {
            AtomicFiles.deleteRecursively(p);
            done.add("deleted " + p.getFileName() + " (the copy a completed save of " + name + " replaced)");
        }
        for (Path p : tmp) {
            AtomicFiles.deleteRecursively(p);
            done.add("deleted " + p.getFileName() + " (an unfinished save of " + name + ")");
        }
        return done;
    }

    /** The folders in {@code parent} whose names start with {@code prefix} (and have something after it), sorted. */
    private static List<Path> leftovers(Path parent, String prefix) throws IOException {
        try (Stream<Path> s = Files.list(parent)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(prefix) && n.length() > prefix.length() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
            }).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    // ---- loading ----------------------------------------------------------------------------------------

    /** The info recorded in the checkpoint {@code checkpoint} (a folder, or a .safetensors file). */
    public static CheckpointInfo readInfo(Path checkpoint) throws IOException {
        Path file = modelFile(checkpoint);
        try (SafetensorsFile f = Safetensors.open(file)) {
            Map<String, String> meta = f.metadata();
            Map<String, String> extra = new LinkedHashMap<>(meta);
            CheckpointInfo.RESERVED.forEach(extra::remove);
            return new CheckpointInfo(meta.get(CheckpointInfo.MODEL), meta.get(CheckpointInfo.DATASET),
                    number(file, meta, CheckpointInfo.EPOCH), number(file, meta, CheckpointInfo.SEED),
                    meta.get(CheckpointInfo.VERSION), extra);
        }
    }

    private static long number(Path file, Map<String, String> meta, String key) throws SafetensorsException {
        String v = meta.get(key);
        if (v == null) throw new SafetensorsException(file, "not a Lethe checkpoint: the metadata has no '" + key + "'");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new SafetensorsException(file, "metadata '" + key + "' is '" + v + "', not a whole number");
        }
    }

    /**
     * Loads the checkpoint's weights into {@code model}; see {@link ModelFiles#load(Module, Path, boolean)}. Weights
     * with NaN or infinite values, or a BatchNorm running_var with negative values, are loaded with a warning
     * naming the file and each such tensor (see CheckpointHealth).
     */
    public static LoadResult loadModel(Path checkpoint, Module model, boolean strict) throws IOException {
        Path file = modelFile(checkpoint);
        LoadResult result = ModelFiles.load(model, file, strict);
        loadMasks(file.resolveSibling(MASKS_FILE), model);
        List<String> problems = CheckpointHealth.problems(model.stateDict());
        if (!problems.isEmpty()) LOG.log(System.Logger.Level.WARNING, CheckpointHealth.warning(file, problems));
        return result;
    }

    /**
     * Makes {@code model}'s masks those of {@code file} (a masks.safetensors beside the weights): none when it
     * does not exist. A mask for a parameter the model lacks, or of another shape, is an error naming the file.
     */
    private static void loadMasks(Path file, Module model) throws IOException {
        Masks.clear(model);
        if (!Files.isRegularFile(file)) return;
        Map<String, Tensor> params = model.namedParameters();
        try (SafetensorsFile f = Safetensors.open(file); Scope _ = Scope.open("Checkpoint.loadMasks")) {
            Map<String, Tensor> masks = new java.util.LinkedHashMap<>();
            for (String name : f.names()) {
                Tensor p = params.get(name);
                if (p == null) throw new SafetensorsException(file, "a mask for '" + name + "', which the model does not have");
                masks.put(name, f.tensor(name, p.device(), p.dtype()));
            }
            try {
                Masks.setAll(model, masks);   // every mask checked on the device with one read
            } catch (IllegalArgumentException e) {
                throw new SafetensorsException(file, e.getMessage());
            }
        }
    }

    /**
     * Builds the model a checkpoint describes (the model config JSON in its "lethe.model" metadata) on
     * {@code device} and loads its weights strictly. The caller closes the model.
     */
    public static ImageModel openModel(Path checkpoint, Device device) throws IOException {
        Path file = modelFile(checkpoint);
        String json;
        try (SafetensorsFile f = Safetensors.open(file)) {
            json = f.metadata().get(CheckpointInfo.MODEL);
        }
        if (json == null)
            throw new SafetensorsException(file, "no model config in the metadata ('" + CheckpointInfo.MODEL
                    + "'); build the model yourself and use loadModel(checkpoint, model, strict)");
        ModelConfig config;
        try {
            config = ModelConfig.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file, "its model config is invalid: " + e.getMessage());
        }
        ImageModel model = Models.create(config).to(device);
        try {
            loadModel(checkpoint, model, true);
            return model;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Loads the checkpoint's optimizer state into {@code optimizer}; see {@link OptimizerFiles#load(Optimizer, Path)}. */
    public static void loadOptimizer(Path checkpoint, Optimizer<?> optimizer) throws IOException {
        Path file = optimizerFile(checkpoint);
        if (!Files.isRegularFile(file))
            throw new NoSuchFileException(file.toString(), null, "the checkpoint " + checkpoint + " holds no optimizer state");
        OptimizerFiles.load(optimizer, file);
    }

    /** Whether {@code checkpoint} holds optimizer state (a weights-only file never does). */
    public static boolean hasOptimizer(Path checkpoint) {
        return Files.isDirectory(checkpoint) && Files.isRegularFile(checkpoint.resolve(OPTIMIZER_FILE));
    }

    /** The weights file of a checkpoint folder, or the path itself when it is a .safetensors file. */
    static Path modelFile(Path checkpoint) throws IOException {
        if (Files.isDirectory(checkpoint)) {
            Path f = checkpoint.resolve(MODEL_FILE);
            if (!Files.isRegularFile(f)) throw new NoSuchFileException(f.toString(), null, "the checkpoint folder has no " + MODEL_FILE);
            return f;
        }
        if (Files.isRegularFile(checkpoint)) {
            if (!checkpoint.getFileName().toString().endsWith(".safetensors"))
                throw new IOException(checkpoint + ": a checkpoint is a folder or a .safetensors file");
            return checkpoint;
        }
        throw new NoSuchFileException(checkpoint.toString(), null, "no checkpoint there" + interrupted(checkpoint));
    }

    private static Path optimizerFile(Path checkpoint) throws IOException {
        if (Files.isRegularFile(checkpoint)) {
            modelFile(checkpoint);
            throw new NoSuchFileException(checkpoint.toString(), null, "a weights-only checkpoint holds no optimizer state");
        }
        modelFile(checkpoint);
        return checkpoint.resolve(OPTIMIZER_FILE);
    }

    /** A hint when a save was interrupted between its two renames: where the previous checkpoint is. */
    private static String interrupted(Path checkpoint) {
        Path abs = checkpoint.toAbsolutePath();
        if (abs.getParent() == null || abs.getFileName() == null || !Files.isDirectory(abs.getParent())) return "";
        String prefix = "." + abs.getFileName() + ".old-";
        try (Stream<Path> s = Files.list(abs.getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst()
                    .map(p -> " (a save was interrupted; the previous checkpoint is at " + p
                            + ": Checkpoint.recover, or lethe train --resume for a run's last/, puts it back)").orElse("");
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }
}
