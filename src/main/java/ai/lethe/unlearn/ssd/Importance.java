// The importance maps SSD and LF-SSD compare, with the model in eval mode over an unshuffled loader:
//   BATCH_MEAN   the SSD reference's Fisher (FisherDiagonal: Σ_batches (∇ mean CE)² / batches);
//   PER_SAMPLE   the empirical Fisher (1/N) Σ_i (∇ CE_i)²;
//   LOSS_FREE    LF-SSD ("Loss-Free Machine Unlearning", Foster et al. 2024; the SSD repository's README):
//                Σ_batches |∇ mean_batch ‖f(x)‖²| / batches, f(x) the logits — no labels; the reference changes
//                exactly the loss (CE → squared L2 norm of the output) and the accumulation (g² → |g|).
// Over several ranks (Distributed.current()) all three are shared out as FisherDiagonal shares them: LOSS_FREE, a
// batch-mean quantity, by whole batches r, r+N, ... (FisherShards.byBatches), summed over the ranks once and divided
// by the global number of batches.
package ai.lethe.unlearn.ssd;

import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.Distributed;
import ai.lethe.fisher.FisherDiagonal;
import ai.lethe.fisher.FisherKind;
import ai.lethe.fisher.FisherMap;
import ai.lethe.fisher.FisherShards;
import ai.lethe.nn.Module;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

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
        Communicator comm = Distributed.current();
        if (model.parameters().isEmpty()) throw new IllegalArgumentException("lf-ssd: the model has no parameters");
        boolean wasTraining = model.isTraining();
        model.eval();
        Map<String, Tensor> params = model.namedParameters();
        LinkedHashMap<String, Tensor> acc = new LinkedHashMap<>();
        params.forEach((k, p) -> acc.put(k, Scope.unscoped(() -> Tensor.zerosLike(p))));
        Optional<DataLoader> share = comm.size() == 1 ? Optional.of(loader) : FisherShards.byBatches(loader, comm.rank(), comm.size());
        try {
            if (share.isPresent()) try (Epoch epoch = share.get().epoch(0)) {
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
                    }
                }
            }
            FisherDiagonal.allReduce(comm, acc);
            int batches = loader.numBatches();
            long samples = FisherShards.samples(loader);
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
