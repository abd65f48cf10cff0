// The training loop: epochs of shuffled, augmented batches through forward, cross-entropy, backward and an
// optimizer step, with the recipe's learning-rate schedule per iteration, validation after every epoch,
// listeners (progress, metrics), checkpoints in a run folder (the latest epoch to resume from, the best by
// validation accuracy, the final model), a stop with a clear message when the loss stops being finite, and
// resumption from the latest checkpoint that gives the same weights as an uninterrupted run. A pruned model
// (ai.lethe.nn.Masks) trains with its masks attached to the optimizer, so pruned weights stay exactly 0; its
// checkpoints carry the masks, and resuming restores them before the optimizer is built.
//
// No host round trip inside a step: each step's loss and correct count stay on the device (StepWindow) and are read
// every logEvery steps (Builder.logEvery, DEFAULT_LOG_EVERY) and at the end of every epoch — one read, so one host
// synchronisation on a CUDA device, per window. The divergence check and the listeners' onStep run at those reads,
// for every step of the window in order, with each step's own loss (StepStats); a non-finite loss stops training at
// the read that brings it, naming the step where it first appeared (the steps after it in the window have run, on
// NaN weights, which the stop discards anyway). The epoch's loss and accuracy sum the same per-step values in the
// same order as a per-step read would, so they are unchanged on every device.
//
// CUDA graphs (GraphedSteps): on cuda and cuda-emu the full batches' step — forward, loss, the step's row of the
// window, backward, the optimizer's step — is captured once, after a first eager step, and replayed for every later
// full batch: the batch is copied into the graph's input tensors, the optimizer's replayStep writes the step's scalars
// (learning rate, momentum's first-step flag, Adam's bias corrections) into the graph's parameter block, the graph is
// launched and its row copied into the window — no autograd and no kernel launch from the host. The optimizer's layout
// (masks, state buffers) is the graph's key: a change captures again. Unless switched off (Builder.cudaGraphs;
// -Dlethe.cuda.graphs=false, LETHE_CUDA_GRAPHS=0, --no-cuda-graphs); the last, partial batch of an epoch runs eagerly.
// The weights are bit for bit those of eager steps. With graphs the loader's batches stay on the host and each is
// copied to the device on a copy stream while the step before it runs (GraphedSteps.prefetch: an input ring, events
// between the two streams).
//
// Run folders survive a kill at any moment: each epoch's metrics line is appended before its checkpoint (last/) is
// published, and starting or resuming first repairs interrupted checkpoint saves (RunFolder.recover), checks that
// the checkpoint folders it will replace hold only checkpoint files (so it never trains an epoch it cannot save),
// and rewrites metrics.jsonl to the history recorded in the checkpoint it starts from; resuming also completes an
// epoch's save that a kill cut short after last/ (its epochs/epoch-NNN and best/ copies).
//
// Data-parallel (Builder.communicator, default Distributed.current(); more than one rank): each rank's loader yields
// its slice of every global batch of config.batchSize() samples (DataLoader.Builder.shard), rank 0's weights are
// broadcast at the start, gradients are all-reduced in buckets during backward and averaged (DataParallel), and
// every rank takes the same optimizer step, so the weights stay identical. The loss and accuracy read at each log
// point are the global batch's (one small all-reduce per read). Batch norm keeps per-rank statistics unless
// Builder.syncBatchNorm (SyncBatchNorm2d); rank 0's running statistics are copied to the others before validation
// and checkpoints. Only rank 0 (the leader) writes the run folder (checkpoints, metrics, result) and calls the
// listeners (progress, metrics); the other ranks stay silent. Resuming, every rank loads the same last/ checkpoint
// (rank 0 repairs the folder first, behind a barrier). CUDA graphs are off with more than one rank: the bucket
// all-reduces are started by autograd's leaf hooks from the host during backward, which a replayed graph (no autograd,
// no host code between kernels) would skip, and a collective cannot be captured into a graph on these communicators.
package ai.lethe.train;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.transform.Transform;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.Distributed;
import ai.lethe.eval.Accuracy;
import ai.lethe.eval.EvalResult;
import ai.lethe.io.Checkpoint;
import ai.lethe.io.CheckpointInfo;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.nn.Masks;
import ai.lethe.optim.AdamW;
import ai.lethe.optim.Optimizer;
import ai.lethe.optim.SGD;
import ai.lethe.optim.schedule.LambdaLR;
import ai.lethe.tensor.BatchShard;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.train.parallel.DataParallel;
import ai.lethe.train.parallel.GradientBuckets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

public final class Trainer {
    /** Steps between reads of the training loss and accuracy from the device, unless Builder.logEvery says otherwise. */
    public static final int DEFAULT_LOG_EVERY = 50;

    private final ImageModel model;
    private final Dataset train, validation;
    private final TrainConfig config;
    private final Transform trainTransform, evalTransform;
    private final String datasetName;
    private final RunFolder run;
    private final List<TrainListener> listeners;
    private final boolean keepEveryEpoch;
    private final MetricsLog metrics;
    private final FaultPoint faults;
    private final int logEvery;
    private final boolean cudaGraphs;
    private final Communicator comm;
    private final long bucketBytes;
    private final boolean syncBatchNorm;
    private final boolean leader;
    private static final System.Logger LOG = System.getLogger("ai.lethe.train");

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
        this.comm = b.comm != null ? b.comm : Distributed.current();
        this.leader = comm.isLeader();
        this.metrics = b.run == null || !leader ? null : new MetricsLog(b.run.metrics());
        this.bucketBytes = b.bucketBytes;
        this.syncBatchNorm = b.syncBatchNorm;
        this.faults = b.faults;
        this.logEvery = b.logEvery;
        this.cudaGraphs = b.cudaGraphs;
    }

    /**
     * A test seam: reached at named points of an epoch's end ("metrics-appended": the epoch's metrics line is on
     * disk, its checkpoint not yet; "last-saved": last/ is published, the epoch and best copies not yet). A test
     * throws there to leave the run folder as a process killed at that moment would. Production passes NONE.
     */
    @FunctionalInterface
    interface FaultPoint {
        FaultPoint NONE = (point, epoch) -> {};

        void reached(String point, int epoch);
    }

    public static Builder builder(ImageModel model, Dataset train, TrainConfig config) { return new Builder(model, train, config); }

    public TrainConfig config() { return config; }

    /** Trains from scratch (the model's current weights) for the configured epochs. */
    public TrainResult fit() {
        if (run != null) recover();
        return run(TrainerState.fresh());
    }

    /** The communicator whose ranks share this training (SingleProcess: one process). */
    public Communicator communicator() { return comm; }

    /**
     * Continues the run whose latest checkpoint is in this trainer's run folder: loads the weights, optimizer
     * state, learning-rate position, generator state and history, then trains the remaining epochs.
     */
    public TrainResult resume() {
        if (run == null) throw new IllegalStateException("resume: the trainer has no run folder to resume from");
        recover();
        try {
            TrainerState state = checkResume(run, config, model.config().toJson(), datasetName);
            Checkpoint.loadModel(run.last(), model, true);
            if (leader) completeEpochSave(state);
            return run(state);
        } catch (IOException e) {
            throw new UncheckedIOException("resume: cannot read the latest checkpoint in " + run.root() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks, without writing anything, that the run in {@code run} can be resumed with this recipe, model and
     * dataset: its last/ checkpoint holds a training state whose config is {@code config}, its model config is
     * {@code modelConfigJson} and its dataset {@code dataset} (when both are known). A mismatch is an
     * IllegalArgumentException saying what the run recorded; an unreadable or missing checkpoint an IOException.
     */
    public static void checkResumable(RunFolder run, TrainConfig config, String modelConfigJson, String dataset) throws IOException {
        checkResume(run, config, modelConfigJson, dataset);
    }

    private static TrainerState checkResume(RunFolder run, TrainConfig config, String modelConfigJson, String dataset) throws IOException {
        TrainerState state = TrainerState.read(run.last());
        CheckpointInfo info = Checkpoint.readInfo(run.last());
        if (!state.config().equals(config))
            throw new IllegalArgumentException("resume: the run in " + run.root() + " was trained with " + state.config().toJson()
                    + ", not " + config.toJson());
        if (info.modelConfigJson() != null && modelConfigJson != null && !sameJson(info.modelConfigJson(), modelConfigJson))
            throw new IllegalArgumentException("resume: the run in " + run.root() + " trains the model " + info.modelConfigJson()
                    + ", not " + modelConfigJson);
        if (info.dataset() != null && dataset != null && !info.dataset().equals(dataset))
            throw new IllegalArgumentException("resume: the run in " + run.root() + " trains on " + info.dataset() + ", not " + dataset);
        return state;
    }

    private static boolean sameJson(String a, String b) {
        try {
            var json = com.fasterxml.jackson.databind.json.JsonMapper.builder().build();
            return json.readTree(a).equals(json.readTree(b));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return a.equals(b);
        }
    }

    /**
     * An epoch's save writes last/, then epochs/epoch-NNN (when kept), then best/ (when the epoch is the best); a
     * kill after last/ leaves the others missing or a previous epoch's. Writes them from the weights just loaded
     * from last/ (which are that epoch's), with last/'s info.
     */
    private void completeEpochSave(TrainerState state) throws IOException {
        int done = state.epochsDone();
        if (done == 0) return;
        CheckpointInfo info = Checkpoint.readInfo(run.last());
        if (keepEveryEpoch && !Files.isDirectory(run.epoch(done))) {
            Checkpoint.save(run.epoch(done), model, null, info);
            LOG.log(System.Logger.Level.WARNING, run.root() + ": wrote " + run.epoch(done) + ", which an interrupted save left out");
        }
        if (state.bestEpoch() == done - 1 && !(Files.isDirectory(run.best()) && Checkpoint.readInfo(run.best()).epoch() == done)) {
            Checkpoint.save(run.best(), model, null, info);
            LOG.log(System.Logger.Level.WARNING, run.root() + ": wrote " + run.best() + " (epoch " + done + "), which an interrupted save left out");
        }
    }

    /**
     * Repairs interrupted checkpoint saves in the run folder, logging what it did (rank 0 only; the other ranks wait
     * for it at a barrier before they read the folder).
     */
    private void recover() {
        if (!leader) {
            comm.barrier();
            return;
        }
        try {
            for (String done : run.recover()) LOG.log(System.Logger.Level.WARNING, run.root() + ": " + done);
        } catch (IOException e) {
            throw new UncheckedIOException("training: " + run.root() + " holds an interrupted checkpoint save that needs a decision: "
                    + e.getMessage(), e);
        }
        comm.barrier();
    }

    private TrainResult run(TrainerState start) {
        Device device = model.parameters().getFirst().device();
        long started = System.nanoTime();
        List<EpochStats> history = new ArrayList<>(start.history());
        int bestEpoch = start.bestEpoch();
        double best = start.bestValAccuracy();
        DataParallel dp = DataParallel.of(model, comm, bucketBytes);
        if (syncBatchNorm) ai.lethe.nn.SyncBatchNorm2d.convert(model, comm);
        dp.broadcastFromLeader();   // the ranks start from rank 0's weights, whatever their own initialisation
        try (Optimizer<?> opt = Masks.attach(optimizer(), model);
             GraphedSteps graphs = GraphedSteps.open(device, cudaGraphs && !dp.active(), "training step")) {
            // with graphs, batches stay on the host until the step before them runs: GraphedSteps.prefetch copies them
            // on the copy stream, overlapping that step
            DataLoader loader = DataLoader.builder(train).batchSize(config.batchSize()).shuffle(true).seed(config.seed())
                    .dropLast(false).transform(trainTransform).device(graphs.loaderDevice())
                    .workers(config.workers()).shard(comm.rank(), comm.size()).build();
            int perEpoch = loader.numBatches();
            if (run != null && leader) {
                // refuse now, not after an epoch of training, when a checkpoint folder cannot be replaced
                for (var dir : List.of(run.last(), run.best(), run.checkpoint())) Checkpoint.checkReplaceable(dir);
                metrics.rewrite(start.history());   // drops lines of epochs trained after the checkpoint, adds lost ones
            }
            LambdaLR schedule = new LambdaLR(opt, it -> config.lrFactor(it, perEpoch));
            if (start.epochsDone() > 0) {
                Checkpoint.loadOptimizer(run.last(), opt);
                Generator.global().setState(start.generatorSeed(), start.generatorCounter());
                schedule.setLastEpoch(start.epochsDone() * perEpoch);
            }
            for (TrainListener l : listeners()) l.onStart(config, perEpoch, start.epochsDone());
            for (int epoch = start.epochsDone(); epoch < config.epochs(); epoch++) {
                EpochStats stats = trainEpoch(loader, opt, schedule, epoch, perEpoch, device, graphs, dp);
                history.add(stats);
                if (stats.hasValidation() && stats.valAccuracy() > best) {
                    best = stats.valAccuracy();
                    bestEpoch = epoch;
                }
                TrainerState state = new TrainerState(config, epoch + 1, bestEpoch, best, history,
                        Generator.global().seed(), Generator.global().counter());
                if (run != null && leader) {
                    metrics.append(stats);   // before the checkpoint: a kill in between loses no line (resume drops it)
                    faults.reached("metrics-appended", epoch);
                    saveEpoch(opt, state, bestEpoch == epoch);
                }
                for (TrainListener l : listeners()) l.onEpoch(stats);
            }
            TrainResult result = new TrainResult(history, bestEpoch, best, (System.nanoTime() - started) / 1e9);
            if (run != null && leader) {
                Checkpoint.save(run.checkpoint(), model, opt, info(config.epochs(), Map.of()));
                run.writeResult(config, datasetName, model.config().toJson(), result);
            }
            if (dp.active()) comm.barrier();   // the run folder is complete when any rank returns
            for (TrainListener l : listeners()) l.onEnd(result);
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("training: cannot write to " + (run == null ? "?" : run.root()) + ": " + e.getMessage(), e);
        }
    }

    /** The listeners, on the leader; none on the other ranks (they stay silent). */
    private List<TrainListener> listeners() { return leader ? listeners : List.of(); }

    private EpochStats trainEpoch(DataLoader loader, Optimizer<?> opt, LambdaLR schedule, int epoch, int perEpoch,
                                  Device device, GraphedSteps graphs, DataParallel dp) {
        model.train();
        long t0 = System.nanoTime();
        double[] lastLr = {opt.lr()};
        EpochTally tally = new EpochTally(dp, device);
        Tensor row = graphs.lossRow();
        try (Epoch batches = loader.epoch(epoch); StepWindow window = new StepWindow(logEvery, device)) {
            graphs.eachBatch(batches.iterator(), this::full, (current, inputs, s) -> {
                lastLr[0] = opt.lr();
                int size = (int) current.images().size(0), global = loader.globalBatchSize(s);
                boolean graphed = graphs.run(full(current), opt.layoutKey(), inputs, (in, captured) -> {
                    try (Scope _ = Scope.open("train-step")) {
                        if (captured) step(model, opt, in.get(0), in.get(1), config.labelSmoothing(), row);
                        else step(model, opt, in.get(0), in.get(1), config.labelSmoothing(), window, s, dp, global);
                    }
                }, opt::replayStep);
                if (graphed) window.recordRow(s, row, lastLr[0], size);
                schedule.step();
            }, () -> {
                if (window.full()) tally.add(window.flush(), epoch, perEpoch);
            });
            tally.add(window.flush(), epoch, perEpoch);
        }
        double lossSum = tally.lossSum;
        long correct = tally.correct, seen = tally.seen;
        opt.zeroGrad();
        dp.syncBuffers();   // per-rank batch norm: every rank validates and saves rank 0's running statistics
        double seconds = (System.nanoTime() - t0) / 1e9;
        EvalResult val = validation == null ? EvalResult.EMPTY
                : Accuracy.evaluate(model, validation, evalTransform, device, Math.max(config.batchSize(), 256), config.workers());
        return new EpochStats(epoch, config.epochs(), lossSum / seen, (double) correct / seen, val.loss(), val.accuracy(),
                lastLr[0], seconds, seen / seconds);
    }

    /**
     * One training step as trainEpoch takes it, in the caller's scope: forward, cross-entropy, the loss and correct
     * count recorded in {@code window} (device copies, no read), backward and the optimizer's step. Nothing here waits
     * for the device (the CUDA proxies test holds it to that).
     */
    static void step(ImageModel model, Optimizer<?> opt, Tensor images, Tensor labels, double labelSmoothing, StepWindow window,
                     int step) {
        step(model, opt, images, labels, labelSmoothing, window, step, null, (int) images.size(0));
    }

    /**
     * The step of one rank of a data-parallel run ({@code dp}; null or one rank: the single-process step): backward
     * through DataParallel, which leaves the gradient of the global batch of {@code globalBatch} samples.
     */
    static void step(ImageModel model, Optimizer<?> opt, Tensor images, Tensor labels, double labelSmoothing, StepWindow window,
                     int step, DataParallel dp, int globalBatch) {
        double lr = opt.lr();
        int size = (int) images.size(0);
        Tensor logits;
        try (var _ = dp == null ? BatchShard.open(null) : dp.shard(size, globalBatch)) {   // dropout: the global batch's masks
            logits = model.forward(images);
        }
        Tensor loss = F.crossEntropy(logits, labels, F.Reduction.MEAN, labelSmoothing);
        window.record(step, loss, logits.argmax(1).eq(labels).sum(), lr, size);
        opt.zeroGrad();
        if (dp == null) loss.backward();
        else dp.backward(loss, size, globalBatch);
        opt.step();
    }

    /**
     * The same step as captured into a graph: the loss and correct count go into {@code row} (StepWindow.writeRow; its
     * address stays fixed, and the loop copies it into the window after each launch), not into the window's next row.
     */
    static void step(ImageModel model, Optimizer<?> opt, Tensor images, Tensor labels, double labelSmoothing, Tensor row) {
        Tensor logits = model.forward(images);
        Tensor loss = F.crossEntropy(logits, labels, F.Reduction.MEAN, labelSmoothing);
        StepWindow.writeRow(row, loss, logits.argmax(1).eq(labels).sum());
        opt.zeroGrad();
        loss.backward();
        opt.step();
    }

    private boolean full(Batch b) { return b.images().size(0) == config.batchSize(); }

    /** An epoch's sums over the steps read so far; the divergence check and onStep run as each window arrives. */
    private final class EpochTally {
        final DataParallel dp;
        final Device device;
        double lossSum;
        long correct, seen;

        EpochTally(DataParallel dp, Device device) {
            this.dp = dp;
            this.device = device;
        }

        void add(StepWindow.Step[] local, int epoch, int perEpoch) {
            StepWindow.Step[] steps = global(dp, local, device);
            for (StepWindow.Step s : steps) {
                if (!Double.isFinite(s.loss())) throw new TrainingDivergedException(epoch, s.step(), s.loss(), s.lr());
                correct += s.correct();
                lossSum += s.loss() * s.batchSize();
                seen += s.batchSize();
                for (TrainListener l : listeners()) l.onStep(new StepStats(epoch, s.step(), perEpoch, s.loss(), s.lr(), s.batchSize()));
            }
        }
    }

    /**
     * The global batches' steps from this rank's: each step's loss is the mean over all ranks' samples (sum of
     * loss x samples over sum of samples), its correct count and batch size the sums — one all-reduce of 3 numbers a
     * step, at the log points only. With one rank, {@code local} itself.
     */
    public static StepWindow.Step[] global(DataParallel dp, StepWindow.Step[] local, Device device) {
        if (dp == null || !dp.active() || local.length == 0) return local;
        double[] v = new double[3 * local.length];
        for (int i = 0; i < local.length; i++) {
            v[3 * i] = local[i].loss() * local[i].batchSize();
            v[3 * i + 1] = local[i].correct();
            v[3 * i + 2] = local[i].batchSize();
        }
        double[] sum = dp.sum(v, device);
        StepWindow.Step[] out = new StepWindow.Step[local.length];
        for (int i = 0; i < local.length; i++) {
            StepWindow.Step s = local[i];
            int n = (int) Math.round(sum[3 * i + 2]);
            out[i] = new StepWindow.Step(s.step(), sum[3 * i] / n, Math.round(sum[3 * i + 1]), s.lr(), n);
        }
        return out;
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
        faults.reached("last-saved", state.epochsDone() - 1);
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
        private FaultPoint faults = FaultPoint.NONE;
        private int logEvery = DEFAULT_LOG_EVERY;
        private boolean cudaGraphs = ai.lethe.backend.GraphCapture.enabledBySettings();
        private Communicator comm;
        private long bucketBytes = GradientBuckets.DEFAULT_BUCKET_BYTES;
        private boolean syncBatchNorm;

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

        /** Where checkpoints, metrics (metrics.jsonl) and the result go. */
        public Builder runFolder(RunFolder r) {
            run = r;
            return this;
        }

        /** Also keep a weights checkpoint of every epoch (run/epochs/epoch-NNN), e.g. for rewinding. */
        public Builder keepEveryEpoch(boolean on) { keepEveryEpoch = on; return this; }

        public Builder listener(TrainListener l) { listeners.add(l); return this; }

        /**
         * Steps between reads of the loss and accuracy from the device (>= 1; default DEFAULT_LOG_EVERY); every epoch
         * also ends with one. Listeners' onStep, the progress display and the divergence check run at these reads.
         * It changes no number: 1 reads after every step, as the trainer once did.
         */
        public Builder logEvery(int steps) {
            if (steps < 1) throw new IllegalArgumentException("logEvery: must be >= 1 step, got " + steps);
            logEvery = steps;
            return this;
        }

        /**
         * Whether full-batch steps run as CUDA graphs where the device supports them (default: on, unless
         * -Dlethe.cuda.graphs=false or LETHE_CUDA_GRAPHS=0). Results are the same either way.
         */
        public Builder cudaGraphs(boolean on) { cudaGraphs = on; return this; }

        /**
         * The ranks that train this model together (default: Distributed.current(), SingleProcess unless the process
         * joined a group). config.batchSize() is the global batch; each rank takes batchSize / ranks of it.
         */
        public Builder communicator(Communicator c) { comm = Objects.requireNonNull(c, "communicator"); return this; }

        /** Bytes of gradients per all-reduce bucket with more than one rank (default 25 MiB, like DDP). */
        public Builder bucketBytes(long bytes) {
            if (bytes <= 0) throw new IllegalArgumentException("bucketBytes: must be positive, got " + bytes);
            bucketBytes = bytes;
            return this;
        }

        /** Batch norm with global-batch statistics over the ranks (SyncBatchNorm2d; default off: per-rank statistics). */
        public Builder syncBatchNorm(boolean on) { syncBatchNorm = on; return this; }

        /** Test seam: see {@link FaultPoint}. */
        Builder faultPoint(FaultPoint f) { faults = Objects.requireNonNull(f); return this; }

        public Trainer build() {
            if (train.size() == 0) throw new IllegalArgumentException("training set '" + train.name() + "' is empty");
            if (validation != null && validation.numClasses() != train.numClasses())
                throw new IllegalArgumentException("validation set has " + validation.numClasses() + " classes, training set "
                        + train.numClasses());
            return new Trainer(this);
        }
    }
}
