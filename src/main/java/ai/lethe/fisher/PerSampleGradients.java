// The raw per-sample gradients of a model, one row per sample: G [rows, P], row n = ∇θ CE(model(x_n), y_n) with
// every parameter flattened and concatenated in namedParameters() order (what Influence Unlearning's WoodFisher
// Hessian is built from). One forward and one backward pass per batch, not one per sample: PerSampleCapture
// records each layer's input and output gradient (eval-mode layers do not mix samples, so g_n = ∂ℓ_n/∂y_n with ℓ
// summed over the batch), and the sibling of PerSampleRules' squared sums turns them into per-sample gradients,
// written straight into the samples' rows:
//   Linear, no token axis   W_n = g_n x_nᵀ (a broadcast product);      b_n = g_n
//   Linear over tokens      W_n = g_nᵀ x_n (one batched matmul);         b_n = Σ_t g_nt
//   Conv2d                  W_n = conv2dBackwardWeight of sample n (PerSampleConvWeight); b_n = Σ_hw g_n
//   BatchNorm (eval)        w_n = Σ_hw g_n x̂_n, x̂ from the running statistics;  b_n = Σ_hw g_n
//   LayerNorm               w_n = Σ_t g_nt x̂_nt;                         b_n = Σ_t g_nt
//   direct parameter use    g_n summed over the parameter's broadcast dimensions
// A parameter that did not require a gradient when the call began keeps a zero block (as a frozen parameter has no
// gradient in a single-sample pass). The model must be in eval mode (BatchNorm in training mode mixes samples);
// its requiresGrad flags are left as they were and its gradients are dropped.
// Over several ranks (Distributed.current(), or a Communicator argument) rank r computes the rows of its contiguous
// block of samples (FisherShards.bySamples) into a zero matrix and one all-reduce fills in the others' rows; a row
// plus zeros is exact, so every rank holds the single-process matrix bit for bit.
package ai.lethe.fisher;

import ai.lethe.core.Shape;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.Distributed;
import ai.lethe.kernels.PerSampleConvWeight;
import ai.lethe.nn.BatchNorm;
import ai.lethe.nn.Conv2d;
import ai.lethe.nn.F;
import ai.lethe.nn.LayerNorm;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Module;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

public final class PerSampleGradients {
    private PerSampleGradients() {}

    /**
     * The [rows, P] matrix of per-sample gradients over one pass of {@code loader} (rows in the loader's order, P the
     * model's parameter count), on the model's device. The loader must yield exactly {@code rows} samples.
     */
    public static Tensor matrix(Module model, DataLoader loader, int rows) {
        return matrix(model, loader, rows, Distributed.current());
    }

    /** As above over the ranks of {@code comm} (each computes its block of rows; every rank returns the whole matrix). */
    public static Tensor matrix(Module model, DataLoader loader, int rows, Communicator comm) {
        String op = "PerSampleGradients.matrix";
        Map<String, Tensor> params = model.namedParameters();
        if (params.isEmpty()) throw new IllegalArgumentException(op + ": the model has no parameters");
        if (model.isTraining())
            throw new IllegalStateException(op + ": the model is in training mode; per-sample gradients need eval mode"
                    + " (BatchNorm in training mode mixes the samples of a batch)");
        Map<String, Long> offsets = new LinkedHashMap<>();
        long p = 0;
        Set<Tensor> frozen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (var e : params.entrySet()) {
            offsets.put(e.getKey(), p);
            p += e.getValue().numel();
            if (!e.getValue().requiresGrad()) frozen.add(e.getValue());
        }
        Tensor g = Tensor.zeros(Shape.of(rows, p), params.values().iterator().next().device());
        if (comm.size() > 1 && FisherShards.samples(loader) != rows) {
            g.close();
            throw new IllegalArgumentException(op + ": the loader yields " + FisherShards.samples(loader) + " samples, expected " + rows);
        }
        int[] block = comm.size() == 1 ? new int[] {0, rows} : FisherShards.block(rows, comm.rank(), comm.size());
        Optional<DataLoader> share = comm.size() == 1 ? Optional.of(loader) : FisherShards.bySamples(loader, comm.rank(), comm.size());
        int row = block[0];
        Set<String> covered = new LinkedHashSet<>();
        if (share.isPresent()) try (PerSampleCapture capture = new PerSampleCapture(model); Epoch epoch = share.get().epoch(0)) {
            for (Batch batch : epoch) {
                try (batch; Scope _ = Scope.open("per-sample-gradients")) {
                    int b = batch.size();
                    if (row + b > block[1])
                        throw new IllegalArgumentException(op + ": the loader yields more than " + rows + " samples");
                    capture.clear();
                    model.zeroGrad();
                    Tensor x = batch.images().detach().setRequiresGrad(true);   // so backward runs with every layer switched off
                    F.crossEntropy(model.forward(x), batch.labels(), F.Reduction.SUM, 0).backward();
                    try (var _ = GradMode.noGrad()) {
                        Tensor rowsOf = g.narrow(0, row, b);
                        Blocks blocks = (name, shape) -> {
                            covered.add(name);
                            Tensor param = params.get(name);
                            if (param == null || frozen.contains(param)) return null;
                            long[] dims = new long[shape.length + 1];
                            dims[0] = b;
                            System.arraycopy(shape, 0, dims, 1, shape.length);
                            return rowsOf.narrow(1, offsets.get(name), param.numel()).reshape(dims);
                        };
                        for (PerSampleCapture.LayerCall call : capture.layers()) layer(call, blocks);
                        for (PerSampleCapture.ParameterUse use : capture.uses()) parameterUse(use, blocks);
                    }
                    row += b;
                }
            }
        } catch (RuntimeException e) {
            g.close();
            throw e;
        } finally {
            model.zeroGrad();
        }
        if (row != block[1]) {
            g.close();
            throw new IllegalArgumentException(op + ": the loader yielded " + row + " samples, expected " + rows);
        }
        Set<String> missing = new LinkedHashSet<>(params.keySet());
        missing.removeAll(covered);
        if (!missing.isEmpty() && block[1] > block[0]) {
            g.close();
            throw new IllegalStateException(op + ": no per-sample rule for parameters " + missing
                    + " (covered: Linear, Conv2d, BatchNorm, LayerNorm, and parameters a module reports with parameterUse)");
        }
        if (comm.size() > 1) comm.allReduceSum(g);
        return g;
    }

    /** Where a parameter's per-sample gradients go: a [B, ...parameter shape] view of G's rows, or null (skip). */
    private interface Blocks {
        Tensor of(String name, long[] shape);
    }

    private static void layer(PerSampleCapture.LayerCall call, Blocks blocks) {
        Tensor g = call.output().grad();
        if (g == null) throw new IllegalStateException("per-sample gradients: no gradient reached the output of '" + call.name() + "'");
        String prefix = call.name().isEmpty() ? "" : call.name() + ".";
        Module m = call.module();
        Tensor w = m.parameter("weight"), bias = m.parameter("bias");
        Tensor dw = w == null ? null : blocks.of(prefix + "weight", w.shape().dims());
        Tensor db = bias == null ? null : blocks.of(prefix + "bias", bias.shape().dims());
        Tensor x = call.input();
        long n = x.shape().dim(0);
        switch (m) {
            case Linear l -> {
                Tensor x3 = x.reshape(n, -1, x.shape().dim(-1)), g3 = g.reshape(n, -1, g.shape().dim(-1));   // [N, T, in|out]
                if (dw != null) dw.copyFrom(g3.transpose(1, 2).matmul(x3));
                if (db != null) db.copyFrom(g3.sum(1));
            }
            case Conv2d c -> {
                if (dw != null) PerSampleConvWeight.write(g, x, dw, c.stride(), c.padding(), c.dilation());
                if (db != null) db.copyFrom(g.sum(2, 3));
            }
            case BatchNorm bn -> {
                if (bn.isTraining())
                    throw new IllegalStateException("per-sample gradients: BatchNorm '" + call.name() + "' is in training mode");
                long ch = x.shape().dim(1);
                Tensor x3 = x.reshape(n, ch, -1), g3 = g.reshape(n, ch, -1);
                if (dw != null) {
                    Tensor mean = bn.buffer("running_mean").reshape(1, ch, 1);
                    Tensor invStd = bn.buffer("running_var").add(bn.options().eps()).rsqrt().reshape(1, ch, 1);
                    dw.copyFrom(g3.mul(x3.sub(mean).mul(invStd)).sum(2));
                }
                if (db != null) db.copyFrom(g3.sum(2));
            }
            case LayerNorm ln -> {
                long[] ns = ln.normalizedShape();
                int k = ns.length, r = x.rank();
                int[] normDims = new int[k];
                for (int i = 0; i < k; i++) normDims[i] = r - k + i;
                long d = 1;
                for (long v : ns) d *= v;
                if (dw != null) {
                    Tensor xhat = x.sub(x.mean(normDims, true)).mul(x.var(normDims, 0, true).add(ln.eps()).rsqrt());
                    dw.reshape(n, d).copyFrom(g.mul(xhat).reshape(n, -1, d).sum(1));
                }
                if (db != null) db.reshape(n, d).copyFrom(g.reshape(n, -1, d).sum(1));
            }
            default -> throw new IllegalStateException("per-sample gradients: no rule for " + m.getClass().getSimpleName());
        }
    }

    /** A directly used parameter: its per-sample gradient is the batch tensor's gradient over its broadcast dims. */
    private static void parameterUse(PerSampleCapture.ParameterUse use, Blocks blocks) {
        Tensor p = use.parameter();
        Tensor dst = blocks.of(use.name(), p.shape().dims());
        if (dst == null) return;
        Tensor g = use.batchTensor().grad();
        if (g == null) throw new IllegalStateException("per-sample gradients: no gradient reached the use of '" + use.name() + "'");
        int lead = g.rank() - p.rank();
        if (lead < 0 || g.shape().dim(0) == 0)
            throw new IllegalStateException("per-sample gradients: the use of '" + use.name() + "' of shape " + g.shape()
                    + " does not broadcast parameter " + p.shape() + " over a batch");
        List<Integer> sumDims = new ArrayList<>();
        for (int i = 1; i < g.rank(); i++) {
            int pi = i - lead;
            if (pi < 0 || (p.shape().dim(pi) == 1 && g.shape().dim(i) != 1)) sumDims.add(i);
        }
        Tensor perSample = sumDims.isEmpty() ? g : g.sum(sumDims.stream().mapToInt(Integer::intValue).toArray(), true);
        long n = g.shape().dim(0);
        dst.reshape(n, -1).copyFrom(perSample.reshape(n, -1));
    }
}
