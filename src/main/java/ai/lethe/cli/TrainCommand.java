// `lethe train`: trains a model on a dataset with a recipe preset (any knob overridable) and writes a run folder:
// the final checkpoint, the latest epoch (resumable with --resume), the best epoch, metrics.jsonl and
// result.json with the final accuracies. Every option is checked before anything is written (usage errors, exit
// code 2): --out must be new or empty unless --resume, and --resume must repeat the run's recipe, model, dataset
// and --subset (training-subset.json is never rewritten by a resume). --resume first repairs a checkpoint save
// that a killed process interrupted. --poison badnets:... backdoors the training set (CliPoison; poison.json).
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.backend.Precision;
import ai.lethe.data.Dataset;
import ai.lethe.data.poison.PoisonRecord;
import ai.lethe.data.poison.PoisonSpec;
import ai.lethe.data.poison.Poisoned;
import ai.lethe.data.TrainTest;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.split.RandomForget;
import ai.lethe.data.split.Split;
import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.tensor.Generator;
import ai.lethe.train.ProgressDisplay;
import ai.lethe.train.RunFolder;
import ai.lethe.train.TrainConfig;
import ai.lethe.train.TrainResult;
import ai.lethe.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
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

    @Option(names = "--precision", paramLabel = "P", description = "Conv/GEMM arithmetic: fp32 (exact), tf32 or bf16"
            + " (autocast: inputs rounded, float32 accumulation; norms, losses and optimizer state stay float32)."
            + " Default: -Dlethe.precision, else LETHE_PRECISION, else fp32.")
    String precision;

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

    @Option(names = "--log-every", paramLabel = "N",
            description = "Steps between reads of the training loss from the device (default: 50; every epoch also ends with one).")
    Integer logEvery;

    @Option(names = "--no-cuda-graphs", description = "Run every training step eagerly on cuda/cuda-emu (graphs are on by default).")
    boolean noCudaGraphs;

    @Option(names = "--sync-bn", description = "With several ranks (mpirun, srun, lethe launch): batch norm with the global batch's"
            + " statistics (SyncBatchNorm) instead of each rank's own (the default, as PyTorch DDP).")
    boolean syncBn;

    @Option(names = "--poison", paramLabel = "SPEC", description = "Backdoor the training set: " + PoisonSpec.FORM
            + " (defaults ratio 0.1, target 0, size 4, seed --seed, value 0 = black); recorded in DIR/poison.json.")
    String poison;

    @Override public Integer call() throws Exception {
        Precision arithmetic = precision();   // a usage error before anything is read or written
        // every option is checked before anything is written: the recipe, the subset, the model, then --out
        TrainConfig config = trainConfig();
        modelOptions.check(spec);
        if (subset != null && subset <= 0) throw usage("--subset: must be positive, got " + subset);
        if (logEvery != null && logEvery < 1) throw usage("--log-every: must be >= 1, got " + logEvery);
        PoisonSpec poisonSpec = CliPoison.parse(spec, poison);
        if (Files.exists(out) && !Files.isDirectory(out)) throw usage("--out: " + out + " exists and is not a folder");
        RunFolder folder = new RunFolder(out);
        // data-parallel: rank 0 alone checks and writes the run folder; the other ranks only read it (resume)
        boolean leader = ai.lethe.distributed.Distributed.current().isLeader();
        if (!resume && leader) checkNewRun(folder);
        Pipeline pipeline = CliData.load(spec, dataset, !noAugment, modelOptions.imageSize);
        TrainTest data = pipeline.data();
        Dataset train = data.train();
        Split subsetSplit = null;
        if (subset != null) {
            if (subset > train.size())
                throw usage("--subset: " + subset + " must be in [1, " + train.size() + "]");
            subsetSplit = Split.of(train, data.test(), RandomForget.count(subset), seed);
        }
        ModelConfig modelConfig = CliData.modelConfig(spec, modelOptions, pipeline.inputShape(), train.numClasses());
        if (resume) checkResume(folder, config, modelConfig, data, subsetSplit);
        if (subsetSplit != null) train = subsetSplit.sets(train, data.test()).forget();
        Poisoned poisoned = CliPoison.poison(spec, poisonSpec, train, seed);
        PoisonRecord poisonRecord = poisoned == null ? null : PoisonRecord.of(poisoned, poisonSpec, seed);
        if (resume) CliPoison.checkResume(spec, folder, poisonRecord);
        if (poisoned != null) train = poisoned;
        if (!leader) ai.lethe.distributed.Distributed.current().barrier();   // rank 0 has created the folder
        RunFolder run = leader ? RunFolder.create(out) : new RunFolder(out);
        if (!resume && leader) {
            Path subsetFile = run.root().resolve(CliData.TRAINING_SUBSET), poisonFile = run.root().resolve(PoisonRecord.FILE);
            if (subsetSplit != null) subsetSplit.write(subsetFile);   // unlearn/eval reuse it
            else Files.deleteIfExists(subsetFile);   // one a run killed before its first epoch left
            if (poisonRecord != null) poisonRecord.write(poisonFile);   // lethe unlearn --forget poisoned reads it
            else Files.deleteIfExists(poisonFile);
        }
        if (leader) ai.lethe.distributed.Distributed.current().barrier();
        PrintWriter o = leader ? spec.commandLine().getOut() : new PrintWriter(java.io.Writer.nullWriter());
        try (Precision.Scope autocast = Precision.autocast(arithmetic);
             ImageModel model = Models.create(modelConfig, new Generator(seed)).to(Backends.defaultDevice())) {
            Trainer trainer = Trainer.builder(model, train, config).validation(data.test())
                    .transforms(pipeline.trainTransform(), pipeline.evalTransform()).datasetName(data.name())
                    .runFolder(run).keepEveryEpoch(keepEpochs).listener(new ProgressDisplay())
                    .logEvery(logEvery != null ? logEvery : Trainer.DEFAULT_LOG_EVERY).syncBatchNorm(syncBn)
                    .cudaGraphs(!noCudaGraphs && ai.lethe.backend.GraphCapture.enabledBySettings()).build();
            o.printf(Locale.ROOT, "training %s on %s (%d samples, %s) on %s for %d epochs (%s)%n", Models.describe(modelConfig),
                    data.name(), train.size(), pipeline.inputShape(), Backends.defaultDevice(), config.epochs(), config.preset());
            o.flush();
            TrainResult r = resume ? trainer.resume() : trainer.fit();
            o.printf(Locale.ROOT, "train accuracy %.2f%%, test accuracy %.2f%% (best %.2f%% at epoch %d), %.1f s%n",
                    100 * r.last().trainAccuracy(), 100 * r.last().valAccuracy(), 100 * r.bestValAccuracy(), r.bestEpoch() + 1,
                    r.seconds());
            if (poisoned != null) {
                var a = CliPoison.attackSuccess(model, data.test(), poisoned, pipeline.evalTransform(), Backends.defaultDevice(), config.workers());
                o.printf(Locale.ROOT, "poisoned %d of %d training samples; attack success rate %.2f%% (non-target test images %.2f%%)%n",
                        poisoned.count(), train.size(), 100 * a.asr(), 100 * a.asrNonTarget());
            }
            o.println("wrote " + run.root());
            o.flush();
        }
        return 0;
    }

    /**
     * Without --resume, --out must be new or empty: a folder holding a run (or anything) is never mixed with another.
     * What a run killed before its first epoch was saved leaves (its subset, its metrics file, an unfinished save of
     * last/) counts as empty: no checkpoint uses it, and the new run replaces it.
     */
    private void checkNewRun(RunFolder folder) throws IOException {
        if (!Files.isDirectory(out)) return;
        List<String> entries;
        try (Stream<Path> s = Files.list(out)) {
            entries = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        if (entries.stream().allMatch(TrainCommand::firstEpochLeftover)) return;
        if (folder.hasLatestEpoch())
            throw usage("--out: " + out + " already holds a run; use --resume to continue it or choose another folder");
        throw usage("--out: " + out + " is not empty (it holds " + String.join(", ", entries.subList(0, Math.min(5, entries.size())))
                + (entries.size() > 5 ? ", ..." : "") + ") and has no epoch to resume; choose a new or empty folder, or delete it");
    }

    /**
     * With --resume: repairs an interrupted checkpoint save in --out, then checks that the run there has a latest
     * epoch and was started with this recipe, model, dataset and training subset; all before anything is trained.
     */
    private void checkResume(RunFolder folder, TrainConfig config, ModelConfig modelConfig, TrainTest data, Split subsetSplit)
            throws IOException {
        if (!folder.hasLatestEpoch())
            throw usage("--resume: " + out + " has no run to resume (no " + folder.last() + ")");
        try {
            List<String> repaired = folder.recover();
            PrintWriter err = spec.commandLine().getErr();
            repaired.forEach(x -> err.println("lethe train: " + out + ": " + x));
            err.flush();
        } catch (IOException e) {
            throw usage("--resume: " + e.getMessage());
        }
        try {
            Trainer.checkResumable(folder, config, modelConfig.toJson(), data.name());
        } catch (IllegalArgumentException e) {
            throw usage("--resume: " + e.getMessage().replaceFirst("^resume: ", "") + "; resume with the options the run was started with");
        }
        for (Path dir : List.of(folder.last(), folder.best(), folder.checkpoint())) {
            try {
                Checkpoint.checkReplaceable(dir);
            } catch (IOException e) {
                throw usage("--resume: " + e.getMessage() + " (move those files out of the checkpoint folder, then resume)");
            }
        }
        Path recorded = folder.root().resolve(CliData.TRAINING_SUBSET);
        Split before = Files.isRegularFile(recorded) ? Split.read(recorded) : null;
        if (before == null && subsetSplit != null)
            throw usage("--subset: the run in " + out + " trains on the whole training set (it has no " + CliData.TRAINING_SUBSET
                    + "); resume it without --subset");
        if (before != null && subsetSplit == null)
            throw usage("--subset: the run in " + out + " trains on a subset of " + before.forget().length + " samples (" + recorded
                    + "); resume it with --subset " + before.forget().length);
        if (before != null && !before.equals(subsetSplit))
            throw usage("--subset: the run in " + out + " trains on " + before.forget().length + " samples drawn with seed "
                    + before.seed() + " (" + recorded + "), not " + subsetSplit.forget().length + " drawn with seed " + subsetSplit.seed()
                    + "; resume it with --subset " + before.forget().length);
    }

    private static boolean firstEpochLeftover(String name) {
        return name.equals(CliData.TRAINING_SUBSET) || name.equals(PoisonRecord.FILE) || name.equals("metrics.jsonl") || name.startsWith(".last.tmp-");
    }

    private ParameterException usage(String message) { return new ParameterException(spec.commandLine(), message); }

    private TrainConfig trainConfig() {
        CliData.checkRecipe(spec, epochs, lr, batchSize, weightDecay, workers);
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

    /** --precision, else the default (Precision.defaultPrecision); a usage error naming the bad value. */
    private Precision precision() {
        try {
            return precision == null ? Precision.defaultPrecision() : Precision.parse(precision, "--precision");
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
