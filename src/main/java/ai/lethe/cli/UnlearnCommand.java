// `lethe unlearn`: makes a trained model forget — loads it, builds the forget/retain split of its training set,
// runs one unlearning method on a copy, evaluates UA, RA, TA, forget-test accuracy and the MIA metrics, and
// writes OUT/checkpoint (the unlearned model; the input is never touched), OUT/unlearn.json and OUT/split.json.
// With --fisher-cache, SSD's I_D (the Fisher diagonal of Dr then Df) is read from the file (or computed as SSD
// would and written there), so later runs on the same model and request skip it (FisherCache). A model trained
// with --poison is unlearned on its poisoned training set (CliPoison); `--forget poisoned` forgets those samples
// and adds SA and the attack success rates to the metrics. With -o alpha=auto (ssd, lf-ssd) the tuner chooses α first
// (ai.lethe.tune.AutoOptions; its trials go to OUT/tune/).
//
// Over several ranks (lethe launch, mpirun, srun) every rank runs the method on its share — the training loops take
// their slices of each global batch, the Fisher diagonals are shared (ai.lethe.distributed) — and rank 0 alone checks
// and writes OUT and prints; the others print nothing. --sync-bn gives the training-based methods global-batch
// statistics (SyncBatchNorm2d). alpha=auto is refused there: the tuner runs in one process.
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.backend.Precision;
import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.split.ForgetRequest;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.Distributed;
import ai.lethe.experiment.JobSettings;
import ai.lethe.experiment.TaskData;
import ai.lethe.experiment.UnlearnJob;
import ai.lethe.fisher.FisherMap;
import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ViTConfig;
import ai.lethe.train.ProgressDisplay;
import ai.lethe.train.RunFolder;
import ai.lethe.train.TrainConfig;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import ai.lethe.unlearn.Unlearners;
import ai.lethe.unlearn.ssd.FisherCache;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "unlearn", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Make a trained model forget part of its training set with one unlearning method.")
final class UnlearnCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "The trained model: a run folder (lethe train), a checkpoint folder or a .safetensors file.")
    Path model;

    @Option(names = "--forget", required = true, paramLabel = "REQUEST",
            description = "What to forget: class=K, subclass=NAME|K, random=N|FRACTION, indices=FILE or poisoned (a --poison run's poisoned samples).")
    String forget;

    @Option(names = "--method", required = true, paramLabel = "NAME", description = "The unlearning method (see --list-methods).")
    String method;

    @Option(names = "--alpha", paramLabel = "A", description = "The method's alpha (SSD selection threshold, FF/IU scale).")
    String alpha;

    @Option(names = "--lambda", paramLabel = "L", description = "The method's lambda (SSD dampening constant, IU damping).")
    String lambda;

    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE", description = "Any other option of the method (repeatable).")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--fisher-cache", paramLabel = "FILE",
            description = "SSD's I_D (Fisher diagonal of Dr then Df): read if FILE exists (it must be this model's and request's), else computed and written there.")
    Path fisherCache;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the unlearned model and its metrics.")
    Path out;

    @Option(names = "--dataset", paramLabel = "NAME", description = "Dataset (default: the one the model was trained on).")
    String dataset;

    @Option(names = "--precision", paramLabel = "P", description = "Conv/GEMM arithmetic: fp32 (exact), tf32 or bf16"
            + " (autocast: inputs rounded, float32 accumulation; norms, losses and optimizer state stay float32)."
            + " Default: -Dlethe.precision, else LETHE_PRECISION, else fp32.")
    String precision;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of the method and of a random forget request.")
    long seed;

    @Option(names = "--batch-size", paramLabel = "N", description = "Batch size of the method (its own default when absent) and of evaluation (256).")
    Integer batchSize;

    @Option(names = "--workers", paramLabel = "N", description = "Data-loading threads (default: min(2, cores)).")
    Integer workers;

    @Option(names = "--mia-feature", defaultValue = "confidence", paramLabel = "F",
            description = "Feature of the MIA-efficacy attack: confidence or entropy (default: ${DEFAULT-VALUE}).")
    String miaFeature;

    @Option(names = "--list-methods", help = true, description = "List the registered methods and exit.")
    boolean listMethods;

    @Option(names = "--log-every", paramLabel = "N",
            description = "Steps between reads of a training-based method's loss from the device (default: 50; every epoch also ends with one).")
    Integer logEvery;

    @Option(names = "--no-cuda-graphs", description = "Run every step of a training-based method eagerly on cuda/cuda-emu (graphs are on by default).")
    boolean noCudaGraphs;

    @Option(names = "--sync-bn", description = "With several ranks (mpirun, srun, lethe launch): the training-based methods' batch norm"
            + " uses the global batch's statistics (SyncBatchNorm) instead of each rank's own (the default, as PyTorch DDP).")
    boolean syncBn;

    @Override public Integer call() throws Exception {
        if (listMethods) {
            PrintWriter console = spec.commandLine().getOut();
            console.println(String.join("\n", Unlearners.names()));
            console.flush();
            return 0;
        }
        Precision arithmetic = precision();   // a usage error before anything is read or written
        Path weights = RunFolder.modelPath(model);
        if (!Files.exists(weights)) throw usage("--model: " + model + " does not exist");
        // data-parallel: rank 0 alone checks and writes OUT (the others would find it being written)
        Communicator ranks = Distributed.current();
        boolean leader = ranks.isLeader();
        PrintWriter o = leader ? spec.commandLine().getOut() : new PrintWriter(java.io.Writer.nullWriter());
        if (leader && Files.exists(out) && (!Files.isDirectory(out) || Files.list(out).findAny().isPresent()))
            throw usage("--out: " + out + " already exists and is not empty; choose a new folder (inputs are never overwritten)");
        if (!Set.of("confidence", "entropy").contains(miaFeature))
            throw usage("--mia-feature: must be confidence or entropy, got '" + miaFeature + "'");
        Path src = model.toAbsolutePath().normalize(), dst = out.toAbsolutePath().normalize();
        if (dst.startsWith(src) || src.startsWith(dst))
            throw usage("--out: " + out + " overlaps the model " + model + "; the input is never written, choose another folder");
        if (batchSize != null && batchSize <= 0) throw usage("--batch-size: must be positive, got " + batchSize);
        if (workers != null && workers < 0) throw usage("--workers: must be >= 0, got " + workers);
        if (logEvery != null && logEvery < 1) throw usage("--log-every: must be >= 1, got " + logEvery);
        // the training loops read these settings (ai.lethe.unlearn.train.TrainingLoop, GraphCapture)
        if (logEvery != null) System.setProperty(ai.lethe.unlearn.train.TrainingLoop.LOG_EVERY_PROPERTY, Integer.toString(logEvery));
        if (noCudaGraphs) System.setProperty(ai.lethe.backend.GraphCapture.PROPERTY, "false");
        Map<String, String> methodOptions = new LinkedHashMap<>(options);
        if (alpha != null) methodOptions.put("alpha", alpha);
        if (lambda != null) methodOptions.put("lambda", lambda);
        if (batchSize != null) methodOptions.putIfAbsent("batch-size", Integer.toString(batchSize));
        Unlearner unlearner;
        try {
            unlearner = Unlearners.create(method, methodOptions, batchSize != null ? Set.of("batch-size") : Set.of());
        } catch (IllegalArgumentException e) {
            throw usage("--method: " + e.getMessage());
        }
        boolean auto;   // alpha=auto (ssd, lf-ssd): the tuner chooses it before the run (ai.lethe.tune.AutoOptions)
        try {
            auto = ai.lethe.tune.AutoOptions.hasAuto(method, methodOptions);
        } catch (IllegalArgumentException e) {
            throw usage("--method: " + e.getMessage());
        }
        if (auto && ranks.size() > 1)
            throw usage("--method: alpha=auto runs the tuner in one process; run `lethe tune` first (or without ranks) and pass"
                    + " the alpha it chose");
        ForgetRequest request;
        try {
            request = ForgetRequest.parse(forget);
        } catch (IllegalArgumentException e) {
            throw usage("--forget: " + e.getMessage());
        }
        String name = dataset;
        if (name == null) {
            name = Checkpoint.readInfo(weights).dataset();
            if (name == null || name.isBlank()) throw usage("--dataset: the model does not record its dataset; name it");
        }
        Device device = Backends.defaultDevice();
        int w = workers == null ? DataLoader.defaultWorkers() : workers;
        try (Precision.Scope autocast = Precision.autocast(arithmetic);
             ImageModel original = Checkpoint.openModel(weights, device)) {
            int resize = original.config() instanceof ViTConfig v ? v.imageSize() : 0;
            Pipeline pipeline = CliData.load(spec, name, false, resize);
            if (pipeline.inputShape().channels() != original.config().inChannels()
                    || pipeline.data().train().numClasses() != original.config().numClasses())
                throw usage("--model: the model takes " + original.config().inChannels() + "-channel images and has "
                        + original.config().numClasses() + " classes, but " + name + " has " + pipeline.inputShape().channels()
                        + " channels and " + pipeline.data().train().numClasses() + " classes");
            Dataset train = CliPoison.trainingSet(spec, model, CliData.trainingSet(spec, model, pipeline.data()), request);
            TaskData task;
            try {
                task = TaskData.of(pipeline, train, pipeline.data().test(), request, seed);
            } catch (IllegalArgumentException e) {
                throw usage("--forget: " + e.getMessage());
            }
            if (auto) {
                var data = new ai.lethe.tune.TuneData(task.train(), task.test(), task.split(), task.sets(), pipeline.evalTransform(),
                        task.numClasses(), recipe(weights), device, w, batchSize == null ? 256 : batchSize);
                var tuned = ai.lethe.tune.AutoOptions.resolve(original, data, method, methodOptions,
                        ai.lethe.tune.Tuner.Settings.defaults().withSeed(seed), out.resolve("tune"), line -> {
                            o.println(line);
                            o.flush();
                        });
                methodOptions = tuned.options();
                unlearner = Unlearners.create(method, methodOptions, batchSize != null ? Set.of("batch-size") : Set.of());
            }
            Optional<FisherMap> fisher = fisherCache == null ? Optional.empty()
                    : Optional.of(fisher(original, task, unlearner, seed, device, w, o));
            TrainConfig recipe = recipe(weights);
            JobSettings settings = new JobSettings(device, w, batchSize == null ? 256 : batchSize, miaFeature, fisher, recipe, syncBn);
            o.printf(Locale.ROOT, "unlearning with %s: forget %s (%d samples) of %d training samples, on %s%s%n", method, request.spec(),
                    task.sets().forget().size(), train.size(), device, ranks.size() > 1 ? ", " + ranks.size() + " ranks" : "");
            o.flush();
            try (UnlearnJob.Outcome result = UnlearnJob.run(original, task, unlearner, seed, settings, List.of(new ProgressDisplay()))) {
                if (leader) {
                    Files.createDirectories(out);
                    UnlearnJob.save(result, task, name, out, true);
                }
                if (ranks.size() > 1) ranks.barrier();   // OUT is complete when any rank returns
                result.warnings().forEach(x -> o.println("warning: " + x));
                var m = result.metrics();
                o.printf(Locale.ROOT, "%-24s %8s%n", "metric", "value");
                o.printf(Locale.ROOT, "%-24s %7.2f%%%n", "UA (1 - acc on Df)", 100 * m.ua());
                o.printf(Locale.ROOT, "%-24s %7.2f%%%n", "MIA-efficacy", 100 * m.miaEfficacy());
                o.printf(Locale.ROOT, "%-24s %7.2f%%%n", "RA (acc on Dr)", 100 * m.ra());
                o.printf(Locale.ROOT, "%-24s %7.2f%%%n", "TA (acc on retain-test)", 100 * m.ta());
                o.printf(Locale.ROOT, "%-24s %7.2f%%%n", "forget-test accuracy", 100 * m.forgetTestAccuracy());
                o.printf(Locale.ROOT, "%-24s %7.2f%%%n", "MIA (SSD, entropy)", 100 * m.ssdMia());
                if (m.hasAttackSuccess()) {
                    o.printf(Locale.ROOT, "%-24s %7.2f%%%n", "SA (clean test acc)", 100 * m.ta());
                    o.printf(Locale.ROOT, "%-24s %7.2f%%%n", "ASR (whole test set)", 100 * m.asr());
                    o.printf(Locale.ROOT, "%-24s %7.2f%%%n", "ASR (non-target images)", 100 * m.asrNonTarget());
                }
                o.printf(Locale.ROOT, "%-24s %7.2f s%n", "run time", result.result().seconds());
                o.println("wrote " + out);
                o.flush();
            }
        }
        return 0;
    }

    /** SSD's cached I_D: read (checked to be this run's: FisherCache) or computed as SSD would and written. */
    private FisherMap fisher(ImageModel model, TaskData task, Unlearner unlearner, long seed, Device device, int w, PrintWriter o)
            throws Exception {
        UnlearnContext context = new UnlearnContext(task.sets().forget(), task.sets().retain(), task.numClasses(), task.split(),
                task.pipeline().evalTransform(), device, seed, w, Optional.empty(), null, List.of());
        try {
            return FisherCache.readOrCompute(fisherCache, unlearner, model, context, line -> {
                o.println(line);
                o.flush();
            });
        } catch (IllegalArgumentException e) {
            throw usage("--fisher-cache: " + e.getMessage());
        }
    }

    /** The base recipe of the model's run (Retrain uses it): result.json of its run folder, else the ssd preset. */
    private static TrainConfig recipe(Path weights) throws java.io.IOException {
        try {
            return RunFolder.recipeOf(weights).orElseGet(() -> TrainConfig.preset("ssd", 10));
        } catch (IllegalArgumentException e) {
            return TrainConfig.preset("ssd", 10);   // as for a model without a run: Retrain uses the ssd preset
        }
    }

    private ParameterException usage(String message) { return new ParameterException(spec.commandLine(), message); }

    /** --precision, else the default (Precision.defaultPrecision); a usage error naming the bad value. */
    private Precision precision() {
        try {
            return precision == null ? Precision.defaultPrecision() : Precision.parse(precision, "--precision");
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
