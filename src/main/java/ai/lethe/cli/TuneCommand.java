// `lethe tune`: chooses a method's hyper-parameters for a model and a forget request (ai.lethe.tune.Tuner) — SSD's α
// by bisection, lr/epochs (and l1's γ, FF/IU's α) by a budgeted grid — on validation splits drawn from Dr and the
// test set, never on Df's own evaluation. Options given with -o are held fixed. Writes OUT/trials.jsonl (every
// trial), OUT/tune.json and OUT/options.txt, and prints the options to pass to `lethe unlearn`.
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.split.ForgetRequest;
import ai.lethe.experiment.TaskData;
import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ViTConfig;
import ai.lethe.train.RunFolder;
import ai.lethe.train.TrainConfig;
import ai.lethe.tune.TuneData;
import ai.lethe.tune.TuneResult;
import ai.lethe.tune.Tuner;
import ai.lethe.unlearn.Unlearners;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "tune", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Choose an unlearning method's hyper-parameters for a model and forget request on validation splits (never on Df).")
final class TuneCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "The trained model: a run folder, a checkpoint folder or a .safetensors file.")
    Path model;

    @Option(names = "--forget", required = true, paramLabel = "REQUEST", description = "What to forget: class=K, subclass=NAME|K, random=N|FRACTION, indices=FILE or poisoned.")
    String forget;

    @Option(names = "--method", required = true, paramLabel = "NAME", description = "The unlearning method to tune.")
    String method;

    @Option(names = "--budget", defaultValue = "8", paramLabel = "N", description = "The most trials (default: ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--target", paramLabel = "ACC", description = "Class forgetting: the forget-validation accuracy to reach (default: chance, 1/C).")
    Double target;

    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE", description = "An option of the method held fixed (repeatable); KEY=auto searches it.")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Where trials.jsonl, tune.json and options.txt go (default: tune-METHOD).")
    Path out;

    @Option(names = "--dataset", paramLabel = "NAME", description = "Dataset (default: the one the model was trained on).")
    String dataset;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of the validation draw, the grid draw, the methods and a random request.")
    long seed;

    @Option(names = "--retain-validation", defaultValue = "500", paramLabel = "N", description = "The most Dr samples held out to score retention (default: ${DEFAULT-VALUE}).")
    int retainValidation;

    @Option(names = "--workers", paramLabel = "N", description = "Data-loading threads (default: min(2, cores)).")
    Integer workers;

    @Override public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        if (budget < 1) throw usage("--budget: must be >= 1, got " + budget);
        if (target != null && !(target >= 0 && target <= 1)) throw usage("--target: must be in [0, 1], got " + target);
        if (retainValidation < 1) throw usage("--retain-validation: must be >= 1, got " + retainValidation);
        if (workers != null && workers < 0) throw usage("--workers: must be >= 0, got " + workers);
        if (!Unlearners.names().contains(method)) throw usage("--method: unknown unlearning method '" + method + "'; known: " + String.join(", ", Unlearners.names()));
        ForgetRequest request;
        try {
            request = ForgetRequest.parse(forget);
        } catch (IllegalArgumentException e) {
            throw usage("--forget: " + e.getMessage());
        }
        Path weights = RunFolder.modelPath(model);
        if (!Files.exists(weights)) throw usage("--model: " + model + " does not exist");
        Path dir = out != null ? out : Path.of("tune-" + method);
        if (Files.exists(dir) && (!Files.isDirectory(dir) || Files.list(dir).findAny().isPresent()))
            throw usage("--out: " + dir + " already exists and is not empty; choose a new folder");
        String name = dataset;
        if (name == null) {
            name = Checkpoint.readInfo(weights).dataset();
            if (name == null || name.isBlank()) throw usage("--dataset: the model does not record its dataset; name it");
        }
        Device device = Backends.defaultDevice();
        int w = workers == null ? DataLoader.defaultWorkers() : workers;
        try (ImageModel original = Checkpoint.openModel(weights, device)) {
            original.eval();
            int resize = original.config() instanceof ViTConfig v ? v.imageSize() : 0;
            Pipeline pipeline = CliData.load(spec, name, false, resize);
            if (pipeline.data().train().numClasses() != original.config().numClasses())
                throw usage("--model: the model has " + original.config().numClasses() + " classes, but " + name + " has "
                        + pipeline.data().train().numClasses());
            Dataset train = CliPoison.trainingSet(spec, model, CliData.trainingSet(spec, model, pipeline.data()), request);
            TaskData task;
            try {
                task = TaskData.of(pipeline, train, pipeline.data().test(), request, seed);
            } catch (IllegalArgumentException e) {
                throw usage("--forget: " + e.getMessage());
            }
            TrainConfig recipe;
            try {
                recipe = RunFolder.recipeOf(weights).orElseGet(() -> TrainConfig.preset("ssd", 10));
            } catch (IllegalArgumentException e) {
                recipe = TrainConfig.preset("ssd", 10);   // as `lethe unlearn`: a model without a run gets the ssd preset
            }
            TuneData data = new TuneData(task.train(), task.test(), task.split(), task.sets(), pipeline.evalTransform(), task.numClasses(),
                    recipe, device, w, 256);
            Tuner.Settings settings = new Tuner.Settings(budget, target == null ? Double.NaN : target,
                    ai.lethe.tune.Objective.RandomForgetting.DEFAULT_TOLERANCE, seed, retainValidation);
            TuneResult r;
            try {
                r = new Tuner(data, settings, null, dir, line -> {
                    o.println(line);
                    o.flush();
                }).tune(original, method, options);
            } catch (IllegalArgumentException e) {
                throw usage("--method: " + e.getMessage());
            }
            o.println("options: " + r.commandLine());
            o.println("wrote " + dir.resolve(TuneResult.JSON_FILE) + ", " + dir.resolve(TuneResult.OPTIONS_FILE) + " and "
                    + dir.resolve(TuneResult.TRIALS_FILE));
            o.flush();
        }
        return 0;
    }

    private ParameterException usage(String message) { return new ParameterException(spec.commandLine(), message); }
}
