// Boundary Expand (Chen et al., CVPR 2023, "Boundary Unlearning"): the classifier head gets one extra "shadow"
// output, the whole model fine-tunes on Df relabelled to the shadow class (CE, train mode), and the shadow output is
// then pruned, leaving the model's original C outputs (the paper's code copies rows 0..C−1 of the widened head into
// a C-way head after fine-tuning). The SalUn repository (OPTML-Group/Unlearn-Saliency, Classification/unlearn/
// boundary_ex.py) widens the last Linear layer (expand_model, lines 34-67: a new nn.Linear(in, C+1) whose first C
// rows are the old head's, so the shadow row keeps nn.Linear's default init U(−1/√in, 1/√in) for weight and bias)
// and trains on Df with target num_classes (lines 91-107); it never prunes (its evaluation argmaxes over C+1).
// Lethe keeps the model's head and trains the shadow row beside it, logits = [head(f), f·w_s + b_s] with f the
// head's input (ImageModel.features): the same function and gradients as the widened layer. The shadow row is drawn
// with Linear's default init from a generator seeded by the context's seed, and discarded at the end (the prune).
//
// Defaults: the SalUn repository's unlearning optimizer (main_forget.py with arg_parser.py's defaults): SGD lr 0.01
// (--unlearn_lr, line 117), momentum 0.9, weight decay 5e-4 (lines 71-72, on the shadow row too), 10 epochs
// (--unlearn_epochs, line 120), batch 256 (line 69). (The paper's code: SGD lr 1e-5, momentum 0.9, 10 epochs.)
package ai.lethe.unlearn.train;

import ai.lethe.models.ImageModel;
import ai.lethe.models.ResNet;
import ai.lethe.models.VisionTransformer;
import ai.lethe.nn.F;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Masks;
import ai.lethe.nn.Module;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

public final class BoundaryExpand implements Unlearner {
    public static final String NAME = "boundary-expand";
    private final LoopOptions loop;

    public BoundaryExpand(MethodOptions o) { loop = LoopOptions.sgd(o, 10, 0.01, 256); }

    public LoopOptions loop() { return loop; }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.FORGET_SET); }

    @Override public String configJson() {
        return ConfigJson.of(NAME, ConfigJson.with(loop.fields(), "shadow", "one extra output, Linear's default init, pruned after"));
    }

    /** The classifier head of {@code model} (ResNet's fc, ViT's head), which must be a Linear layer. */
    static Linear head(ImageModel model) {
        Module h = switch (model) {
            case ResNet r -> r.module("fc");
            case VisionTransformer v -> v.module("head");
        };
        if (!(h instanceof Linear l))
            throw new IllegalArgumentException(NAME + ": the model's classifier head is " + h.getClass().getSimpleName()
                    + ", not a Linear layer; a shadow class needs a head to widen");
        return l;
    }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        Linear h = head(model);
        boolean bias = h.parameter("bias") != null;
        try (Linear shadow = new Linear(h.inFeatures(), 1, bias, new Generator(context.seed() * 1_000_003L + 7))) {
            shadow.to(context.device());
            train(model, context, shadow, log);
        }
    }

    /**
     * Fine-tunes {@code model} with {@code shadow} (a Linear(features, 1) on the model's device) as its extra output
     * on Df labelled with the shadow class; the caller discards the shadow afterwards.
     */
    void train(ImageModel model, UnlearnContext context, Linear shadow, List<String> log) {
        Linear h = head(model);
        if (shadow.inFeatures() != h.inFeatures() || shadow.outFeatures() != 1)
            throw new IllegalArgumentException(NAME + ": the shadow row must be Linear(" + h.inFeatures() + ", 1), got Linear("
                    + shadow.inFeatures() + ", " + shadow.outFeatures() + ")");
        int shadowClass = context.numClasses();
        if (h.outFeatures() != shadowClass)
            throw new IllegalArgumentException(NAME + ": the model has " + h.outFeatures() + " outputs but the context "
                    + context.numClasses() + " classes");
        List<Tensor> params = new ArrayList<>();
        model.parameters().forEach(params::add);
        shadow.parameters().forEach(params::add);
        try (SGD opt = Masks.attach(SGD.builder(params).lr(loop.lr()).momentum(loop.momentum()).weightDecay(loop.weightDecay()).build(),
                model)) {
            TrainingLoop.of(NAME, model, context).data(context.forgetSet()).epochs(loop.epochs()).batchSize(loop.batchSize())
                    .loss((m, b) -> {
                        Tensor f = m.features(b.images());
                        Tensor logits = Tensor.cat(List.of(h.forward(f), shadow.forward(f)), 1);
                        Tensor target = Tensor.full(b.labels().shape(), shadowClass, b.labels().dtype(), b.labels().device());
                        return F.crossEntropy(logits, target);
                    }).run(opt, log);
        }
        log.add(NAME + ": trained the forget set towards shadow class " + shadowClass + ", then pruned the shadow output");
    }
}
