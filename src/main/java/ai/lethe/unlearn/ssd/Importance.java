// The importance maps SSD and LF-SSD compare, with the model in eval mode over an unshuffled loader:
//   BATCH_MEAN   the SSD reference's Fisher (FisherDiagonal: Σ_batches (∇ mean CE)² / batches);
//   PER_SAMPLE   the empirical Fisher (1/N) Σ_i (∇ CE_i)²;
//   LOSS_FREE    LF-SSD ("Loss-Free Machine Unlearning", Foster et al. 2024; the SSD repository's README):
//                Σ_batches |∇ mean_batch ‖f(x)‖²| / batches, f(x) the logits — no labels; the reference changes
//                exactly the loss (CE → squared L2 norm of the output) and the accumulation (g² → |g|).
package ai.lethe.unlearn.ssd;

import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.fisher.FisherDiagonal;
import ai.lethe.fisher.FisherKind;
import ai.lethe.fisher.FisherMap;
import ai.lethe.nn.Module;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

public enum Importance {
    BATCH_MEAN, PER_SAMPLE, LOSS_FREE;

    /** Parses an option value: batch-mean, per-sample. */
    static Importance fisher(String option) {
        return switch (option) {
            case "batch-mean" -> BATCH_MEAN;
            case "per-sample" -> PER_SAMPLE;
            default -> throw new IllegalArgumentException("unknown Fisher kind '" + option + "'");
        };
    }

    /** The Fisher kind a cached I_D must have to be compared with this importance (LOSS_FREE: none). */
    FisherKind fisherKind() {
        return switch (this) {
            case BATCH_MEAN -> FisherKind.BATCH_MEAN;
            case PER_SAMPLE -> FisherKind.PER_SAMPLE;
            case LOSS_FREE -> null;
        };
    }

    /** This importance of {@code model}'s parameters over one pass of {@code loader}; the caller closes it. */
    public FisherMap compute(Module model, DataLoader loader) {
        return switch (this) {
            case BATCH_MEAN -> FisherDiagonal.compute(model, loader, FisherKind.BATCH_MEAN);
            case PER_SAMPLE -> FisherDiagonal.compute(model, loader, FisherKind.PER_SAMPLE);
            case LOSS_FREE -> lossFree(model, loader);
        };
    }

    /** Σ over batches of |∇ mean_batch Σ_k f_k(x)²|, divided by the number of batches (labelled BATCH_MEAN). */
    private static FisherMap lossFree(Module model, DataLoader loader) {
        if (model.parameters().isEmpty()) throw new IllegalArgumentException("lf-ssd: the model has no parameters");
        boolean wasTraining = model.isTraining();
        model.eval();
        Map<String, Tensor> params = model.namedParameters();
        LinkedHashMap<String, Tensor> acc = new LinkedHashMap<>();
        params.forEach((k, p) -> acc.put(k, Scope.unscoped(() -> Tensor.zerosLike(p))));
        long samples = 0;
        int batches = 0;
        try (Epoch epoch = loader.epoch(0)) {
            for (Batch batch : epoch) {
                try (batch; Scope _ = Scope.open("lf-importance")) {
                    model.zeroGrad();
                    model.forward(batch.images()).square().sum(1).mean().backward();
                    try (var _ = GradMode.noGrad()) {
                        for (var e : params.entrySet()) {
                            Tensor g = e.getValue().grad();
                            if (g != null) acc.get(e.getKey()).addInPlace(g.abs(), 1);
                        }
                    }
                    samples += batch.size();
                    batches++;
                }
            }
            if (batches > 0) try (var _ = GradMode.noGrad()) {
                for (Tensor t : acc.values()) t.mulInPlace(1.0 / batches);
            }
            return new FisherMap(acc, FisherKind.BATCH_MEAN, samples);
        } catch (RuntimeException e) {
            acc.values().forEach(Tensor::close);
            throw e;
        } finally {
            model.zeroGrad();
            if (wasTraining) model.train();
        }
    }
}
