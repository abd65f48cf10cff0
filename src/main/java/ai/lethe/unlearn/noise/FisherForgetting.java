// Fisher Forgetting (Golatkar et al., "Eternal Sunshine of the Spotless Net", CVPR 2020; the version in the SSD
// and Unlearn-Sparse reference code), as ALGORITHMS.md describes it: the TRUE Fisher diagonal F on Dr (eval mode),
// then per parameter
//   var = clamp(1/(F + 1e-8), max 1e3; 1e2 for the class layer) · α
//   rank > 1: var averaged over dim 1 (one variance per output unit and kernel position, broadcast over dim 1)
//   ×10 for the class layer and for 1-D tensors (BN affine, biases)
//   θ ← θ + √var · N(0, 1), the noise from a Generator seeded with context.seed().
// "The class layer" is the module owning the model's last parameter (ResNet "fc", ViT "head") — the reference
// tests p.size(0) == num_classes instead, which would also catch a BatchNorm that happens to have num_classes
// channels. Option zero-class-row (Unlearn-Sparse's full-class behaviour; needs Df to be one class c): before
// the noise, the class layer's row c is set to mean 0 with var 1e-4 — in the reference's order, so the ×10 of
// the class layer applies to it too (final var 1e-3). Pruned weights stay zero (Unlearner.run re-applies the masks).
// Options: alpha (> 0, default 1e-6, the SSD reference's value; ALGORITHMS.md's range 1e-6 … 3e-8),
// batch-size (Fisher loader, default 64; it does not change the TRUE Fisher), zero-class-row (default false),
// fisher-samples (estimate F on that many samples of Dr drawn with the seed; default 0 = all of Dr — the TRUE
// Fisher costs one backward pass per class, so a sample is the practical choice on large Dr).
package ai.lethe.unlearn.noise;

import ai.lethe.data.Dataset;
import ai.lethe.fisher.FisherDiagonal;
import ai.lethe.fisher.FisherKind;
import ai.lethe.fisher.FisherMap;
import ai.lethe.kernels.Unlearning;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.Module;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import ai.lethe.unlearn.ssd.MethodData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

public final class FisherForgetting implements Unlearner {
    public static final double DEFAULT_ALPHA = 1e-6;
    static final double EPS = 1e-8, MAX_VAR = 1e3, MAX_VAR_CLASS_LAYER = 1e2, ROW_VAR = 1e-4, BOOST = 10;

    private final String name;
    private final double alpha;
    private final int batchSize;
    private final boolean zeroClassRow;
    private final int fisherSamples;

    public FisherForgetting(MethodOptions options) {
        name = options.method();
        alpha = options.getDouble("alpha", DEFAULT_ALPHA);
        if (alpha <= 0) throw new IllegalArgumentException(name + ": option 'alpha' must be > 0, got " + alpha);
        batchSize = options.getInt("batch-size", 64, 1);
        zeroClassRow = options.getBoolean("zero-class-row", false);
        fisherSamples = options.getInt("fisher-samples", 0, 0);
    }

    @Override public String name() { return name; }

    @Override public Set<Requirement> requires() { return Set.of(Requirement.RETAIN_SET, Requirement.FORGET_SET); }

    @Override public String configJson() {
        return String.format(Locale.ROOT, "{\"method\":\"%s\",\"alpha\":%s,\"fisher\":\"true\",\"zero_class_row\":%b,\"batch_size\":%d,\"fisher_samples\":%d}",
                name, alpha, zeroClassRow, batchSize, fisherSamples);
    }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        int forgetClass = zeroClassRow ? singleClass(context.forgetSet()) : -1;
        Dataset retain = fisherSamples == 0 ? context.retainSet()
                : MethodData.sample(context.retainSet(), fisherSamples, context.seed(), "for the Fisher");
        try (FisherMap fisher = FisherDiagonal.compute(model, MethodData.loader(context, retain, batchSize), FisherKind.TRUE);
             Scope _ = Scope.open("fisher-forgetting")) {
            log.add("true Fisher on Dr: " + fisher);
            Map<String, Tensor> params = model.namedParameters();
            Set<String> classLayer = classLayer(model);
            Map<String, Tensor> std = new LinkedHashMap<>();
            for (var e : params.entrySet()) {
                Tensor var = variance(e.getValue(), fisher.get(e.getKey()), alpha, classLayer.contains(e.getKey()), forgetClass);
                try (var _ = GradMode.noGrad()) {
                    std.put(e.getKey(), var.sqrt());
                }
            }
            Generator gen = new Generator(context.seed());
            try (var _ = GradMode.noGrad()) {
                for (var e : params.entrySet()) {
                    Tensor p = e.getValue();
                    if (forgetClass >= 0 && classLayer.contains(e.getKey())) p.select(0, forgetClass).fill(0);
                    Unlearning.addGaussianNoise(p, std.get(e.getKey()), gen);
                }
            }
            log.add(String.format(Locale.ROOT, "noise with alpha %s%s, seed %d", alpha,
                    forgetClass >= 0 ? ", class row " + forgetClass + " zeroed" : "", context.seed()));
        }
    }

    /**
     * The rule's variance for one parameter (a tensor of the parameter's shape, or broadcastable to it: for rank
     * > 1 dim 1 has size 1). {@code forgetClass} >= 0 sets the class layer's row to 1e-4 before the ×10.
     */
    public static Tensor variance(Tensor param, Tensor fisher, double alpha, boolean classLayer, int forgetClass) {
        try (var _ = GradMode.noGrad()) {
            Tensor var = fisher.add(EPS).reciprocal().clampMax(classLayer ? MAX_VAR_CLASS_LAYER : MAX_VAR).mul(alpha);
            if (param.rank() > 1) var = var.mean(new int[] {1}, true);
            if (forgetClass >= 0 && classLayer) {
                if (forgetClass >= param.shape().dim(0))
                    throw new IllegalArgumentException("ff: class " + forgetClass + " is not a row of the class layer " + param.shape());
                var = var.contiguousCopy();
                var.select(0, forgetClass).fill(ROW_VAR);
            }
            if (classLayer || param.rank() == 1) var = var.mul(BOOST);
            return var;
        }
    }

    /** The parameters of the module owning the model's last parameter (the classification head). */
    public static Set<String> classLayer(Module model) {
        List<String> names = new ArrayList<>(model.namedParameters().keySet());
        String last = names.getLast();
        String prefix = last.contains(".") ? last.substring(0, last.lastIndexOf('.') + 1) : "";
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String n : names)
            if (n.startsWith(prefix) && n.indexOf('.', prefix.length()) < 0) out.add(n);
        return out;
    }

    private int singleClass(Dataset forget) {
        int c = forget.label(0);
        for (int i = 1; i < forget.size(); i++)
            if (forget.label(i) != c)
                throw new IllegalArgumentException(name + ": option 'zero-class-row' needs a full-class forget set, but Df has"
                        + " labels " + c + " and " + forget.label(i));
        return c;
    }
}
