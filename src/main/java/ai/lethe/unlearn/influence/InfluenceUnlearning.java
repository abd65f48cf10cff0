// Influence Unlearning ("wfisher" in Unlearn-Sparse; Koh & Liang's influence functions with a WoodFisher
// Hessian), as ALGORITHMS.md describes it, with the model in eval mode:
//   g_f = Σ_{Df} ∇ℓ / N,   g_r = Σ_{Dr} ∇ℓ · |Df| / (N·|Dr|),   N = |Df| + |Dr|   (the reference's scaling)
//   θ ← θ + α · H⁻¹ (g_f − g_r)
// H = λI + (1/m) GᵀG over m per-sample retain gradients drawn without replacement with the context's seed,
// applied exactly by Woodbury (hessian=woodfisher; holds the m × |θ| matrix G and nothing larger; G's rows come
// from one forward/backward pass per batch of batch-size samples, PerSampleGradients, not m single-sample passes), or
// H ≈ diag((1/m) Σ g²) + λI over the same m samples (hessian=diagonal: one batched per-sample Fisher pass, no G) —
// the diagonal of the WoodFisher H. The reference's sequential loop (N = 1000, damping 1) ends with an inverse
// that is effectively rank-1 (ALGORITHMS.md); it is not copied. Pruned weights stay zero (Unlearner.run re-applies the masks).
// Options: alpha (> 0, default 1: the plain Newton step; 0.3 forgets Fashion-MNIST class 3 without
// collapsing the rest, α = 1 overshoots there — search it), lambda (damping > 0, default 1 as the reference's H₀ = I), m (default 256),
// hessian (woodfisher | diagonal), batch-size (gradient loaders, default 128).
// Over several ranks (Distributed.current()) the passes over the data are shared out: the gradient sums over Df and
// Dr by contiguous blocks of samples (FisherShards.bySamples) and one all-reduce each, the Hessian's per-sample
// gradients or diagonal Fisher as PerSampleGradients and FisherDiagonal share them; the step is then computed from the
// same reduced tensors on every rank (deterministic: every rank ends with the same weights).
package ai.lethe.unlearn.influence;

import ai.lethe.core.Shape;
import ai.lethe.data.Dataset;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.Distributed;
import ai.lethe.fisher.FisherDiagonal;
import ai.lethe.fisher.FisherKind;
import ai.lethe.fisher.FisherMap;
import ai.lethe.fisher.FisherShards;
import ai.lethe.fisher.PerSampleGradients;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.nn.Module;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import ai.lethe.unlearn.ssd.MethodData;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

public final class InfluenceUnlearning implements Unlearner {
    public static final double DEFAULT_ALPHA = 1, DEFAULT_LAMBDA = 1;
    public static final int DEFAULT_M = 256;

    private final String name;
    private final double alpha, lambda;
    private final int m, batchSize;
    private final boolean diagonal;

    public InfluenceUnlearning(MethodOptions options) {
        name = options.method();
        alpha = options.getDouble("alpha", DEFAULT_ALPHA);
        if (alpha <= 0) throw new IllegalArgumentException(name + ": option 'alpha' must be > 0, got " + alpha);
        lambda = options.getDouble("lambda", DEFAULT_LAMBDA);
        if (lambda <= 0) throw new IllegalArgumentException(name + ": option 'lambda' (damping) must be > 0, got " + lambda);
        m = options.getInt("m", DEFAULT_M, 1);
        batchSize = options.getInt("batch-size", 128, 1);
        diagonal = options.getString("hessian", "woodfisher", Set.of("woodfisher", "diagonal")).equals("diagonal");
    }

    @Override public String name() { return name; }

    @Override public Set<Requirement> requires() { return Set.of(Requirement.FORGET_SET, Requirement.RETAIN_SET); }

    @Override public String configJson() {
        return String.format(Locale.ROOT, "{\"method\":\"%s\",\"alpha\":%s,\"lambda\":%s,\"m\":%d,\"hessian\":\"%s\",\"batch_size\":%d}",
                name, alpha, lambda, m, diagonal ? "diagonal" : "woodfisher", batchSize);
    }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        Dataset forget = context.forgetSet(), retain = context.retainSet();
        boolean wasTraining = model.isTraining();
        model.eval();
        try (Scope _ = Scope.open("influence")) {
            Map<String, Tensor> params = model.namedParameters();
            long n = (long) forget.size() + retain.size();
            Tensor gf = sumGradient(model, MethodData.loader(context, forget, batchSize));
            Tensor gr = sumGradient(model, MethodData.loader(context, retain, batchSize));
            Tensor v;
            try (var _ = GradMode.noGrad()) {
                v = gf.mul(1.0 / n).sub(gr.mul((double) forget.size() / ((double) n * retain.size())));
            }
            Dataset sample = MethodData.sample(retain, m, context.seed(), "for the Hessian");
            Tensor step;
            if (diagonal) {
                try (FisherMap f = FisherDiagonal.compute(model, MethodData.loader(context, sample, batchSize), FisherKind.PER_SAMPLE);
                     var _ = GradMode.noGrad()) {
                    step = v.div(flatten(params, f.asMap()).add(lambda));
                }
            } else {
                Tensor g = PerSampleGradients.matrix(model, MethodData.loader(context, sample, batchSize), sample.size());
                step = Woodbury.solve(g, v, lambda);
                g.close();
            }
            try (var _ = GradMode.noGrad()) {
                long off = 0;
                for (Tensor p : params.values()) {
                    p.addInPlace(step.narrow(0, off, p.numel()).reshape(p.shape()), alpha);
                    off += p.numel();
                }
            }
            log.add(String.format(Locale.ROOT, "%s Hessian from %d retain samples, damping %s; step alpha %s",
                    diagonal ? "diagonal" : "WoodFisher", sample.size(), lambda, alpha));
        } finally {
            model.zeroGrad();
            if (wasTraining) model.train();
        }
    }

    /** Σ over the loader's samples of ∇θ CE, as one flat vector in parameter order (summed over the ranks). */
    static Tensor sumGradient(Module model, DataLoader loader) {
        Communicator comm = Distributed.current();
        Optional<DataLoader> share = comm.size() == 1 ? Optional.of(loader) : FisherShards.bySamples(loader, comm.rank(), comm.size());
        model.zeroGrad();
        if (share.isPresent()) try (Epoch epoch = share.get().epoch(0)) {
            for (Batch batch : epoch) {
                try (batch; Scope _ = Scope.open("influence-grad")) {
                    F.crossEntropy(model.forward(batch.images()), batch.labels(), F.Reduction.SUM, 0).backward();
                }
            }
        }
        Tensor out = flatGrad(model);
        model.zeroGrad();
        if (comm.size() > 1) comm.allReduceSum(out);
        return out;
    }

    private static Tensor flatGrad(Module model) {
        List<Tensor> parts = new ArrayList<>();
        try (var _ = GradMode.noGrad()) {
            for (Tensor p : model.namedParameters().values())
                parts.add(p.grad() == null ? Tensor.zeros(Shape.of(p.numel()), p.device()) : p.grad().reshape(-1));
            return Tensor.cat(parts, 0);
        }
    }

    private static Tensor flatten(Map<String, Tensor> params, Map<String, Tensor> values) {
        List<Tensor> parts = new ArrayList<>();
        for (String k : params.keySet()) parts.add(values.get(k).reshape(-1));
        return Tensor.cat(parts, 0);
    }
}
