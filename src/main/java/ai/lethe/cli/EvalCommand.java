// `lethe eval`: accuracy and loss of a trained model on its dataset's train and test sets, and — given a forget
// request — on the forget set, the retain set and their test counterparts. Prints a table, writes eval.json
// (and split.json) beside the model but never into a checkpoint folder (see defaultJson): writing there made the
// next `train --resume` refuse to replace last/. Every option is checked before anything is evaluated.
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.TrainTest;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.split.ForgetRequest;
import ai.lethe.data.split.Split;
import ai.lethe.data.split.SplitSets;
import ai.lethe.eval.Accuracy;
import ai.lethe.eval.EvalResult;
import ai.lethe.io.AtomicFiles;
import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ViTConfig;
import ai.lethe.train.RunFolder;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Accuracy of a trained model on train/test (and forget/retain sets with --forget).",
                "Writes eval.json (and split.json with --forget) beside the model, never into a checkpoint folder:"
                        + " in the run folder for a run folder; next to it as NAME.eval.json and NAME.split.json for a"
                        + " checkpoint folder NAME (e.g. RUN/last.eval.json) or a file NAME.safetensors."})
final class EvalCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "A run folder (from lethe train), a checkpoint folder or a .safetensors file with a Lethe model config.")
    Path model;

    @Option(names = "--dataset", paramLabel = "NAME", description = "Dataset (default: the one the model was trained on).")
    String dataset;

    @Option(names = "--forget", paramLabel = "REQUEST",
            description = "class=K, subclass=NAME|K, random=N|FRACTION or indices=FILE: also evaluate forget/retain sets.")
    String forget;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of a random forget request.")
    long seed;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--workers", paramLabel = "N", description = "Data-loading threads (default: min(2, cores)).")
    Integer workers;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Where to write the results (default: see above); the split goes beside it (FILE's name with"
                    + " eval replaced by split, or .split.json added). Not inside a checkpoint folder.")
    Path json;

    @Override public Integer call() throws Exception {
        // every option is checked before anything is evaluated or written
        if (batchSize <= 0) throw usage("--batch-size: must be positive, got " + batchSize);
        CliData.checkWorkers(spec, workers);
        ForgetRequest request = null;
        if (forget != null) {
            try {
                request = ForgetRequest.parse(forget);
            } catch (IllegalArgumentException e) {
                throw usage("--forget: " + e.getMessage());
            }
        }
        Path weights = RunFolder.modelPath(model);
        if (!Files.exists(weights)) throw usage("--model: " + model + " does not exist");
        Path target = json != null ? json : defaultJson(model, weights);
        Path splitTarget = splitFile(target);
        if (json != null) {
            if (Files.isDirectory(json)) throw usage("--json: " + json + " is a folder; name a file");
            Path parent = json.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) throw usage("--json: the folder of " + json + " does not exist");
            if (isCheckpointFolder(parent))
                throw usage("--json: " + parent + " is a checkpoint folder, which holds only checkpoint files (a later save"
                        + " would refuse to replace it); write the results beside it");
        }
        String name = dataset;
        if (name == null) {
            name = Checkpoint.readInfo(weights).dataset();
            if (name == null || name.isBlank())
                throw usage("--dataset: the model does not record its dataset; name it");
        }
        Device device = Backends.defaultDevice();
        try (ImageModel m = Checkpoint.openModel(weights, device)) {
            int resize = m.config() instanceof ViTConfig v ? v.imageSize() : 0;
            Pipeline pipeline = CliData.load(spec, name, false, resize);
            TrainTest data = pipeline.data();
            if (pipeline.inputShape().channels() != m.config().inChannels())
                throw usage("--model: the model takes " + m.config().inChannels()
                        + "-channel images but " + data.name() + " has " + pipeline.inputShape().channels());
            if (data.train().numClasses() != m.config().numClasses())
                throw usage("--model: the model has " + m.config().numClasses()
                        + " classes but " + data.name() + " has " + data.train().numClasses());
            Dataset train = CliData.trainingSet(spec, model, data);
            Map<String, Dataset> sets = new LinkedHashMap<>();
            sets.put("train", train);
            sets.put("test", data.test());
            Split split = null;
            if (request != null) {
                try {
                    split = Split.of(train, data.test(), request, seed);
                } catch (IllegalArgumentException e) {
                    throw usage("--forget: " + e.getMessage());
                }
                SplitSets s = split.sets(train, data.test());
                sets.put("forget", s.forget());
                sets.put("retain", s.retain());
                sets.put("forget-test", s.forgetTest());
                sets.put("retain-test", s.retainTest());
            }
            int w = workers == null ? Math.min(2, Runtime.getRuntime().availableProcessors()) : workers;
            Map<String, Object> results = new LinkedHashMap<>();
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "%-12s %8s %9s %8s%n", "set", "samples", "accuracy", "loss");
            for (var e : sets.entrySet()) {
                EvalResult r = Accuracy.evaluate(m, e.getValue(), pipeline.evalTransform(), device, batchSize, w);
                out.printf(Locale.ROOT, "%-12s %8d %8.2f%% %8.4f%n", e.getKey(), r.count(), 100 * r.accuracy(), r.loss());
                out.flush();
                results.put(e.getKey(), Map.of("samples", r.count(), "accuracy", r.accuracy(), "loss", r.loss()));
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("model", weights.toString());
            doc.put("dataset", data.name());
            if (split != null) doc.put("forget", Map.of("request", forget, "seed", seed));
            doc.put("results", results);
            AtomicFiles.write(target, JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(doc)
                    .getBytes(StandardCharsets.UTF_8));
            if (split != null) split.write(splitTarget);
            out.println("wrote " + target + (split != null ? " and " + splitTarget : ""));
            out.flush();
        }
        return 0;
    }

    /**
     * Where eval.json goes by default, never inside a checkpoint folder (a later save of that checkpoint — `train
     * --resume` replacing last/ — would refuse to replace a folder holding other files): a run folder's eval.json;
     * NAME.eval.json beside a checkpoint folder NAME, or beside a file NAME.safetensors (the model.safetensors of a
     * checkpoint folder counts as that folder).
     */
    static Path defaultJson(Path modelArg, Path weights) {
        Path m = modelArg.toAbsolutePath().normalize(), w = weights.toAbsolutePath().normalize();
        if (Files.isDirectory(m) && !w.equals(m)) return m.resolve("eval.json");   // a run folder
        Path checkpoint = w;
        if (Files.isRegularFile(w) && w.getFileName().toString().equals(Checkpoint.MODEL_FILE) && w.getParent() != null
                && w.getParent().getParent() != null)
            checkpoint = w.getParent();
        String base = checkpoint.getFileName().toString();
        if (Files.isRegularFile(checkpoint) && base.endsWith(".safetensors")) base = base.substring(0, base.length() - ".safetensors".length());
        return checkpoint.resolveSibling(base + ".eval.json");
    }

    /** split.json beside {@code evalJson}: "eval" in its name becomes "split" (eval.json, NAME.eval.json), else ".split.json". */
    static Path splitFile(Path evalJson) {
        String n = evalJson.getFileName().toString();
        String stem = n.endsWith(".json") ? n.substring(0, n.length() - ".json".length()) : n;
        String split = stem.equals("eval") ? "split" : stem.endsWith(".eval") ? stem.substring(0, stem.length() - 4) + "split" : stem + ".split";
        return evalJson.resolveSibling(split + ".json");
    }

    /** A folder holding a checkpoint's model.safetensors. */
    private static boolean isCheckpointFolder(Path folder) { return Files.isRegularFile(folder.resolve(Checkpoint.MODEL_FILE)); }

    private ParameterException usage(String message) { return new ParameterException(spec.commandLine(), message); }
}
