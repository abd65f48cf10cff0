// `lethe transfer`: the sparsity paper's transfer application. Loads a model trained on a source task, forgets some
// of its classes by class-wise unlearning (given with --forget-classes, or found with --search-classes), linear-probes
// the frozen penultimate features on a target task, and compares target accuracy and time for the original, the
// unlearned and a retrained model (ai.lethe.transfer.TransferStudy). Writes OUT/report.md and OUT/report.json and
// prints the table. A source task of some classes of a dataset is the dataset name with @LIST ("fashion-mnist@0-5",
// trained with `lethe train --dataset fashion-mnist@0-5`); the target is --target-dataset (default: the source's
// dataset without the class list) restricted to --target-classes. `--config FILE` takes the options from a YAML/JSON
// file (ai.lethe.transfer.TransferConfig; the command line's own options override the file's), training the source
// model first from the file's train block when it is missing; examples/transfer-*.yaml are such files.
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.data.ClassSelection;
import ai.lethe.data.Dataset;
import ai.lethe.data.TrainTest;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.experiment.TaskData;
import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ViTConfig;
import ai.lethe.train.ProgressDisplay;
import ai.lethe.train.RunFolder;
import ai.lethe.train.TrainConfig;
import ai.lethe.transfer.LinearProbe;
import ai.lethe.transfer.TransferReport;
import ai.lethe.transfer.TransferStudy;
import ai.lethe.unlearn.Unlearners;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "transfer", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Forget source classes by unlearning, then linear-probe the model on a target task; compare with the original and a retrained model.")
final class TransferCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Take the options from a YAML or JSON file (keys: these options without dashes; a train block trains the source model"
                    + " when it is missing); options given here override the file's.")
    Path config;

    @Option(names = "--model", paramLabel = "PATH",
            description = "The source model: a run folder (lethe train), a checkpoint folder or a .safetensors file.")
    Path model;

    @Option(names = "--dataset", paramLabel = "NAME",
            description = "The source task (default: the one the model was trained on), e.g. fashion-mnist@0-5.")
    String dataset;

    static final class Forget {
        @Option(names = "--forget-classes", paramLabel = "LIST", description = "Source classes (of the model) to forget, e.g. 1,2 or 0-2.")
        String classes;

        @Option(names = "--search-classes", description = "Search for the source classes whose removal helps the target (see --candidates).")
        boolean search;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Forget forget;

    @Option(names = "--candidates", paramLabel = "LIST", description = "Classes the search tries, one at a time (default: every source class).")
    String candidates;

    @Option(names = "--target-dataset", paramLabel = "NAME",
            description = "The target dataset (default: the source's dataset without its class list).")
    String targetDataset;

    @Option(names = "--target-classes", paramLabel = "LIST", description = "Classes of the target dataset that make the target task (default: all).")
    String targetClasses;

    @Option(names = "--target-train-subset", paramLabel = "N", description = "Use N class-balanced target training images (quick runs).")
    Integer targetTrainSubset;

    @Option(names = "--target-test-subset", paramLabel = "N", description = "Use N class-balanced target test images.")
    Integer targetTestSubset;

    @Option(names = "--method", defaultValue = "ssd", paramLabel = "NAME",
            description = "Unlearning method (default: ${DEFAULT-VALUE}, with alpha = min(10, 0.8·|D|/|Df|) unless -o alpha= is given; the paper used l1-sparse).")
    String method;

    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE", description = "An option of the method (repeatable).")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--no-retrain", description = "Skip the retrained model (it costs a full training run).")
    boolean noRetrain;

    @Option(names = "--retrain-epochs", paramLabel = "N", description = "Epochs of the retrained model (default: the model's recipe).")
    Integer retrainEpochs;

    @Option(names = "--probe-c", defaultValue = "1.0", paramLabel = "C",
            description = "Inverse L2 strength of the probe (scikit-learn's C; default: ${DEFAULT-VALUE}).")
    double probeC;

    @Option(names = "--probe-tolerance", defaultValue = "1e-6", paramLabel = "T",
            description = "The probe is converged when max |gradient| of its mean objective <= T (default: ${DEFAULT-VALUE}).")
    double probeTolerance;

    @Option(names = "--probe-max-iterations", defaultValue = "2000", paramLabel = "N", description = "L-BFGS iterations at most (default: ${DEFAULT-VALUE}).")
    int probeMaxIterations;

    @Option(names = "--validation-fraction", defaultValue = "0.2", paramLabel = "F",
            description = "Share of the target's training set the search holds out for validation (default: ${DEFAULT-VALUE}).")
    double validationFraction;

    @Option(names = "--min-gain", defaultValue = "0", paramLabel = "G",
            description = "The search keeps a class whose removal raises validation accuracy by more than G (a fraction; default: ${DEFAULT-VALUE}).")
    double minGain;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write report.md and report.json (new or empty).")
    Path out;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of the methods, the subsets and the validation split.")
    long seed;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N", description = "Batch size of feature extraction and evaluation (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--workers", paramLabel = "N", description = "Data-loading threads (default: min(2, cores)).")
    Integer workers;

    @Override public Integer call() throws Exception {
        if (config != null) return fromConfig();
        if (model == null) throw usage("Missing required option: '--model=PATH' (or --config FILE)");
        if (out == null) throw usage("Missing required option: '--out=DIR' (or --config FILE)");
        if (forget == null) throw usage("Missing required argument: give one of --forget-classes LIST and --search-classes (or --config FILE)");
        Path weights = RunFolder.modelPath(model);
        if (!Files.exists(weights)) throw usage("--model: " + model + " does not exist");
        if (Files.exists(out) && (!Files.isDirectory(out) || nonEmpty(out)))
            throw usage("--out: " + out + " already exists and is not empty; choose a new folder");
        CliData.checkWorkers(spec, workers);
        if (batchSize <= 0) throw usage("--batch-size: must be positive, got " + batchSize);
        if (retrainEpochs != null && retrainEpochs <= 0) throw usage("--retrain-epochs: must be positive, got " + retrainEpochs);
        if (targetTrainSubset != null && targetTrainSubset <= 0) throw usage("--target-train-subset: must be positive, got " + targetTrainSubset);
        if (targetTestSubset != null && targetTestSubset <= 0) throw usage("--target-test-subset: must be positive, got " + targetTestSubset);
        if (!Unlearners.names().contains(method)) throw usage("--method: unknown method '" + method + "'; known: " + String.join(", ", Unlearners.names()));
        try {
            Unlearners.create(method, withAlpha(options));   // checks the options now, before anything runs
        } catch (IllegalArgumentException e) {
            throw usage("--option: " + e.getMessage());
        }
        LinearProbe.Options probe;
        try {
            probe = new LinearProbe.Options(probeC, probeTolerance, probeMaxIterations);
        } catch (IllegalArgumentException e) {
            throw usage("--probe-*: " + e.getMessage());
        }
        if (!(validationFraction > 0 && validationFraction < 1)) throw usage("--validation-fraction: must be in (0, 1), got " + validationFraction);
        if (!(minGain >= 0 && Double.isFinite(minGain))) throw usage("--min-gain: must be a finite number >= 0, got " + minGain);
        if (forget.search && forget.classes != null) throw usage("--forget-classes and --search-classes exclude each other");
        if (!forget.search && candidates != null) throw usage("--candidates: only with --search-classes");
        String sourceName = dataset;
        if (sourceName == null) {
            sourceName = Checkpoint.readInfo(weights).dataset();
            if (sourceName == null || sourceName.isBlank()) throw usage("--dataset: the model does not record its dataset; name it");
        }
        String targetBase = targetDataset != null ? targetDataset : baseName(sourceName);
        Device device = Backends.defaultDevice();
        int w = workers == null ? DataLoader.defaultWorkers() : workers;
        PrintWriter o = spec.commandLine().getOut();
        try (ImageModel original = Checkpoint.openModel(weights, device)) {
            int resize = original.config() instanceof ViTConfig v ? v.imageSize() : 0;
            Pipeline src = CliData.load(spec, sourceName, false, resize);
            if (src.inputShape().channels() != original.config().inChannels() || src.data().train().numClasses() != original.config().numClasses())
                throw usage("--model: the model takes " + original.config().inChannels() + "-channel images and has " + original.config().numClasses()
                        + " classes, but the source task " + sourceName + " has " + src.inputShape().channels() + " channels and "
                        + src.data().train().numClasses() + " classes");
            Dataset sourceTrain = CliData.trainingSet(spec, model, src.data());
            Pipeline tgt = CliData.load(spec, targetBase, false, resize);
            TrainTest targetData = tgt.data();
            if (targetClasses != null) {
                int[] tc;
                try {
                    tc = ClassSelection.parse(targetClasses, "--target-classes");
                    targetData = ClassSelection.of(targetData, tc);
                } catch (IllegalArgumentException e) {
                    throw usage("--target-classes: " + e.getMessage());
                }
                checkDisjoint(sourceName, targetBase, tc);
            } else if (baseName(sourceName).equalsIgnoreCase(targetBase)) {
                throw usage("--target-classes: the target dataset " + targetBase + " is the source's; name the target's classes (disjoint from the source's)");
            }
            if (tgt.inputShape().channels() != original.config().inChannels())
                throw usage("--target-dataset: " + targetBase + " has " + tgt.inputShape().channels() + "-channel images, the model takes "
                        + original.config().inChannels());
            Dataset tTrain = targetData.train(), tTest = targetData.test();
            try {
                if (targetTrainSubset != null) tTrain = TaskData.balanced(tTrain, targetTrainSubset, seed, "target train");
                if (targetTestSubset != null) tTest = TaskData.balanced(tTest, targetTestSubset, seed, "target test");
            } catch (IllegalArgumentException e) {
                throw usage("--target-*-subset: " + e.getMessage());
            }
            int[] forgetClasses = null, candidateClasses = null;
            int k = original.config().numClasses();
            try {
                if (forget.search)
                    candidateClasses = candidates == null ? IntStream.range(0, k).toArray() : ClassSelection.parse(candidates, "--candidates");
                else forgetClasses = ClassSelection.parse(forget.classes, "--forget-classes");
                ClassSelection.checkClasses(forget.search ? candidateClasses : forgetClasses, k, "the source task " + sourceName);
            } catch (IllegalArgumentException e) {
                throw usage((forget.search ? "--candidates: " : "--forget-classes: ") + e.getMessage());
            }
            if (!forget.search && forgetClasses.length >= k) throw usage("--forget-classes: forgetting all " + k + " source classes leaves nothing to retain");
            Map<String, String> retrainOptions = retrainEpochs == null ? Map.of() : Map.of("epochs", Integer.toString(retrainEpochs));
            var settings = new TransferStudy.Settings(device, w, batchSize, seed, probe, method, options, !noRetrain, retrainOptions,
                    validationFraction, minGain);
            var study = new TransferStudy(original, new TransferStudy.Source(sourceTrain, src.data().test(), src.evalTransform(), recipe(weights)),
                    new TransferStudy.Target(tTrain, tTest, tgt.evalTransform()), settings, List.of(new ProgressDisplay()), line -> {
                        o.println(line);
                        o.flush();
                    });
            o.printf(Locale.ROOT, "transfer: source %s (%d training images, %d classes) -> target %s (%d training, %d test images, %d classes), on %s%n",
                    sourceName, sourceTrain.size(), k, targetData.name(), tTrain.size(), tTest.size(), tTrain.numClasses(), device);
            o.flush();
            TransferStudy.Result result = forget.search ? study.search(candidateClasses) : study.run(forgetClasses);
            Map<String, Object> setup = new LinkedHashMap<>();
            setup.put("model", model.toString());
            setup.put("source", sourceName + " (" + sourceTrain.size() + " training images)");
            setup.put("target", targetData.name() + " (" + tTrain.size() + " training, " + tTest.size() + " test images)");
            setup.put("selection", forget.search ? "search over classes " + Arrays.toString(candidateClasses) + ", validation fraction "
                    + validationFraction + ", min gain " + minGain : "given: " + Arrays.toString(forgetClasses));
            setup.put("method", method + (options.isEmpty() ? "" : " " + options));
            setup.put("probe", String.format(Locale.ROOT, "multinomial logistic regression, C = %s, L-BFGS until max |gradient| <= %s (at most %d iterations)",
                    probeC, probeTolerance, probeMaxIterations));
            setup.put("device", device.toString());
            setup.put("seed", seed);
            Files.createDirectories(out);
            TransferReport.write(out, result, setup);
            if (result.search().isPresent()) o.print(TransferReport.searchTable(result));
            o.println();
            o.print(TransferReport.table(result));
            result.notes().forEach(n -> o.println("note: " + n));
            o.println("wrote " + out);
            o.flush();
        }
        return 0;
    }

    /**
     * `lethe transfer --config FILE [options]`: the file's options, then the ones given here (which override them),
     * run as one `lethe transfer` command line; the source model is trained first from the file's train block when the
     * model has no checkpoint yet (`lethe train ... --out MODEL`). The default output folder is runs/NAME.
     */
    private int fromConfig() throws Exception {
        if (!Files.isRegularFile(config)) throw usage("--config: " + config + " is not a file");
        ai.lethe.transfer.TransferConfig c;
        try {
            c = ai.lethe.transfer.TransferConfig.read(config);
        } catch (IllegalArgumentException e) {
            throw usage("--config: " + e.getMessage());
        }
        List<String> given = new java.util.ArrayList<>();
        for (var o : spec.commandLine().getParseResult().matchedOptions()) {
            if (o.longestName().equals("--config") || o.inherited()) continue;
            if (o.arity().max() == 0) given.add(o.longestName());
            else for (String v : o.originalStringValues()) given.addAll(List.of(o.longestName(), v));
        }
        List<String> global = new java.util.ArrayList<>();
        var device = spec.root().findOption("--device");
        if (device != null && device.getValue() != null) global.addAll(List.of("--device", device.getValue().toString()));
        var debug = spec.root().findOption("--debug");
        if (debug != null && Boolean.TRUE.equals(debug.getValue())) global.add("--debug");
        Path modelPath = model != null ? model : c.model().orElse(null);
        if (modelPath == null) throw usage("--config: " + config + " names no model (model: PATH), and --model is not given");
        if (c.train().isPresent() && !Files.exists(RunFolder.modelPath(modelPath))) {
            List<String> train = new java.util.ArrayList<>(global);
            train.add("train");
            train.addAll(c.train().get());
            if (!train.contains("--out")) train.addAll(List.of("--out", modelPath.toString()));
            spec.commandLine().getOut().println("transfer: training the source model first: lethe " + String.join(" ", train));
            int code = run(train);
            if (code != 0) return code;
        }
        List<String> args = new java.util.ArrayList<>(global);
        args.add("transfer");
        args.addAll(withoutOverridden(c.transfer(), given));
        args.addAll(given);
        if (out == null && c.out().isEmpty()) args.addAll(List.of("--out", Path.of("runs", c.name()).toString()));
        return run(args);
    }

    /**
     * The file's arguments less the options the command line gives (and, when it picks --forget-classes or
     * --search-classes, the file's choice of the other and its --candidates), so those replace the file's.
     */
    private List<String> withoutOverridden(List<String> file, List<String> given) {
        java.util.Set<String> drop = new java.util.HashSet<>();
        for (String g : given) if (g.startsWith("-") && spec.findOption(g) != null) drop.add(spec.findOption(g).longestName());
        if (drop.contains("--forget-classes") || drop.contains("--search-classes")) drop.addAll(List.of("--forget-classes", "--search-classes"));
        if (drop.contains("--forget-classes")) drop.add("--candidates");
        List<String> kept = new java.util.ArrayList<>();
        for (int i = 0; i < file.size(); i++) {
            var o = spec.findOption(file.get(i));
            boolean takesValue = o == null || o.arity().max() > 0;
            if (o != null && drop.contains(o.longestName())) {
                if (takesValue) i++;
                continue;
            }
            kept.add(file.get(i));
            if (takesValue && i + 1 < file.size()) kept.add(file.get(++i));
        }
        return kept;
    }

    /** Runs a `lethe` command line with this command's writers; later single-valued options override earlier ones. */
    private int run(List<String> args) {
        picocli.CommandLine cmd = Main.commandLine();
        cmd.setOverwrittenOptionsAllowed(true);
        cmd.setOut(spec.commandLine().getOut());
        cmd.setErr(spec.commandLine().getErr());
        return cmd.execute(args.toArray(String[]::new));
    }

    /** The method's options as the study will create it for the validation above (SSD without alpha gets a placeholder). */
    private Map<String, String> withAlpha(Map<String, String> given) {
        Map<String, String> m = new LinkedHashMap<>(given);
        if (method.equals("ssd")) m.putIfAbsent("alpha", "1");
        return m;
    }

    /** The dataset name without a trailing @LIST. */
    static String baseName(String name) {
        int at = name.lastIndexOf('@');
        return at > 0 && ClassSelection.isList(name.substring(at + 1)) ? name.substring(0, at) : name;
    }

    /** Refuses a target that shares classes with the source when both come from one dataset. */
    private void checkDisjoint(String sourceName, String targetBase, int[] targetClasses) {
        if (!baseName(sourceName).equalsIgnoreCase(targetBase)) return;
        int at = sourceName.lastIndexOf('@');
        if (at < 0 || baseName(sourceName).equals(sourceName))
            throw usage("--target-classes: the source model was trained on all of " + targetBase + "; a target of its own classes is no transfer");
        int[] sc = ClassSelection.parse(sourceName.substring(at + 1), "--dataset");
        for (int t : targetClasses)
            for (int s : sc)
                if (s == t) throw usage("--target-classes: class " + t + " of " + targetBase + " is also a source class (" + sourceName + ")");
    }

    private static boolean nonEmpty(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    /** The source model's recipe (the retrained model's): result.json of its run folder, else the ssd preset. */
    private static TrainConfig recipe(Path weights) throws java.io.IOException {
        try {
            return RunFolder.recipeOf(weights).orElseGet(() -> TrainConfig.preset("ssd", 10));
        } catch (IllegalArgumentException e) {
            return TrainConfig.preset("ssd", 10);
        }
    }

    private ParameterException usage(String message) { return new ParameterException(spec.commandLine(), message); }
}
