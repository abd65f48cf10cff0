// Runs a pruning method end to end on a freshly initialised model (ALGORITHMS.md, "Pruning"):
//   OMP      train dense (run/dense), prune by |w| to s, rewind to the weights after epoch k, retrain with the mask;
//   IMP      train dense, then for each target of ImpSchedule: prune by |w| (pruned entries stay pruned), rewind to
//            the dense run's epoch-k weights, train with the mask (the last round's training is the final one);
//   SYNFLOW  prune at initialisation (SynFlow, data-free), train with the mask.
// The final masked training writes the run folder itself (checkpoint/ with masks.safetensors, last/, best/,
// metrics.jsonl, result.json); prune.json summarises the run. The epoch-k weights are held in memory (a copy of
// the state dict taken by a listener after epoch k, or before training for k = 0), so no per-epoch checkpoints
// are written; rewinding also restores the BatchNorm statistics of epoch k, as loading the reference's
// checkpoint does.
package ai.lethe.prune;

import ai.lethe.io.AtomicFiles;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.Masks;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.train.EpochStats;
import ai.lethe.train.RunFolder;
import ai.lethe.train.TrainListener;
import ai.lethe.train.TrainResult;
import ai.lethe.train.Trainer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class PruneRunner {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PruneRunner() {}

    /** The summary file in the run folder. */
    public static Path summary(RunFolder run) { return run.root().resolve("prune.json"); }

    /**
     * Prunes and trains {@code model} (freshly initialised; pruned and trained in place) as {@code config} says,
     * writing {@code run}. {@code listeners} see every training (dense, IMP rounds, final).
     */
    public static PruneResult run(ImageModel model, PruneData data, PruneConfig config, RunFolder run, List<TrainListener> listeners)
            throws IOException {
        String op = "PruneRunner.run(" + config.method().cliName() + ")";
        Prunable.require(op, model);
        if (Masks.any(model)) throw new IllegalArgumentException(op + ": the model is already pruned; start from a dense model");
        long started = System.nanoTime();
        double[] pruneSeconds = {0};
        List<Double> schedule = new ArrayList<>();
        int rewind = -1;
        switch (config.method()) {
            case SYNFLOW -> {
                schedule.add(config.sparsity());
                timed(pruneSeconds, () -> SynFlow.prune(model, data.inputShape(), config.sparsity(), config.synflowRounds(),
                        config.synflowPrecision()));
            }
            case OMP, IMP -> {
                rewind = Math.min(config.rewindEpoch(), config.train().epochs());
                schedule.addAll(config.method() == Pruner.OMP ? List.of(config.sparsity())
                        : ImpSchedule.sparsities(config.sparsity(), config.impRate()));
                try (Scope snapshotOwner = Scope.detached("rewind-weights")) {
                    Map<String, Tensor> rewindWeights = new LinkedHashMap<>();
                    Snapshot snap = new Snapshot(model, rewind, rewindWeights, snapshotOwner);
                    if (rewind == 0) snap.take();
                    List<TrainListener> dense = new ArrayList<>(listeners);
                    dense.add(snap);
                    train(model, data, config, RunFolder.create(run.root().resolve("dense")), dense);
                    for (int r = 0; r < schedule.size(); r++) {
                        double target = schedule.get(r);
                        timed(pruneSeconds, () -> GlobalPruning.magnitude(model, target));
                        try (var _ = GradMode.noGrad()) {
                            model.loadStateDict(rewindWeights, true);
                        }
                        Masks.reapply(model);
                        if (r < schedule.size() - 1) train(model, data, config, null, listeners);
                    }
                }
            }
        }
        TrainResult training = train(model, data, config, run, listeners);
        PruneResult result = new PruneResult(config.method(), config.sparsity(), Masks.sparsity(model), GlobalPruning.perTensor(model),
                schedule, rewind, training, (System.nanoTime() - started) / 1e9, pruneSeconds[0]);
        writeSummary(run, config, data, result);
        return result;
    }

    private static TrainResult train(ImageModel model, PruneData data, PruneConfig config, RunFolder runOrNull, List<TrainListener> listeners) {
        Trainer.Builder b = Trainer.builder(model, data.train(), config.train()).transforms(data.trainTransform(), data.evalTransform())
                .datasetName(data.name());
        if (data.validation() != null) b.validation(data.validation());
        if (runOrNull != null) b.runFolder(runOrNull);
        listeners.forEach(b::listener);
        return b.build().fit();
    }

    private static void timed(double[] seconds, Runnable step) {
        long t0 = System.nanoTime();
        step.run();
        seconds[0] += (System.nanoTime() - t0) / 1e9;
    }

    /** Copies the model's state dict after epoch k (epochs counted from 1) into a detached scope. */
    private record Snapshot(ImageModel model, int epoch, Map<String, Tensor> weights, Scope owner) implements TrainListener {
        @Override public void onEpoch(EpochStats stats) {
            if (stats.epoch() + 1 == epoch) take();
        }

        void take() {
            try (var _ = GradMode.noGrad()) {
                for (var e : model.stateDict().entrySet()) {
                    Tensor copy = e.getValue().copy();
                    Scope.moveTo(copy, owner);
                    weights.put(e.getKey(), copy);
                }
            }
        }
    }

    private static void writeSummary(RunFolder run, PruneConfig config, PruneData data, PruneResult r) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", config.method().cliName());
        out.put("dataset", data.name());
        out.put("target_sparsity", config.sparsity());
        out.put("sparsity", r.sparsity());
        out.put("schedule", r.schedule());
        if (r.rewindEpoch() >= 0) out.put("rewind_epoch", r.rewindEpoch());
        if (config.method() == Pruner.SYNFLOW) {
            out.put("synflow_rounds", config.synflowRounds());
            out.put("synflow_precision", config.synflowPrecision().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (config.method() == Pruner.IMP) out.put("imp_rate", config.impRate());
        out.put("train", JSON.readTree(config.train().toJson()));
        out.put("tensor_sparsity", r.tensorSparsity());
        out.put("train_accuracy", r.training().last().trainAccuracy());
        if (r.training().last().hasValidation()) out.put("test_accuracy", r.training().last().valAccuracy());
        out.put("seconds", r.seconds());
        out.put("prune_seconds", r.pruneSeconds());
        AtomicFiles.write(summary(run), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out).getBytes(StandardCharsets.UTF_8));
    }
}
