// The training loop the training-based unlearning methods share: epochs over a DataLoader built from the
// context (its transform, device, workers; shuffled with the context's seed, a new order each epoch), a loss
// per batch given by the method, an optimizer the method built (with the model's pruning masks attached), an
// optional per-iteration learning-rate factor, a hook before each epoch (l1-sparse's decaying γ, Random
// Label's fresh labels), progress to the context's listeners and a line per epoch in the method's log. The
// model is left in eval mode.
package ai.lethe.unlearn.train;

import ai.lethe.data.Dataset;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.transform.Transform;
import ai.lethe.models.ImageModel;
import ai.lethe.optim.Optimizer;
import ai.lethe.optim.schedule.LambdaLR;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.train.EpochStats;
import ai.lethe.train.StepStats;
import ai.lethe.train.TrainConfig;
import ai.lethe.train.TrainListener;
import ai.lethe.train.TrainResult;
import ai.lethe.unlearn.UnlearnContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.IntFunction;
import java.util.function.IntToDoubleFunction;

public final class TrainingLoop {
    /** The loss of one batch (a scalar with a graph back to the model's parameters). */
    @FunctionalInterface
    public interface BatchLoss {
        Tensor apply(ImageModel model, Batch batch);
    }

    /** Called before epoch {@code epoch} (0-based) with the optimizer, e.g. to change its hyper-parameters. */
    @FunctionalInterface
    public interface EpochHook {
        void beforeEpoch(int epoch, Optimizer<?> optimizer);
    }

    private final String method;
    private final ImageModel model;
    private final UnlearnContext context;
    private IntFunction<Dataset> data;
    private Transform transform;
    private boolean transformSet;
    private int epochs = 1, batchSize = 1;
    private BatchLoss loss;
    private EpochHook beforeEpoch = (e, o) -> {};
    private IntToDoubleFunction lrFactor;
    private long seed;
    private TrainConfig described;

    private TrainingLoop(String method, ImageModel model, UnlearnContext context) {
        this.method = method;
        this.model = Objects.requireNonNull(model, "model");
        this.context = Objects.requireNonNull(context, "context");
        this.seed = context.seed();
    }

    public static TrainingLoop of(String method, ImageModel model, UnlearnContext context) {
        return new TrainingLoop(method, model, context);
    }

    /** The same data every epoch. */
    public TrainingLoop data(Dataset d) { Objects.requireNonNull(d, "data"); data = e -> d; return this; }

    /** The data of each epoch (e.g. freshly relabelled). */
    public TrainingLoop data(IntFunction<Dataset> perEpoch) { data = perEpoch; return this; }

    /** The per-sample transform (default: the context's; null: none, the data is already model input). */
    public TrainingLoop transform(Transform t) { transform = t; transformSet = true; return this; }

    public TrainingLoop epochs(int n) { epochs = n; return this; }

    public TrainingLoop batchSize(int n) { batchSize = n; return this; }

    public TrainingLoop loss(BatchLoss l) { loss = l; return this; }

    public TrainingLoop beforeEpoch(EpochHook h) { beforeEpoch = h; return this; }

    /** A learning-rate factor per global iteration (LambdaLR), as the base recipes' warm-up and decay. */
    public TrainingLoop lrFactor(IntToDoubleFunction f) { lrFactor = f; return this; }

    /** The shuffling seed (default: the context's). */
    public TrainingLoop seed(long s) { seed = s; return this; }

    /** What listeners are told the run is (epochs, batch size, optimizer); default: built from this loop. */
    public TrainingLoop describedAs(TrainConfig c) { described = c; return this; }

    /**
     * Trains the model in train mode with {@code optimizer} (which the caller closes) and returns the mean loss of
     * each epoch; appends one line per epoch to {@code log}. Leaves the model in eval mode.
     */
    public List<Double> run(Optimizer<?> optimizer, List<String> log) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(loss, "loss");
        if (epochs < 0) throw new IllegalArgumentException(method + ": epochs must be >= 0, got " + epochs);
        Transform t = transformSet ? transform : context.transform();
        List<TrainListener> listeners = context.listeners();
        List<Double> losses = new ArrayList<>();
        List<EpochStats> history = new ArrayList<>();
        long started = System.nanoTime();
        LambdaLR schedule = null;
        try {
            for (int epoch = 0; epoch < epochs; epoch++) {
                Dataset d = data.apply(epoch);
                DataLoader loader = DataLoader.builder(d).batchSize(batchSize).shuffle(true).seed(seed).dropLast(false)
                        .transform(t).device(context.device()).workers(context.workers()).build();
                int perEpoch = loader.numBatches();
                if (epoch == 0) {
                    if (lrFactor != null) schedule = new LambdaLR(optimizer, it -> lrFactor.applyAsDouble(it));
                    TrainConfig c = described != null ? described : describe(optimizer);
                    for (TrainListener l : listeners) l.onStart(c, perEpoch, 0);
                }
                beforeEpoch.beforeEpoch(epoch, optimizer);
                model.train();
                long t0 = System.nanoTime();
                double lossSum = 0, lr = optimizer.lr();
                long seen = 0;
                int step = 0;
                try (Epoch batches = loader.epoch(epoch)) {
                    for (Batch batch : batches) {
                        try (batch; Scope _ = Scope.open(method + "-step")) {
                            lr = optimizer.lr();
                            Tensor l = loss.apply(model, batch);
                            double value = l.item();
                            if (!Double.isFinite(value))
                                throw new IllegalStateException(String.format(Locale.ROOT,
                                        "%s: the loss became %s at epoch %d, step %d (lr %.3g); lower the learning rate",
                                        method, value, epoch + 1, step, lr));
                            optimizer.zeroGrad();
                            l.backward();
                            optimizer.step();
                            if (schedule != null) schedule.step();
                            lossSum += value * batch.size();
                            seen += batch.size();
                            for (TrainListener li : listeners) li.onStep(new StepStats(epoch, step, perEpoch, value, lr, batch.size()));
                            step++;
                        }
                    }
                }
                optimizer.zeroGrad();
                double seconds = (System.nanoTime() - t0) / 1e9, mean = lossSum / Math.max(seen, 1);
                losses.add(mean);
                EpochStats stats = new EpochStats(epoch, epochs, mean, Double.NaN, Double.NaN, Double.NaN, lr, seconds, seen / seconds);
                history.add(stats);
                for (TrainListener li : listeners) li.onEpoch(stats);
                log.add(String.format(Locale.ROOT, "%s epoch %d/%d: loss %.4f over %d samples (%s), %.1f s", method, epoch + 1,
                        epochs, mean, seen, d.name(), seconds));
            }
            TrainResult result = new TrainResult(history, -1, Double.NaN, (System.nanoTime() - started) / 1e9);
            for (TrainListener li : listeners) li.onEnd(result);
        } finally {
            model.zeroGrad();
            model.eval();
        }
        return losses;
    }

    /** A TrainConfig describing this loop for listeners (display only: Adam is shown as the closest kind). */
    private TrainConfig describe(Optimizer<?> optimizer) {
        var kind = optimizer.name().startsWith("SGD") ? TrainConfig.OptimizerKind.SGD : TrainConfig.OptimizerKind.ADAMW;
        double lr = optimizer.lr() > 0 ? optimizer.lr() : 1e-12;
        return new TrainConfig(method, Math.max(epochs, 1), batchSize, kind, lr, 0, 0, false, 0, List.of(), 1, false, seed,
                context.workers(), 0);
    }
}
