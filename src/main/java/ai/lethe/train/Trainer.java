// The training loop: epochs of shuffled, augmented batches through forward, cross-entropy, backward and an
// optimizer step, with the recipe's learning-rate schedule per iteration, validation after every epoch,
// listeners (progress, metrics), checkpoints in a run folder (the latest epoch to resume from, the best by
// validation accuracy, the final model), a stop with a clear message when the loss stops being finite, and
// resumption from the latest checkpoint that gives the same weights as an uninterrupted run. A pruned model
// (ai.lethe.prune.Masks) trains with its masks attached to the optimizer, so pruned weights stay exactly 0; its
// checkpoints carry the masks, and resuming restores them before the optimizer is built.
package ai.lethe.train;

import ai.lethe.data.Dataset;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.transform.Transform;
import ai.lethe.eval.Accuracy;
import ai.lethe.eval.EvalResult;
import ai.lethe.io.Checkpoint;
import ai.lethe.io.CheckpointInfo;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.optim.AdamW;
import ai.lethe.optim.Optimizer;
import ai.lethe.optim.SGD;
import ai.lethe.optim.schedule.LambdaLR;
import ai.lethe.prune.Masks;
import ai.lethe.tensor.Device;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

public final class Trainer {
    private final ImageModel model;
    private final Dataset train, validation;
    private final TrainConfig config;
    private final Transform trainTransform, evalTransform;
    private final String datasetName;
    private final RunFolder run;
    private final List<TrainListener> listeners;
    private final boolean keepEveryEpoch;

    private Trainer(Builder b) {
        this.model = b.model;
        this.train = b.train;
        this.validation = b.validation;
        this.config = b.config;
        this.trainTransform = b.trainTransform;
        this.evalTransform = b.evalTransform;
        this.datasetName = b.datasetName;
        this.run = b.run;
        this.listeners = List.copyOf(b.listeners);
        this.keepEveryEpoch = b.keepEveryEpoch;
    }

    public static Builder builder(ImageModel model, Dataset train, TrainConfig config) { return new Builder(model, train, config); }

    public TrainConfig config() { return config; }

    /** Trains from scratch (the model's current weights) for the configured epochs. */
    public TrainResult fit() { return run(TrainerState.fresh()); }

    /**
     * Continues the run whose latest checkpoint is in this trainer's run folder: loads the weights, optimizer
     * state, learning-rate position, generator state and history, then trains the remaining epochs.
     */
    public TrainResult resume() {
        if (run == null) throw new IllegalStateException("resume: the trainer has no run folder to resume from");
        try {
            TrainerState state = TrainerState.read(run.last());
            if (!state.config().equals(config))
                throw new IllegalArgumentException("resume: the run in " + run.root() + " was trained with " + state.config().toJson()
                        + ", not " + config.toJson());
            Checkpoint.loadModel(run.last(), model, true);
            return run(state);
        } catch (IOException e) {
            throw new UncheckedIOException("resume: cannot read the latest checkpoint in " + run.root() + ": " + e.getMessage(), e);
        }
    }

    private TrainResult run(TrainerState start) {
        Device device = model.parameters().getFirst().device();
        DataLoader loader = DataLoader.builder(train).batchSize(config.batchSize()).shuffle(true).seed(config.seed())
                .dropLast(false).transform(trainTransform).device(device).workers(config.workers()).build();
        int perEpoch = loader.numBatches();
        long started = System.nanoTime();
        List<EpochStats> history = new ArrayList<>(start.history());
        int bestEpoch = start.bestEpoch();
        double best = start.bestValAccuracy();
        try (Optimizer<?> opt = Masks.attach(optimizer(), model)) {
            LambdaLR schedule = new LambdaLR(opt, it -> config.lrFactor(it, perEpoch));
            if (start.epochsDone() > 0) {
                Checkpoint.loadOptimizer(run.last(), opt);
                Generator.global().setState(start.generatorSeed(), start.generatorCounter());
                schedule.setLastEpoch(start.epochsDone() * perEpoch);
            }
            for (TrainListener l : listeners) l.onStart(config, perEpoch, start.epochsDone());
            for (int epoch = start.epochsDone(); epoch < config.epochs(); epoch++) {
                EpochStats stats = trainEpoch(loader, opt, schedule, epoch, perEpoch, device);
                history.add(stats);
                if (stats.hasValidation() && stats.valAccuracy() > best) {
                    best = stats.valAccuracy();
                    bestEpoch = epoch;
                }
                TrainerState state = new TrainerState(config, epoch + 1, bestEpoch, best, history,
                        Generator.global().seed(), Generator.global().counter());
                if (run != null) saveEpoch(opt, state, bestEpoch == epoch);
                for (TrainListener l : listeners) l.onEpoch(stats);
            }
            TrainResult result = new TrainResult(history, bestEpoch, best, (System.nanoTime() - started) / 1e9);
            if (run != null) {
                Checkpoint.save(run.checkpoint(), model, opt, info(config.epochs(), Map.of()));
                run.writeResult(config, datasetName, model.config().toJson(), result);
            }
            for (TrainListener l : listeners) l.onEnd(result);
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("training: cannot write to " + (run == null ? "?" : run.root()) + ": " + e.getMessage(), e);
        }
    }

    private EpochStats trainEpoch(DataLoader loader, Optimizer<?> opt, LambdaLR schedule, int epoch, int perEpoch,
                                  Device device) {
        model.train();
        long t0 = System.nanoTime();
        double lossSum = 0, lastLr = opt.lr();
        long correct = 0, seen = 0;
        int step = 0;
        try (Epoch batches = loader.epoch(epoch)) {
            for (Batch batch : batches) {
                try (batch; Scope _ = Scope.open("train-step")) {
                    double lr = opt.lr();
                    lastLr = lr;
                    Tensor logits = model.forward(batch.images());
                    Tensor loss = F.crossEntropy(logits, batch.labels(), F.Reduction.MEAN, config.labelSmoothing());
                    double value = loss.item();
                    if (!Double.isFinite(value)) throw new TrainingDivergedException(epoch, step, value, lr);
                    opt.zeroGrad();
                    loss.backward();
                    opt.step();
                    schedule.step();
                    correct += (long) logits.argmax(1).eq(batch.labels()).sum().item();
                    lossSum += value * batch.size();
                    seen += batch.size();
                    for (TrainListener l : listeners) l.onStep(new StepStats(epoch, step, perEpoch, value, lr, batch.size()));
                    step++;
                }
            }
        }
        opt.zeroGrad();
        double seconds = (System.nanoTime() - t0) / 1e9;
        EvalResult val = validation == null ? EvalResult.EMPTY
                : Accuracy.evaluate(model, validation, evalTransform, device, Math.max(config.batchSize(), 256), config.workers());
        return new EpochStats(epoch, config.epochs(), lossSum / seen, (double) correct / seen, val.loss(), val.accuracy(),
                lastLr, seconds, seen / seconds);
    }

    private Optimizer<?> optimizer() {
        return switch (config.optimizer()) {
            case SGD -> SGD.builder(model.parameters()).lr(config.lr()).momentum(config.momentum())
                    .weightDecay(config.weightDecay()).nesterov(config.nesterov()).build();
            case ADAMW -> AdamW.builder(model.parameters()).lr(config.lr()).weightDecay(config.weightDecay()).build();
        };
    }

    private CheckpointInfo info(int epoch, Map<String, String> extra) {
        return CheckpointInfo.of(model.config().toJson(), datasetName, epoch, config.seed()).withExtra(extra);
    }

    private void saveEpoch(Optimizer<?> opt, TrainerState state, boolean isBest) throws IOException {
        CheckpointInfo info = info(state.epochsDone(), Map.of(TrainerState.KEY, state.toJson()));
        Checkpoint.save(run.last(), model, opt, info);
        if (keepEveryEpoch) Checkpoint.save(run.epoch(state.epochsDone()), model, null, info);
        if (isBest) Checkpoint.save(run.best(), model, null, info);
    }

    /** Options of a trainer; model, training set and config are required. */
    public static final class Builder {
        private final ImageModel model;
        private final Dataset train;
        private final TrainConfig config;
        private Dataset validation;
        private Transform trainTransform, evalTransform;
        private String datasetName;
        private RunFolder run;
        private final List<TrainListener> listeners = new ArrayList<>();
        private boolean keepEveryEpoch;

        private Builder(ImageModel model, Dataset train, TrainConfig config) {
            this.model = Objects.requireNonNull(model, "model");
            this.train = Objects.requireNonNull(train, "training set");
            this.config = Objects.requireNonNull(config, "config");
            this.datasetName = train.name();
        }

        /** Evaluated after every epoch (un-augmented, through the eval transform). */
        public Builder validation(Dataset v) { validation = v; return this; }

        /** Transforms for training batches (augmentation + normalisation) and for evaluation (normalisation). */
        public Builder transforms(Transform trainT, Transform evalT) { trainTransform = trainT; evalTransform = evalT; return this; }

        /** The dataset name recorded in checkpoints (default: the training set's name). */
        public Builder datasetName(String name) { datasetName = name; return this; }

        /** Where checkpoints, metrics and the result go; also adds the metrics log. */
        public Builder runFolder(RunFolder r) {
            run = r;
            listeners.add(new MetricsLog(r.metrics()));
            return this;
        }

        /** Also keep a weights checkpoint of every epoch (run/epochs/epoch-NNN), e.g. for rewinding. */
        public Builder keepEveryEpoch(boolean on) { keepEveryEpoch = on; return this; }

        public Builder listener(TrainListener l) { listeners.add(l); return this; }

        public Trainer build() {
            if (train.size() == 0) throw new IllegalArgumentException("training set '" + train.name() + "' is empty");
            if (validation != null && validation.numClasses() != train.numClasses())
                throw new IllegalArgumentException("validation set has " + validation.numClasses() + " classes, training set "
                        + train.numClasses());
            return new Trainer(this);
        }
    }
}
