// The training loop the training-based unlearning methods share: epochs over a DataLoader built from the
// context (its transform, device, workers; shuffled with the context's seed, a new order each epoch), a loss
// per batch given by the method, an optimizer the method built (with the model's pruning masks attached), an
// optional per-iteration learning-rate factor, a hook before each epoch (l1-sparse's decaying γ, Random
// Label's fresh labels), progress to the context's listeners and a line per epoch in the method's log. The
// model is left in eval mode.
//
// No host round trip inside a step, as in the Trainer: each step's loss stays on the device (StepWindow) and is read
// every logEvery steps (default: -Dlethe.log-every, which the CLI's --log-every sets, else Trainer.DEFAULT_LOG_EVERY)
// and at the end of every epoch; the divergence check and the listeners' onStep run at those reads, per step, in
// order. Full batches run as CUDA graphs on cuda/cuda-emu after the first (GraphedSteps): captured once and replayed
// with the optimizer's per-step scalars (replayStep), so the method's loss must depend only on the batch's images and
// labels and on state that lives on the device (its index arrays are those of the captured batch); unless switched off
// (cudaGraphs(false), -Dlethe.cuda.graphs=false, LETHE_CUDA_GRAPHS=0, --no-cuda-graphs) or the method's loss cannot be
// captured (Bad Teacher uploads per-batch flags). The numbers are those of per-step reads and eager steps. With graphs
// the loader assembles batches on the host and each full batch is copied to the device on the copy stream while the
// step before it runs (GraphedSteps.prefetch), as in the Trainer.
//
// Data-parallel (communicator(), default Distributed.current(); more than one rank) as in the Trainer: each rank takes
// its slice of every global batch of batchSize samples, rank 0's weights are broadcast at the start, the gradients are
// all-reduced in buckets during backward and averaged by each rank's share of the global batch (DataParallel) — exact
// for a method's loss that is a mean over the batch plus batch-independent terms (l1-sparse's weight norm) — and the
// losses read at the log points are the global batch's. Listeners (progress) run on rank 0 only; CUDA graphs are off
// (see Trainer). Batch norm keeps per-rank statistics (rank 0's are copied to the others at the end of each epoch).
package ai.lethe.unlearn.train;

import ai.lethe.data.Dataset;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.transform.Transform;
import ai.lethe.models.ImageModel;
import ai.lethe.optim.Optimizer;
import ai.lethe.optim.schedule.LambdaLR;
import ai.lethe.tensor.BatchShard;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.train.EpochStats;
import ai.lethe.train.StepStats;
import ai.lethe.train.TrainConfig;
import ai.lethe.train.TrainListener;
import ai.lethe.train.GraphedSteps;
import ai.lethe.train.StepWindow;
import ai.lethe.train.Trainer;
import ai.lethe.train.TrainResult;
import ai.lethe.backend.GraphCapture;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.Distributed;
import ai.lethe.train.parallel.DataParallel;
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
    private int logEvery = defaultLogEvery();
    private boolean cudaGraphs = GraphCapture.enabledBySettings();
    private Communicator comm;

    /** The system property of the default logEvery (the CLI's --log-every sets it). */
    public static final String LOG_EVERY_PROPERTY = "lethe.log-every";

    /** -Dlethe.log-every when set (an integer >= 1), else Trainer.DEFAULT_LOG_EVERY. */
    public static int defaultLogEvery() {
        String p = System.getProperty(LOG_EVERY_PROPERTY);
        if (p == null || p.isBlank()) return Trainer.DEFAULT_LOG_EVERY;
        try {
            int n = Integer.parseInt(p.strip());
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + LOG_EVERY_PROPERTY + "=" + p + ": expected an integer >= 1");
    }

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

    /** Steps between reads of the loss from the device (>= 1); every epoch also ends with one. */
    public TrainingLoop logEvery(int steps) {
        if (steps < 1) throw new IllegalArgumentException(method + ": logEvery must be >= 1 step, got " + steps);
        logEvery = steps;
        return this;
    }

    /** The ranks that run this method together (default: Distributed.current()); batchSize is the global batch. */
    public TrainingLoop communicator(Communicator c) { comm = Objects.requireNonNull(c, "communicator"); return this; }

    /** Whether full batches run as CUDA graphs where the device supports them (default: the settings, on). */
    public TrainingLoop cudaGraphs(boolean on) { cudaGraphs = on; return this; }

    /**
     * One step as the loop takes it, in the caller's scope: the method's loss, recorded in {@code window} (a device
     * copy, no read), backward and the optimizer's step. Nothing here waits for the device.
     */
    public static void step(ImageModel model, Optimizer<?> optimizer, BatchLoss loss, Batch batch, StepWindow window, int step) {
        step(model, optimizer, loss, batch, window, step, null, batch.size());
    }

    /**
     * The step of one rank of a data-parallel run ({@code dp}; null or one rank: the single-process step): backward
     * through DataParallel, which leaves the gradient of the global batch of {@code globalBatch} samples.
     */
    public static void step(ImageModel model, Optimizer<?> optimizer, BatchLoss loss, Batch batch, StepWindow window, int step,
                            DataParallel dp, int globalBatch) {
        double lr = optimizer.lr();
        Tensor l;
        try (var _ = dp == null ? BatchShard.open(null) : dp.shard(batch.size(), globalBatch)) {   // dropout: the global batch's masks
            l = loss.apply(model, batch);
        }
        window.record(step, l, null, lr, batch.size());
        optimizer.zeroGrad();
        if (dp == null) l.backward();
        else dp.backward(l, batch.size(), globalBatch);
        optimizer.step();
    }

    /**
     * The step as captured into a graph: as step(), with the loss written into {@code row} (StepWindow.writeRow, a fixed
     * address the loop copies into the window after each launch). {@code batch} holds the graph's input tensors (never
     * closed here: they are the runner's).
     */
    public static void step(ImageModel model, Optimizer<?> optimizer, BatchLoss loss, Batch batch, Tensor row) {
        Tensor l = loss.apply(model, batch);
        StepWindow.writeRow(row, l, null);
        optimizer.zeroGrad();
        l.backward();
        optimizer.step();
    }

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
        Communicator group = comm != null ? comm : Distributed.current();
        List<TrainListener> listeners = group.isLeader() ? context.listeners() : List.of();
        DataParallel dp = DataParallel.of(model, group);
        dp.broadcastFromLeader();
        List<Double> losses = new ArrayList<>();
        List<EpochStats> history = new ArrayList<>();
        long started = System.nanoTime();
        LambdaLR schedule = null;
        try (GraphedSteps graphs = GraphedSteps.open(context.device(), cudaGraphs && !dp.active(), method + " step")) {
            for (int epoch = 0; epoch < epochs; epoch++) {
                Dataset d = data.apply(epoch);
                // with graphs, batches stay on the host until the step before them runs (GraphedSteps.prefetch copies
                // each full batch on the copy stream, overlapping that step), as in the Trainer
                DataLoader loader = DataLoader.builder(d).batchSize(batchSize).shuffle(true).seed(seed).dropLast(false)
                        .transform(t).device(graphs.loaderDevice()).workers(context.workers()).shard(group.rank(), group.size())
                        .build();
                int perEpoch = loader.numBatches();
                if (epoch == 0) {
                    if (lrFactor != null) schedule = new LambdaLR(optimizer, it -> lrFactor.applyAsDouble(it));
                    TrainConfig c = described != null ? described : describe(optimizer);
                    for (TrainListener l : listeners) l.onStart(c, perEpoch, 0);
                }
                beforeEpoch.beforeEpoch(epoch, optimizer);
                model.train();
                long t0 = System.nanoTime();
                double[] lr = {optimizer.lr()};
                Tally tally = new Tally(epoch, perEpoch, listeners, dp);
                Tensor row = graphs.lossRow();
                LambdaLR stepSchedule = schedule;
                try (Epoch batches = loader.epoch(epoch); StepWindow window = new StepWindow(logEvery, context.device())) {
                    graphs.eachBatch(batches.iterator(), b -> b.size() == batchSize, (current, inputs, s) -> {
                        lr[0] = optimizer.lr();
                        int global = loader.globalBatchSize(s);
                        // the step's batch holds the inputs on the device (the runner's copies when the loader's are on
                        // the host or the step is captured) with the loader's indices
                        boolean graphed = graphs.run(current.size() == batchSize, optimizer.layoutKey(), inputs, (in, captured) -> {
                            Batch onDevice = new Batch(in.get(0), in.get(1), current.indices(), current.sourceIndices());
                            try (Scope _ = Scope.open(method + "-step")) {
                                if (!captured) step(model, optimizer, loss, onDevice, window, s, dp, global);
                                else step(model, optimizer, loss, onDevice, row);
                            }
                        }, optimizer::replayStep);
                        if (graphed) window.recordRow(s, row, lr[0], current.size());
                        if (stepSchedule != null) stepSchedule.step();
                    }, () -> {
                        if (window.full()) tally.add(window.flush());
                    });
                    tally.add(window.flush());
                }
                optimizer.zeroGrad();
                dp.syncBuffers();
                double lossSum = tally.lossSum;
                long seen = tally.seen;
                double seconds = (System.nanoTime() - t0) / 1e9, mean = lossSum / Math.max(seen, 1);
                losses.add(mean);
                EpochStats stats = new EpochStats(epoch, epochs, mean, Double.NaN, Double.NaN, Double.NaN, lr[0], seconds, seen / seconds);
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

    /** An epoch's sums over the steps read so far; the divergence check and onStep run as each window arrives. */
    private final class Tally {
        final int epoch, perEpoch;
        final List<TrainListener> listeners;
        final DataParallel dp;
        double lossSum;
        long seen;

        Tally(int epoch, int perEpoch, List<TrainListener> listeners, DataParallel dp) {
            this.epoch = epoch;
            this.perEpoch = perEpoch;
            this.listeners = listeners;
            this.dp = dp;
        }

        void add(StepWindow.Step[] local) {
            StepWindow.Step[] steps = Trainer.global(dp, local, context.device());
            for (StepWindow.Step s : steps) {
                if (!Double.isFinite(s.loss()))
                    throw new IllegalStateException(String.format(Locale.ROOT,
                            "%s: the loss became %s at epoch %d, step %d (lr %.3g); lower the learning rate",
                            method, s.loss(), epoch + 1, s.step(), s.lr()));
                lossSum += s.loss() * s.batchSize();
                seen += s.batchSize();
                for (TrainListener li : listeners) li.onStep(new StepStats(epoch, s.step(), perEpoch, s.loss(), s.lr(), s.batchSize()));
            }
        }
    }

    /** A TrainConfig describing this loop for listeners (display only: Adam is shown as the closest kind). */
    private TrainConfig describe(Optimizer<?> optimizer) {
        var kind = optimizer.name().startsWith("SGD") ? TrainConfig.OptimizerKind.SGD : TrainConfig.OptimizerKind.ADAMW;
        double lr = optimizer.lr() > 0 ? optimizer.lr() : 1e-12;
        return new TrainConfig(method, Math.max(epochs, 1), batchSize, kind, lr, 0, 0, false, 0, List.of(), 1, false, seed,
                context.workers(), 0);
    }
}
