// The per-sample squared-gradient rule of each layer type: from a layer's input x and its output gradient g
// (g_n = ∂ℓ_n/∂y_n, exact per sample because eval-mode layers do not mix samples), accumulate Σ_n (∂ℓ_n/∂θ)²
// for each of its parameters, never materialising N × |θ|:
//   Linear, no token axis   W: (g∘g)ᵀ(x∘x), one product of squares;          b: Σ_n g_n²
//   Linear over tokens      W: Σ_n (g_nᵀ x_n)², a fused per-sample product;   b: Σ_n (Σ_t g_nt)²
//   Conv2d                  W: Σ_n (dW_n)², per-sample im2col product;         b: Σ_n (Σ_hw g_n)²
//   BatchNorm (eval)        w: Σ_n (Σ_hw g_n x̂_n)², x̂ from the running statistics;  b: Σ_n (Σ_hw g_n)²
//   LayerNorm               w: Σ_n (Σ_t g_nt x̂_nt)²;                        b: Σ_n (Σ_t g_nt)²
//   direct parameter use    Σ_n (g_n summed over the parameter's broadcast dimensions)²
package ai.lethe.fisher;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.nn.BatchNorm;
import ai.lethe.nn.Conv2d;
import ai.lethe.nn.LayerNorm;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Module;
import ai.lethe.tensor.Tensor;
import java.util.Map;

final class PerSampleRules {
    private PerSampleRules() {}

    /** Adds scale · Σ_n (∂ℓ_n/∂θ)² of the layer's parameters into {@code acc} (by qualified parameter name). */
    static void accumulate(PerSampleCapture.LayerCall call, Map<String, Tensor> acc, double scale) {
        Tensor g = call.output().grad();
        if (g == null)
            throw new IllegalStateException("per-sample Fisher: no gradient reached the output of '" + call.name() + "'");
        String prefix = call.name().isEmpty() ? "" : call.name() + ".";
        Tensor x = call.input();
        Module m = call.module();
        switch (m) {
            case Linear l -> linear(x, g, target(acc, prefix + "weight"), target(acc, prefix + "bias"), scale);
            case Conv2d c -> conv(c, x, g, target(acc, prefix + "weight"), target(acc, prefix + "bias"), scale);
            case BatchNorm b -> batchNorm(b, x, g, target(acc, prefix + "weight"), target(acc, prefix + "bias"), scale);
            case LayerNorm n -> layerNorm(n, x, g, target(acc, prefix + "weight"), target(acc, prefix + "bias"), scale);
            default -> throw new IllegalStateException("per-sample Fisher: no rule for " + m.getClass().getSimpleName());
        }
    }

    /** The accumulator of a parameter that exists and takes part (null for an absent bias or a frozen one). */
    private static Tensor target(Map<String, Tensor> acc, String name) { return acc.get(name); }

    static void linear(Tensor x, Tensor g, Tensor accW, Tensor accB, double scale) {
        if (x.rank() == 2) {
            if (accW != null) SquareSums.addProduct(g.square().t(), x.square(), accW, scale);
            if (accB != null) SquareSums.addSquared(g, accB, scale, 0);
            return;
        }
        long n = x.shape().dim(0);
        Tensor x3 = x.reshape(n, -1, x.shape().dim(-1));       // [N, T, in]
        Tensor g3 = g.reshape(n, -1, g.shape().dim(-1));       // [N, T, out]
        if (accW != null) SquareSums.perSampleSquaredGemm(g3.transpose(1, 2), x3, accW, scale);
        if (accB != null) SquareSums.addSquared(g3.sum(1), accB, scale, 0);
    }

    static void conv(Conv2d c, Tensor x, Tensor g, Tensor accW, Tensor accB, double scale) {
        if (accW != null) {
            long[] xs = x.shape().dims();
            int[] k = c.kernelSize(), s = c.stride(), p = c.padding(), d = c.dilation();
            var geometry = new Conv2dGeometry(xs[0], xs[1], xs[2], xs[3], c.outChannels(), k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]);
            SquareSums.perSampleSquaredConvWeight(g, x, accW, geometry, scale);
        }
        if (accB != null) SquareSums.addSquared(g.sum(2, 3), accB, scale, 0);
    }

    static void batchNorm(BatchNorm b, Tensor x, Tensor g, Tensor accW, Tensor accB, double scale) {
        if (b.isTraining())
            throw new IllegalStateException("per-sample Fisher: BatchNorm in training mode mixes the samples of a batch; put the model in eval mode");
        long n = x.shape().dim(0), c = x.shape().dim(1);
        Tensor x3 = x.reshape(n, c, -1), g3 = g.reshape(n, c, -1);
        if (accW != null) {
            Tensor mean = b.buffer("running_mean").reshape(1, c, 1);
            Tensor invStd = b.buffer("running_var").add(b.options().eps()).rsqrt().reshape(1, c, 1);
            SquareSums.addSquared(g3.mul(x3.sub(mean).mul(invStd)).sum(2), accW, scale, 0);
        }
        if (accB != null) SquareSums.addSquared(g3.sum(2), accB, scale, 0);
    }

    static void layerNorm(LayerNorm ln, Tensor x, Tensor g, Tensor accW, Tensor accB, double scale) {
        long[] ns = ln.normalizedShape();
        int k = ns.length, r = x.rank();
        int[] normDims = new int[k];
        for (int i = 0; i < k; i++) normDims[i] = r - k + i;
        long n = x.shape().dim(0), d = 1;
        for (long v : ns) d *= v;
        if (accW != null) {
            Tensor mean = x.mean(normDims, true);
            Tensor xhat = x.sub(mean).mul(x.var(normDims, 0, true).add(ln.eps()).rsqrt());
            SquareSums.addSquared(g.mul(xhat).reshape(n, -1, d).sum(1), accW.reshape(d), scale, 0);
        }
        if (accB != null) SquareSums.addSquared(g.reshape(n, -1, d).sum(1), accB.reshape(d), scale, 0);
    }

    /** A directly-used parameter: per-sample gradient = the batch tensor's gradient summed over broadcast dims. */
    static void parameterUse(PerSampleCapture.ParameterUse use, Tensor acc, double scale) {
        Tensor g = use.batchTensor().grad();
        if (g == null)
            throw new IllegalStateException("per-sample Fisher: no gradient reached the use of '" + use.name() + "'");
        Tensor p = use.parameter();
        int lead = g.rank() - p.rank();
        if (lead < 0 || g.shape().dim(0) == 0)
            throw new IllegalStateException("per-sample Fisher: the use of '" + use.name() + "' of shape " + g.shape()
                    + " does not broadcast parameter " + p.shape() + " over a batch");
        // dimension 0 is the batch; sum every other dimension where the parameter has size 1 (or does not exist)
        java.util.List<Integer> sumDims = new java.util.ArrayList<>();
        for (int i = 1; i < g.rank(); i++) {
            int pi = i - lead;
            boolean broadcast = pi < 0 || (p.shape().dim(pi) == 1 && g.shape().dim(i) != 1);
            if (broadcast) sumDims.add(i);
        }
        Tensor perSample = sumDims.isEmpty() ? g : g.sum(sumDims.stream().mapToInt(Integer::intValue).toArray(), true);
        SquareSums.addSquared(perSample.reshape(g.shape().dim(0), -1), acc.reshape(-1), scale, 0);
    }
}
