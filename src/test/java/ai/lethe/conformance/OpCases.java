// The conformance cases: every op of the foundation on random inputs of odd sizes, including broadcasting,
// non-contiguous views (transposes, strided slices, expands) and the layers' functional forms. Each case is
// run on every available backend against ref (forward and backward) and gradient-checked in float64.
package ai.lethe.conformance;

import static ai.lethe.conformance.Input.index;
import static ai.lethe.conformance.Input.normal;
import static ai.lethe.conformance.Input.positive;
import static ai.lethe.conformance.Input.probabilities;
import static ai.lethe.conformance.Input.unit;

import ai.lethe.nn.F;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

final class OpCases {
    /** @param differentiable whether backward parity and the gradient check apply */
    record OpCase(String name, List<Input> inputs, Function<List<Tensor>, Tensor> f, boolean differentiable) {
        @Override public String toString() { return name; }
    }

    private static final List<OpCase> CASES = new ArrayList<>();

    private OpCases() {}

    private static void add(String name, Function<List<Tensor>, Tensor> f, Input... inputs) {
        CASES.add(new OpCase(name, List.of(inputs), f, true));
    }

    private static void forwardOnly(String name, Function<List<Tensor>, Tensor> f, Input... inputs) {
        CASES.add(new OpCase(name, List.of(inputs), f, false));
    }

    static List<OpCase> all() { return CASES; }

    private static Tensor x0(List<Tensor> x) { return x.get(0); }

    static {
        // ---- unary elementwise, on contiguous and transposed inputs ----
        add("neg", x -> x0(x).neg(), normal(3, 5, 7));
        add("abs", x -> x0(x).abs(), normal(3, 5, 7));
        add("exp", x -> x0(x).exp(), normal(5, 7));
        add("log", x -> x0(x).log(), positive(5, 7));
        add("sqrt", x -> x0(x).sqrt(), positive(5, 7));
        add("rsqrt", x -> x0(x).rsqrt(), positive(5, 7));
        add("square", x -> x0(x).square(), normal(5, 7));
        add("reciprocal", x -> x0(x).reciprocal(), positive(5, 7));
        add("sin", x -> x0(x).sin(), normal(5, 7));
        add("cos", x -> x0(x).cos(), normal(5, 7));
        add("tanh", x -> x0(x).tanh(), normal(5, 7));
        add("sigmoid", x -> x0(x).sigmoid(), normal(5, 7));
        add("relu", x -> x0(x).relu(), normal(3, 5, 7));
        add("relu-transposed", x -> x0(x).t().relu(), normal(5, 7));
        add("gelu-erf", x -> x0(x).gelu(), normal(5, 7));
        add("gelu-tanh", x -> x0(x).gelu(true), normal(5, 7));
        add("erf", x -> x0(x).erf(), normal(5, 7));
        add("erfinv", x -> x0(x).erfinv(), unit(5, 7));
        add("affine", x -> x0(x).mul(1.5).add(-0.25), normal(5, 7));
        add("pow-scalar", x -> x0(x).pow(2.5), positive(5, 7));
        add("clamp", x -> x0(x).clamp(-0.5, 0.7), normal(5, 7));
        forwardOnly("sign", x -> x0(x).sign(), normal(5, 7));

        // ---- binary elementwise with broadcasting and strided operands ----
        add("add-broadcast", x -> x0(x).add(x.get(1)), normal(3, 1, 5), normal(4, 5));
        add("add-alpha", x -> x0(x).add(x.get(1), -2.5), normal(4, 5), normal(5));
        add("sub-broadcast", x -> x0(x).sub(x.get(1)), normal(4, 1), normal(3, 1, 6));
        add("mul-transposed", x -> x0(x).t().mul(x.get(1)), normal(5, 7), normal(7, 5));
        add("div", x -> x0(x).div(x.get(1)), normal(3, 5, 7), positive(5, 1));
        add("pow-tensor", x -> x0(x).pow(x.get(1)), positive(4, 5), normal(5));
        add("maximum", x -> x0(x).maximum(x.get(1)), normal(4, 5), normal(4, 5));
        add("minimum-broadcast", x -> x0(x).minimum(x.get(1)), normal(4, 5), normal(1, 5));
        add("where", x -> Tensor.where(x0(x).gt(0.0), x.get(1), x.get(2)), normal(4, 5).constant(), normal(4, 5), normal(5));
        forwardOnly("compare", x -> x0(x).gt(x.get(1)).add(x0(x).le(x.get(1)).mul(2)).add(x0(x).eq(x0(x)).mul(4)),
                normal(4, 5), normal(5));
        add("sliced-step", x -> x0(x).slice(1, 1, 9, 3).mul(x.get(1)), normal(4, 9), normal(4, 3));

        // ---- reductions ----
        add("sum-all", x -> x0(x).sum(), normal(3, 5, 7));
        add("sum-dims", x -> x0(x).sum(new int[] {0, 2}, true), normal(3, 5, 7));
        add("sum-transposed", x -> x0(x).transpose(0, 2).sum(1), normal(3, 5, 7));
        add("mean", x -> x0(x).mean(1), normal(3, 5, 7));
        add("mean-all", x -> x0(x).mean(), normal(3, 5, 7));
        add("max-dim", x -> x0(x).max(1), normal(3, 5, 7));
        add("min-dim-keep", x -> x0(x).min(-1, true), normal(3, 5, 7));
        add("max-all", x -> x0(x).max(), normal(3, 5, 7));
        add("var", x -> x0(x).var(new int[] {1}, 1, false), normal(3, 5, 7));
        add("var-biased-all", x -> x0(x).var(null, 0, false), normal(3, 5, 7));
        forwardOnly("argmax", x -> x0(x).argmax(1), normal(3, 5, 7));
        forwardOnly("argmin-transposed", x -> x0(x).t().argmin(0), normal(5, 7));

        // ---- views and joins ----
        add("reshape-noncontiguous", x -> x0(x).t().reshape(5, 7).mul(x.get(1)), normal(7, 5), normal(5, 7));
        add("permute", x -> x0(x).permute(2, 0, 1).contiguous().mul(x.get(1)), normal(3, 5, 7), normal(7, 3, 5));
        add("expand", x -> x0(x).expand(3, 4, 5).mul(x.get(1)), normal(4, 1), normal(3, 4, 5));
        add("squeeze-unsqueeze", x -> x0(x).unsqueeze(0).squeeze(2).mul(x.get(1)), normal(3, 1, 5), normal(1, 3, 5));
        add("select", x -> x0(x).select(1, 2).mul(x.get(1)), normal(3, 5, 7), normal(3, 7));
        add("cat", x -> Tensor.cat(List.of(x0(x), x.get(1).t()), 1), normal(3, 2), normal(4, 3));
        add("stack", x -> Tensor.stack(List.of(x0(x), x.get(1)), 1), normal(3, 4), normal(3, 4));
        add("chunk", x -> x0(x).chunk(3, 1).get(2).mul(2), normal(4, 8));
        add("flatten", x -> x0(x).flatten(1, 2).mul(x.get(1)), normal(2, 3, 4), normal(12));

        // ---- linear algebra ----
        add("matmul-2d", x -> x0(x).matmul(x.get(1)), normal(5, 7), normal(7, 3));
        add("matmul-transposed", x -> x0(x).t().matmul(x.get(1).t()), normal(7, 5), normal(3, 7));
        add("matmul-batched-broadcast", x -> x0(x).matmul(x.get(1)), normal(2, 1, 3, 4), normal(3, 4, 5));
        add("matmul-tokens", x -> x0(x).matmul(x.get(1)), normal(2, 3, 4), normal(4, 5));
        add("matmul-vector", x -> x0(x).matmul(x.get(1)), normal(3, 4), normal(4));
        add("matmul-dot", x -> x0(x).matmul(x.get(1)), normal(6), normal(6));
        add("linear", x -> F.linear(x0(x), x.get(1), x.get(2)), normal(2, 3, 6), normal(5, 6), normal(5));

        // ---- indexing ----
        add("gather", x -> x0(x).gather(1, x.get(1)), normal(4, 6), index(6, 4, 3));
        add("indexSelect", x -> x0(x).indexSelect(0, x.get(1)), normal(5, 3), index(5, 7));
        forwardOnly("oneHot", x -> x0(x).oneHot(6), index(6, 9));

        // ---- layers ----
        add("conv2d", x -> F.conv2d(x0(x), x.get(1), x.get(2), 1, 1), normal(2, 3, 7, 6), normal(4, 3, 3, 3), normal(4));
        add("conv2d-stride2-nobias", x -> F.conv2d(x0(x), x.get(1), null, 2, 1), normal(2, 3, 9, 8), normal(5, 3, 3, 3));
        add("conv2d-1x1", x -> F.conv2d(x0(x), x.get(1), null, 1, 0), normal(2, 4, 5, 5), normal(3, 4, 1, 1));
        add("conv2d-dilated", x -> F.conv2d(x0(x), x.get(1), x.get(2), new int[] {1, 2}, new int[] {2, 1}, new int[] {2, 1}),
                normal(1, 2, 8, 9), normal(3, 2, 3, 2), normal(3));
        add("batchNorm-train", x -> F.batchNorm(x0(x), null, null, x.get(1), x.get(2), true, 0.1, 1e-5),
                normal(4, 3, 5, 2), normal(3), normal(3));
        add("batchNorm-train-noaffine", x -> F.batchNorm(x0(x), null, null, null, null, true, 0.1, 1e-5), normal(6, 5));
        add("batchNorm-eval", x -> F.batchNorm(x0(x), x.get(3), x.get(4), x.get(1), x.get(2), false, 0.1, 1e-5),
                normal(4, 3, 5, 2), normal(3), normal(3), normal(3).constant(), positive(3).constant());
        add("layerNorm", x -> F.layerNorm(x0(x), new long[] {6}, x.get(1), x.get(2), 1e-5), normal(2, 3, 6), normal(6), normal(6));
        add("layerNorm-2d-noaffine", x -> F.layerNorm(x0(x), new long[] {3, 4}, null, null, 1e-6), normal(5, 3, 4));
        add("softmax", x -> F.softmax(x0(x), 1), normal(4, 7));
        add("softmax-middle", x -> F.softmax(x0(x), 1), normal(2, 5, 3));
        add("logSoftmax", x -> F.logSoftmax(x0(x), -1), normal(3, 4, 9));
        add("maxPool2d", x -> F.maxPool2d(x0(x), 3, 2, 1), normal(2, 3, 7, 8));
        add("maxPool2d-ceil", x -> F.maxPool2d(x0(x), new int[] {2, 3}, new int[] {2, 2}, new int[] {0, 1}, true), normal(1, 2, 7, 7));
        add("avgPool2d", x -> F.avgPool2d(x0(x), 3, 2, 1), normal(2, 3, 7, 8));
        add("avgPool2d-exclude-pad-ceil", x -> F.avgPool2d(x0(x), new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, true, false),
                normal(1, 2, 6, 7));
        add("adaptiveAvgPool2d", x -> F.adaptiveAvgPool2d(x0(x), 3, 2), normal(2, 3, 7, 5));
        add("adaptiveAvgPool2d-global", x -> F.adaptiveAvgPool2d(x0(x), 1, 1), normal(2, 3, 4, 4));
        add("dropout", x -> F.dropout(x0(x), 0.3, true, new Generator(7)), normal(4, 9));
        add("cls-token-and-position-embedding", x -> Tensor.cat(List.of(x.get(1).expand(2, 1, 4), x0(x)), 1).add(x.get(2)),
                normal(2, 5, 4), normal(1, 1, 4), normal(1, 6, 4));
        add("attention", x -> F.scaledDotProductAttention(x0(x), x.get(1), x.get(2)), normal(2, 3, 5, 4), normal(2, 3, 5, 4), normal(2, 3, 5, 6));

        // ---- losses ----
        add("crossEntropy", x -> F.crossEntropy(x0(x), x.get(1)), normal(5, 7), index(7, 5));
        add("crossEntropy-smoothing-sum", x -> F.crossEntropy(x0(x), x.get(1), F.Reduction.SUM, 0.1), normal(5, 7), index(7, 5));
        add("crossEntropy-soft", x -> F.crossEntropy(x0(x), x.get(1), F.Reduction.MEAN, 0), normal(5, 7), probabilities(5, 7).constant());
        add("nllLoss-none", x -> F.nllLoss(F.logSoftmax(x0(x), 1), x.get(1), F.Reduction.NONE), normal(5, 7), index(7, 5));
        add("klDiv", x -> F.klDiv(F.logSoftmax(x0(x), 1), x.get(1), F.KlReduction.BATCHMEAN, false), normal(5, 7), probabilities(5, 7));
        add("klDiv-logTarget", x -> F.klDiv(F.logSoftmax(x0(x), 1), F.logSoftmax(x.get(1), 1), F.KlReduction.SUM, true),
                normal(5, 7), normal(5, 7));
        add("mseLoss", x -> F.mseLoss(x0(x), x.get(1), F.Reduction.MEAN), normal(5, 7), normal(5, 7));
    }
}
