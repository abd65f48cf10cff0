// Boundary Shrink (Chen et al., CVPR 2023, "Boundary Unlearning"), as the SalUn repository implements it
// (OPTML-Group/Unlearn-Saliency, Classification/unlearn/boundary_sh.py): the original model, frozen in eval mode
// (test_model = deepcopy(model), line 138), finds each forget sample's nearest wrong class by one FGSM step,
// x' = discretize(clamp(x + ε·sign(∇x CE(f0(x), y)), 0, 1)) with discretize(v) = round(255·v)/255 (lines 35-52;
// ε = 0.1 "hard coding in the paper", line 69), and its prediction on x' becomes x's new label; the model fine-tunes
// on (x, label') with CE in train mode (lines 89-107). Only Df is used. Lethe's inputs are normalised, so the step,
// clamp and rounding happen in pixel space through the context's transform (PixelSpace).
//
// Defaults: the SalUn repository's unlearning optimizer, which runs boundary_shrink through main_forget.py with
// arg_parser.py's defaults: SGD lr 0.01 (--unlearn_lr, line 117), momentum 0.9, weight decay 5e-4 (lines 71-72),
// 10 epochs (--unlearn_epochs, line 120), batch 256 (line 69). (The paper's own code used SGD lr 1e-5, momentum 0.9,
// no weight decay, for 10 epochs.)
package ai.lethe.unlearn.train;

import ai.lethe.data.loader.Batch;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Tensor;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

public final class BoundaryShrink implements Unlearner {
    public static final String NAME = "boundary-shrink";
    private final LoopOptions loop;
    private final double bound;

    public BoundaryShrink(MethodOptions o) {
        loop = LoopOptions.sgd(o, 10, 0.01, 256);
        bound = LoopOptions.positive(o, "bound", o.getDouble("bound", 0.1, 0));
        if (bound > 1) throw new IllegalArgumentException(NAME + ": option 'bound' (the FGSM step in pixels of [0, 1]) must be <= 1, got " + bound);
    }

    public LoopOptions loop() { return loop; }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.FORGET_SET); }

    @Override public String configJson() { return ConfigJson.of(NAME, ConfigJson.with(loop.fields(), "bound", bound)); }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        PixelSpace pixels = PixelSpace.of(NAME, context.transform(), context.forgetSet().shape(), context.device());
        AtomicLong moved = new AtomicLong(), seen = new AtomicLong();
        try (ImageModel original = BadTeacher.copyOf(model, context); SGD opt = loop.sgd(model);
             var _ = pixels.offset(); var _ = pixels.scale()) {
            original.eval();
            TrainingLoop.of(NAME, model, context).data(context.forgetSet()).epochs(loop.epochs()).batchSize(loop.batchSize())
                    .cudaGraphs(false)   // the loss reads the neighbour labels back to the host
                    .loss((m, b) -> {
                        Tensor labels = neighbourLabels(original, pixels, b, bound);
                        long[] got = labels.toLongArray(), had = b.labels().toLongArray();
                        for (int i = 0; i < got.length; i++) if (got[i] != had[i]) moved.incrementAndGet();
                        seen.addAndGet(b.size());
                        return F.crossEntropy(m.forward(b.images()), labels);
                    }).run(opt, log);
        }
        log.add(String.format(Locale.ROOT, "%s: the FGSM step (bound %.3g) moved %d of %d forget samples to another class (%.1f%%)",
                NAME, bound, moved.get(), seen.get(), 100.0 * moved.get() / Math.max(1, seen.get())));
    }

    /**
     * The original model's prediction on the FGSM neighbour of each image of {@code b}: x + ε·sign(∇x CE) in pixels,
     * clamped to [0, 1] and rounded to 1/255.
     */
    static Tensor neighbourLabels(ImageModel original, PixelSpace pixels, Batch b, double bound) {
        Tensor x = b.images().detach().setRequiresGrad(true);
        F.crossEntropy(original.forward(x), b.labels()).backward();
        try (var _ = GradMode.noGrad()) {
            Tensor step = x.grad().mul(pixels.scale()).sign().mul(bound);   // the sign of the gradient w.r.t. the pixels
            Tensor adv = PixelSpace.discretize(pixels.toPixels(x.detach()).add(step).clamp(0, 1));
            return original.forward(pixels.fromPixels(adv)).argmax(1);
        }
    }
}
