// The three Fisher-information diagonals (ALGORITHMS.md, "Fisher diagonals"), all with the model in eval mode:
//   BATCH_MEAN  SSD's reference: Σ over batches of (∇θ mean-batch CE)², divided by the number of batches;
//               depends on the batch size and composition.
//   PER_SAMPLE  the empirical Fisher: (1/N) Σ_i (∇θ CE(x_i, y_i))², exact and batch-size independent.
//   TRUE        (1/N) Σ_i Σ_y p(y|x_i) (∇θ −log p(y|x_i))², expectation over the model's own predictions.
package ai.lethe.fisher;

public enum FisherKind { BATCH_MEAN, PER_SAMPLE, TRUE }
