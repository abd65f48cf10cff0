// `lethe prune`: prunes the architecture of a trained model with OMP, IMP or SynFlow (ALGORITHMS.md, "Pruning")
// and writes a new run folder: the pruned, retrained checkpoint (with masks.safetensors), metrics, result.json
// and prune.json. --model names the source (a run folder or a checkpoint): its model config gives the
// architecture, its dataset the default data, and a run folder's result.json the training recipe (else
// --preset/--epochs); every recipe option overrides. Training starts from a fresh initialisation drawn with
// --seed (OMP/IMP train the dense model themselves, to rewind to its epoch k). The source is never written.
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.data.Dataset;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.split.RandomForget;
import ai.lethe.data.split.Split;
import ai.lethe.io.Checkpoint;
import ai.lethe.io.CheckpointInfo;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.models.ViTConfig;
import ai.lethe.prune.PruneConfig;
import ai.lethe.prune.PruneData;
import ai.lethe.prune.PruneResult;
import ai.lethe.prune.PruneRunner;
import ai.lethe.prune.Pruner;
import ai.lethe.prune.SynFlow;
import ai.lethe.tensor.Generator;
import ai.lethe.train.ProgressDisplay;
import ai.lethe.train.RunFolder;
import ai.lethe.train.TrainConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "prune", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Prune a model's architecture (OMP, IMP or SynFlow), retrain it with the mask, write a run folder.")
final class PruneCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "The source model: a run folder (from lethe train) or a checkpoint with a Lethe model config.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The run folder to write (new or empty).")
    Path out;

    @Option(names = "--method", defaultValue = "omp", paramLabel = "NAME",
            description = "omp, imp or synflow (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--sparsity", defaultValue = "0.95", paramLabel = "S",
            description = "Fraction of the conv weights pruned, in [0, 1) (default: ${DEFAULT-VALUE}).")
    double sparsity;

    @Option(names = "--rewind-epoch", defaultValue = "8", paramLabel = "K",
            description = "OMP/IMP: rewind to the weights after epoch K (clamped to the epochs; default: ${DEFAULT-VALUE}).")
    int rewindEpoch;

    @Option(names = "--synflow-rounds", defaultValue = "100", paramLabel = "N", description = "SynFlow rounds (default: ${DEFAULT-VALUE}).")
    int synflowRounds;

    @Option(names = "--synflow-precision", defaultValue = "auto", paramLabel = "P",
            description = "auto (float32, float64 where it overflows), float32 or float64 (default: ${DEFAULT-VALUE}).")
    String synflowPrecision;

    @Option(names = "--imp-rate", defaultValue = "0.2", paramLabel = "R", description = "IMP: fraction pruned per round (default: ${DEFAULT-VALUE}).")
    double impRate;

    @Option(names = "--dataset", paramLabel = "NAME", description = "Dataset (default: the one the model was trained on).")
    String dataset;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "Recipe unlearn-sparse or ssd (default: the source run's recipe, else unlearn-sparse).")
    String preset;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs of each training (default: the recipe's, else 10).")
    Integer epochs;

    @Option(names = "--lr", paramLabel = "LR", description = "Learning rate (default: the recipe's).")
    Double lr;

    @Option(names = "--batch-size", paramLabel = "N", description = "Batch size (default: the recipe's).")
    Integer batchSize;

    @Option(names = "--weight-decay", paramLabel = "WD", description = "Weight decay (default: the recipe's).")
    Double weightDecay;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of initialisation, order and augmentation (default: the recipe's).")
    Long seed;

    @Option(names = "--workers", paramLabel = "N", description = "Data-loading threads (default: min(2, cores)).")
    Integer workers;

    @Option(names = "--subset", paramLabel = "N",
            description = "Train on N training samples drawn with the seed (default: the source model's subset, if it was trained on one).")
    Integer subset;

    @Option(names = "--no-augment", description = "Train without augmentation (crop/flip).")
    boolean noAugment;

    @Override public Integer call() throws Exception {
        Path weights = RunFolder.modelPath(model);
        if (!Files.exists(weights)) throw usage("--model: " + model + " does not exist");
        checkOut();
        CheckpointInfo info;
        try {
            info = Checkpoint.readInfo(weights);
        } catch (java.io.IOException e) {
            throw usage("--model: " + e.getMessage());
        }
        ModelConfig modelConfig;
        try {
            modelConfig = ModelConfig.fromJson(info.modelConfigJson());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw usage("--model: " + weights + " does not record a valid model config");
        }
        String name = dataset != null ? dataset : info.dataset();
        if (name == null || name.isBlank()) throw usage("--dataset: the model does not record its dataset; name it");
        PruneConfig config = pruneConfig(trainConfig());
        Pipeline pipeline = CliData.load(spec, name, config.train().augment(), modelConfig instanceof ViTConfig v ? v.imageSize() : 0);
        if (pipeline.inputShape().channels() != modelConfig.inChannels() || pipeline.data().train().numClasses() != modelConfig.numClasses())
            throw usage("--dataset: " + pipeline.data().name() + " has " + pipeline.inputShape().channels() + "-channel images and "
                    + pipeline.data().train().numClasses() + " classes; the model takes " + modelConfig.inChannels() + " and "
                    + modelConfig.numClasses());
        PruneData data = PruneData.of(pipeline);
        Split subsetSplit = null;
        Path sourceSubset = CliData.subsetFile(model);
        if (subset != null) {
            Dataset train = data.train();
            if (subset <= 0 || subset > train.size()) throw usage("--subset: " + subset + " must be in [1, " + train.size() + "]");
            subsetSplit = Split.of(train, pipeline.data().test(), RandomForget.count(subset), config.train().seed());
            data = data.withTrain(subsetSplit.sets(train, pipeline.data().test()).forget());
        } else if (sourceSubset != null) {
            // the source model was trained on a subset (lethe train --subset): prune and train on the same samples
            subsetSplit = Split.read(sourceSubset);
            data = data.withTrain(CliData.trainingSet(spec, model, pipeline.data()));
        }
        PrintWriter o = spec.commandLine().getOut();
        RunFolder run = RunFolder.create(out);
        if (subsetSplit != null) subsetSplit.write(run.root().resolve(CliData.TRAINING_SUBSET));   // unlearn/eval reuse it
        try (ImageModel m = Models.create(modelConfig, new Generator(config.train().seed())).to(Backends.defaultDevice())) {
            o.printf(Locale.ROOT, "pruning %s with %s to sparsity %.4f on %s (%d samples) on %s, %d epochs per training%n",
                    Models.describe(modelConfig), config.method().cliName(), config.sparsity(), data.name(), data.train().size(),
                    Backends.defaultDevice(), config.train().epochs());
            o.flush();
            PruneResult r = PruneRunner.run(m, data, config, run, List.of(new ProgressDisplay()));
            o.printf(Locale.ROOT, "sparsity %.4f (%d conv tensors), test accuracy %.2f%%, %.1f s (pruning %.1f s)%n", r.sparsity(),
                    r.tensorSparsity().size(), 100 * r.training().last().valAccuracy(), r.seconds(), r.pruneSeconds());
            o.println("wrote " + run.root());
            o.flush();
        }
        return 0;
    }

    /** --out must be new or an empty folder, and not the source or inside it. */
    private void checkOut() throws java.io.IOException {
        Path src = model.toAbsolutePath().normalize(), dst = out.toAbsolutePath().normalize();
        if (dst.startsWith(src) || src.startsWith(dst))
            throw usage("--out: " + out + " overlaps the source model " + model + "; the source is never written");
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) throw usage("--out: " + out + " exists and is not a folder");
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) throw usage("--out: " + out + " is not empty; choose a new folder");
            }
        }
    }

    private TrainConfig trainConfig() throws java.io.IOException {
        CliData.checkRecipe(spec, epochs, lr, batchSize, weightDecay, workers);
        TrainConfig base = null;
        if (preset == null) {
            try {
                base = RunFolder.recipeOf(model).orElse(null);
            } catch (IllegalArgumentException e) {
                throw usage("--model: " + e.getMessage());
            }
        }
        try {
            if (base == null) base = TrainConfig.preset(preset == null ? "unlearn-sparse" : preset, epochs == null ? 10 : epochs);
        } catch (IllegalArgumentException e) {
            throw usage("--preset: " + e.getMessage());
        }
        var b = base.toBuilder();
        if (epochs != null) b.epochs(epochs);
        if (seed != null) b.seed(seed);
        if (noAugment) b.augment(false);
        if (lr != null) b.lr(lr);
        if (batchSize != null) b.batchSize(batchSize);
        if (weightDecay != null) b.weightDecay(weightDecay);
        if (workers != null) b.workers(workers);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private PruneConfig pruneConfig(TrainConfig train) {
        Pruner p;
        try {
            p = Pruner.parse(method);
        } catch (IllegalArgumentException e) {
            throw usage("--method: " + e.getMessage());
        }
        SynFlow.Precision precision = switch (synflowPrecision.toLowerCase(Locale.ROOT)) {
            case "auto" -> SynFlow.Precision.AUTO;
            case "float32" -> SynFlow.Precision.FLOAT32;
            case "float64" -> SynFlow.Precision.FLOAT64;
            default -> throw usage("--synflow-precision: unknown precision '" + synflowPrecision + "'; known: auto, float32, float64");
        };
        if (!(sparsity >= 0 && sparsity < 1)) throw usage("--sparsity: must be in [0, 1), got " + sparsity);
        if (rewindEpoch < 0) throw usage("--rewind-epoch: must be >= 0, got " + rewindEpoch);
        if (synflowRounds < 1) throw usage("--synflow-rounds: must be >= 1, got " + synflowRounds);
        if (!(impRate > 0 && impRate < 1)) throw usage("--imp-rate: must be in (0, 1), got " + impRate);
        return new PruneConfig(p, sparsity, rewindEpoch, synflowRounds, precision, impRate, train);
    }

    private ParameterException usage(String message) { return new ParameterException(spec.commandLine(), message); }
}
