// `lethe train`: trains a model on a dataset with a recipe preset (any knob overridable) and writes a run folder:
// the final checkpoint, the latest epoch (resumable with --resume), the best epoch, metrics.jsonl and
// result.json with the final accuracies.
package ai.lethe.cli;

import ai.lethe.data.Dataset;
import ai.lethe.data.Pipeline;
import ai.lethe.data.TrainTest;
import ai.lethe.data.split.RandomForget;
import ai.lethe.data.split.Split;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.backend.Backends;
import ai.lethe.tensor.Generator;
import ai.lethe.train.ProgressDisplay;
import ai.lethe.train.RunFolder;
import ai.lethe.train.TrainConfig;
import ai.lethe.train.TrainResult;
import ai.lethe.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Train a model on a dataset and write a run folder (checkpoints, metrics, result).")
final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ModelOptions modelOptions;

    @Option(names = "--dataset", required = true, paramLabel = "NAME",
            description = "fashion-mnist, mnist, cifar10, cifar100, cifar20, synthetic[:k=v,...] or folder:PATH.")
    String dataset;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The run folder to write.")
    Path out;

    @Option(names = "--preset", defaultValue = "unlearn-sparse", paramLabel = "NAME",
            description = "Recipe: unlearn-sparse (SGD 0.1, batch 256, x0.1 at 50%%/75%%) or ssd (SGD 0.1, batch 64,"
                    + " 1 warm-up epoch, x0.2 at 30/60/80%%). Default: ${DEFAULT-VALUE}.")
    String preset;

    @Option(names = "--epochs", defaultValue = "10", paramLabel = "N", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", paramLabel = "LR", description = "Learning rate (default: the preset's).")
    Double lr;

    @Option(names = "--batch-size", paramLabel = "N", description = "Batch size (default: the preset's).")
    Integer batchSize;

    @Option(names = "--weight-decay", paramLabel = "WD", description = "Weight decay (default: the preset's).")
    Double weightDecay;

    @Option(names = "--optimizer", paramLabel = "NAME", description = "sgd or adamw (default: the preset's, sgd).")
    String optimizer;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of initialisation, order and augmentation.")
    long seed;

    @Option(names = "--workers", paramLabel = "N", description = "Data-loading threads (default: min(2, cores)).")
    Integer workers;

    @Option(names = "--subset", paramLabel = "N", description = "Train on N training samples drawn with the seed (quick runs).")
    Integer subset;

    @Option(names = "--no-augment", description = "Train without augmentation (crop/flip).")
    boolean noAugment;

    @Option(names = "--keep-epochs", description = "Keep every epoch's weights in DIR/epochs/ (for rewinding).")
    boolean keepEpochs;

    @Option(names = "--resume", description = "Continue the run in --out from its latest epoch.")
    boolean resume;

    @Override public Integer call() throws Exception {
        TrainConfig config = trainConfig();
        if (resume && !Files.isDirectory(new RunFolder(out).last()))
            throw new ParameterException(spec.commandLine(), "--resume: " + out + " has no run to resume (no " + new RunFolder(out).last() + ")");
        if (!resume && Files.exists(new RunFolder(out).last()))
            throw new ParameterException(spec.commandLine(), "--out: " + out + " already holds a run; use --resume to continue it or choose another folder");
        Pipeline pipeline = CliData.load(spec, dataset, !noAugment, modelOptions.imageSize);
        TrainTest data = pipeline.data();
        Dataset train = data.train();
        Split subsetSplit = null;
        if (subset != null) {
            if (subset <= 0 || subset > train.size())
                throw new ParameterException(spec.commandLine(), "--subset: " + subset + " must be in [1, " + train.size() + "]");
            subsetSplit = Split.of(train, data.test(), RandomForget.count(subset), seed);
            train = subsetSplit.sets(train, data.test()).forget();
        }
        ModelConfig modelConfig = CliData.modelConfig(spec, modelOptions, pipeline.inputShape(), train.numClasses());
        RunFolder run = RunFolder.create(out);
        if (subsetSplit != null) subsetSplit.write(run.root().resolve(CliData.TRAINING_SUBSET));   // unlearn/eval reuse it
        PrintWriter o = spec.commandLine().getOut();
        try (ImageModel model = Models.create(modelConfig, new Generator(seed)).to(Backends.defaultDevice())) {
            Trainer trainer = Trainer.builder(model, train, config).validation(data.test())
                    .transforms(pipeline.trainTransform(), pipeline.evalTransform()).datasetName(data.name())
                    .runFolder(run).keepEveryEpoch(keepEpochs).listener(new ProgressDisplay()).build();
            o.printf(Locale.ROOT, "training %s on %s (%d samples, %s) on %s for %d epochs (%s)%n", Models.describe(modelConfig),
                    data.name(), train.size(), pipeline.inputShape(), Backends.defaultDevice(), config.epochs(), config.preset());
            o.flush();
            TrainResult r = resume ? trainer.resume() : trainer.fit();
            o.printf(Locale.ROOT, "train accuracy %.2f%%, test accuracy %.2f%% (best %.2f%% at epoch %d), %.1f s%n",
                    100 * r.last().trainAccuracy(), 100 * r.last().valAccuracy(), 100 * r.bestValAccuracy(), r.bestEpoch() + 1,
                    r.seconds());
            o.println("wrote " + run.root());
            o.flush();
        }
        return 0;
    }

    private TrainConfig trainConfig() {
        TrainConfig base;
        try {
            base = TrainConfig.preset(preset, epochs);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--preset: " + e.getMessage());
        }
        var b = base.toBuilder().seed(seed).augment(!noAugment);
        if (lr != null) b.lr(lr);
        if (batchSize != null) b.batchSize(batchSize);
        if (weightDecay != null) b.weightDecay(weightDecay);
        if (workers != null) b.workers(workers);
        if (optimizer != null) b.optimizer(switch (optimizer) {
            case "sgd" -> TrainConfig.OptimizerKind.SGD;
            case "adamw" -> TrainConfig.OptimizerKind.ADAMW;
            default -> throw new ParameterException(spec.commandLine(), "--optimizer: unknown optimizer '" + optimizer + "'; known: sgd, adamw");
        });
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
