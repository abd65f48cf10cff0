// `lethe eval`: accuracy and loss of a trained model on its dataset's train and test sets, and — given a forget
// request — on the forget set, the retain set and their test counterparts. Prints a table, writes eval.json
// (and split.json) next to the model.
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.data.Dataset;
import ai.lethe.data.Pipeline;
import ai.lethe.data.TrainTest;
import ai.lethe.data.split.ForgetRequest;
import ai.lethe.data.split.Split;
import ai.lethe.data.split.SplitSets;
import ai.lethe.eval.Accuracy;
import ai.lethe.eval.EvalResult;
import ai.lethe.io.AtomicFiles;
import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ViTConfig;
import ai.lethe.tensor.Device;
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
        description = "Accuracy of a trained model on train/test (and forget/retain sets with --forget).")
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

    @Option(names = "--json", paramLabel = "FILE", description = "Where to write the results (default: eval.json next to the model).")
    Path json;

    @Override public Integer call() throws Exception {
        Path weights = RunFolder.modelPath(model);
        if (!Files.exists(weights))
            throw new ParameterException(spec.commandLine(), "--model: " + model + " does not exist");
        String name = dataset;
        if (name == null) {
            name = Checkpoint.readInfo(weights).dataset();
            if (name == null || name.isBlank())
                throw new ParameterException(spec.commandLine(), "--dataset: the model does not record its dataset; name it");
        }
        Device device = Backends.defaultDevice();
        try (ImageModel m = Checkpoint.openModel(weights, device)) {
            int resize = m.config() instanceof ViTConfig v ? v.imageSize() : 0;
            Pipeline pipeline = CliData.load(spec, name, false, resize);
            TrainTest data = pipeline.data();
            if (pipeline.inputShape().channels() != m.config().inChannels())
                throw new ParameterException(spec.commandLine(), "--model: the model takes " + m.config().inChannels()
                        + "-channel images but " + data.name() + " has " + pipeline.inputShape().channels());
            if (data.train().numClasses() != m.config().numClasses())
                throw new ParameterException(spec.commandLine(), "--model: the model has " + m.config().numClasses()
                        + " classes but " + data.name() + " has " + data.train().numClasses());
            Dataset train = CliData.trainingSet(spec, model, data);
            Map<String, Dataset> sets = new LinkedHashMap<>();
            sets.put("train", train);
            sets.put("test", data.test());
            Split split = null;
            if (forget != null) {
                ForgetRequest request;
                try {
                    request = ForgetRequest.parse(forget);
                    split = Split.of(train, data.test(), request, seed);
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "--forget: " + e.getMessage());
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
            Path target = json != null ? json : defaultJson(weights);
            AtomicFiles.write(target, JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(doc)
                    .getBytes(StandardCharsets.UTF_8));
            if (split != null) split.write(target.resolveSibling("split.json"));
            out.println("wrote " + target);
            out.flush();
        }
        return 0;
    }

    /** eval.json in the run folder (or checkpoint folder); beside a .safetensors file otherwise. */
    private Path defaultJson(Path weights) {
        Path folder = Files.isDirectory(model) ? model : weights.toAbsolutePath().getParent();
        return folder.resolve("eval.json");
    }
}
