// One unlearning run end to end: copy the original model (never modified), build the method's context from the
// task, run the method (Unlearner.run times it and re-applies pruning masks), evaluate the papers' metrics, and —
// when asked — save the unlearned checkpoint with its metrics and split. Shared by `lethe unlearn` and
// `lethe experiment`.
package ai.lethe.experiment;

import ai.lethe.backend.Precision;
import ai.lethe.core.DType;
import ai.lethe.distributed.Distributed;
import ai.lethe.eval.MetricSet;
import ai.lethe.eval.UnlearnMetrics;
import ai.lethe.io.AtomicFiles;
import ai.lethe.io.Checkpoint;
import ai.lethe.io.CheckpointInfo;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelCopies;
import ai.lethe.nn.Masks;
import ai.lethe.nn.SyncBatchNorm2d;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.train.TrainListener;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.UnlearnResult;
import ai.lethe.unlearn.Unlearner;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class UnlearnJob {
    private UnlearnJob() {}

    /**
     * The unlearned model (owned by the outcome: close it), the method's record, the metrics, the sparsity and the
     * conv/GEMM arithmetic the method ran in ({@link Precision#cliName}: fp32, tf32 or bf16).
     */
    public record Outcome(ImageModel model, UnlearnResult result, MetricSet metrics, double sparsity, String precision,
                          List<String> warnings) implements AutoCloseable {
        @Override public void close() { model.close(); }

        /** The run as JSON: method, config, seed, seconds, sparsity, precision, metrics, log and warnings. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", result.method());
            m.put("config", result.configJson());
            m.put("seed", result.seed());
            m.put("seconds", result.seconds());
            m.put("sparsity", sparsity);
            m.put("precision", precision);
            m.put("metrics", metrics.toJsonNode());
            m.put("log", result.log());
            m.put("warnings", warnings);
            return m;
        }
    }

    /**
     * Runs {@code method} on a copy of {@code original} for {@code task}'s forget request and evaluates it.
     *
     * @param listeners progress of methods that train (may be empty)
     */
    public static Outcome run(ImageModel original, TaskData task, Unlearner method, long seed, JobSettings settings,
                              List<TrainListener> listeners) {
        ImageModel model = ModelCopies.copy(original);
        try {
            UnlearnContext context = new UnlearnContext(task.sets().forget(), task.sets().retain(), task.numClasses(), task.split(),
                    task.pipeline().evalTransform(), settings.device(), seed, settings.workers(), settings.fullFisher(),
                    settings.recipe() == null ? null : settings.recipe().toBuilder().seed(seed).build(), listeners);
            String precision = Precision.current().cliName();   // the arithmetic the method runs in (this thread's)
            if (settings.syncBatchNorm()) SyncBatchNorm2d.convert(model, Distributed.current());   // global-batch statistics
            UnlearnResult result = method.run(model, context);
            SyncBatchNorm2d.convert(model, null);   // evaluation and the saved model: plain batch norm
            model.eval();
            List<String> warnings = new ArrayList<>();
            long bad = nonFinite(model);
            if (bad > 0)
                warnings.add(method.name() + " left " + bad + " non-finite parameter values (diverged): its metrics describe a broken model");
            MetricSet metrics = UnlearnMetrics.evaluate(model, task.sets(), task.pipeline().evalTransform(), settings.device(),
                    settings.evalBatchSize(), settings.workers(), seed, settings.mia());
            return new Outcome(model, result, metrics, Masks.sparsity(model), precision, List.copyOf(warnings));
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /**
     * Writes {@code outcome} into {@code dir}: unlearn.json (the run, written last: its presence marks the run as
     * complete), split.json, and — with {@code withModel} — checkpoint/ (the unlearned model and its masks).
     */
    public static void save(Outcome outcome, TaskData task, String datasetName, Path dir, boolean withModel) throws IOException {
        if (withModel) Checkpoint.save(dir.resolve("checkpoint"), outcome.model(), null,
                CheckpointInfo.of(outcome.model().config().toJson(), datasetName, 0, outcome.result().seed())
                        .withExtra(Map.of("lethe.unlearn.method", outcome.result().method())));
        task.split().write(dir.resolve("split.json"));
        AtomicFiles.write(dir.resolve("unlearn.json"), JsonMapper.builder().build().writerWithDefaultPrettyPrinter()
                .writeValueAsString(outcome.toMap()).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * How many parameter values of {@code model} are infinite or NaN, counted on its device with one read whatever
     * the number of tensors: x − x is 0 exactly when x is finite, so each tensor's count of zeros is its finite count
     * (summed in float32, exact below 2^24 elements; a larger tensor's count is summed in float64).
     */
    static long nonFinite(ImageModel model) {
        try (var _ = Scope.open("UnlearnJob.nonFinite")) {
            List<Tensor> finite = new ArrayList<>();
            long total = 0;
            for (Tensor p : model.parameters()) {
                Tensor d = p.detach();
                Tensor zeros = d.sub(d).eq(0);
                finite.add((d.numel() < (1L << 24) ? zeros.sum() : zeros.to(DType.FLOAT64).sum()).to(DType.FLOAT64));
                total += d.numel();
            }
            if (finite.isEmpty()) return 0;
            double counted = 0;
            for (double c : Tensor.stack(finite, 0).toDoubleArray()) counted += c;
            return total - Math.round(counted);
        }
    }
}
