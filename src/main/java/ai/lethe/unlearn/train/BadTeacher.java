// Bad Teacher (Chundawat et al., the SSD paper's "blindspot" baseline): the model is the student of two
// teachers — the competent one, a frozen copy of the original model, and an incompetent one, a freshly
// initialised model of the same config. The data is all of Df (flag 1) and a seeded 30% sample of Dr (flag 0);
// the loss is KL(target ‖ student) at temperature T, the target being the incompetent teacher's softmax for
// flag-1 samples and the competent teacher's for flag-0 samples. Defaults: 1 epoch, Adam lr 1e-4, batch 256,
// T = 1, retain fraction 0.3. Teachers run in eval mode, the student in train mode.
//
// The KL is averaged over samples (the true KL, "batchmean"); the reference's F.kl_div default averages over
// samples × classes, 1/C of it, which Adam's scale invariance makes (almost) irrelevant.
package ai.lethe.unlearn.train;

import ai.lethe.data.Concat;
import ai.lethe.data.Dataset;
import ai.lethe.data.loader.Batch;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.nn.F;
import ai.lethe.optim.Adam;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Tensor;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

public final class BadTeacher implements Unlearner {
    public static final String NAME = "bad-teacher";
    private final LoopOptions loop;
    private final double temperature, retainFraction;

    public BadTeacher(MethodOptions o) {
        loop = LoopOptions.adam(o, 1, 1e-4, 256);
        temperature = LoopOptions.positive(o, "temperature", o.getDouble("temperature", 1, 0));
        retainFraction = o.getDouble("retain-fraction", 0.3, 0);
        if (retainFraction > 1)
            throw new IllegalArgumentException(NAME + ": option 'retain-fraction' must be in [0, 1], got " + retainFraction);
    }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.FORGET_SET, Requirement.RETAIN_SET); }

    @Override public String configJson() {
        return ConfigJson.of(NAME, ConfigJson.with(loop.fields(), "temperature", temperature, "retain-fraction", retainFraction));
    }

    /** A seeded sample of floor(fraction·|Dr|) retain samples, in index order. */
    public static Dataset retainSample(Dataset retain, double fraction, long seed) {
        int n = retain.size(), k = (int) Math.floor(fraction * n);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < k; i++) {   // partial Fisher-Yates: the first k are a uniform sample without replacement
            int j = i + rng.nextInt(n - i), t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] chosen = Arrays.copyOf(idx, k);
        Arrays.sort(chosen);
        return retain.subset(chosen, retain.name() + " (" + k + " sampled)");
    }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        Dataset forget = context.forgetSet();
        Dataset retainPart = retainSample(context.retainSet(), retainFraction, context.seed());
        Concat data = Concat.of(forget, retainPart);
        int forgetCount = forget.size();
        log.add(NAME + ": " + forgetCount + " forget samples (incompetent teacher) + " + retainPart.size()
                + " retain samples (competent teacher)");
        try (ImageModel competent = copyOf(model, context); ImageModel incompetent = freshOf(model, context); Adam opt = loop.adam(model)) {
            competent.eval();
            incompetent.eval();
            TrainingLoop.of(NAME, model, context).data(data).epochs(loop.epochs()).batchSize(loop.batchSize())
                    .loss((m, b) -> loss(m, competent, incompetent, b, forgetCount))
                    .cudaGraphs(false)   // the loss uploads each batch's forget flags: a host copy a capture does not allow
                    .run(opt, log);
        }
    }

    private Tensor loss(ImageModel student, ImageModel competent, ImageModel incompetent, Batch b, int forgetCount) {
        Tensor target;
        try (var _ = GradMode.noGrad()) {
            Tensor good = F.softmax(competent.forward(b.images()).div(temperature), 1);
            Tensor bad = F.softmax(incompetent.forward(b.images()).div(temperature), 1);
            float[] flags = new float[b.size()];
            for (int i = 0; i < flags.length; i++) flags[i] = b.indices()[i] < forgetCount ? 1f : 0f;
            Tensor flag = Tensor.fromArray(flags, b.images().device(), b.size(), 1).to(good.dtype());
            target = bad.mul(flag).add(good.mul(flag.neg().add(1.0)));
        }
        Tensor logp = F.logSoftmax(student.forward(b.images()).div(temperature), 1);
        return F.klDiv(logp, target, F.KlReduction.BATCHMEAN, false);
    }

    /** A frozen copy of {@code model} (same config, its current state). */
    static ImageModel copyOf(ImageModel model, UnlearnContext context) {
        ImageModel copy = Models.create(model.config(), new Generator(context.seed())).to(context.device());
        copy.loadStateDict(model.stateDict(), true);
        copy.setRequiresGrad(false);
        return copy;
    }

    /** A freshly initialised model of {@code model}'s config (seeded from the context), frozen. */
    static ImageModel freshOf(ImageModel model, UnlearnContext context) {
        ImageModel fresh = Models.create(model.config(), new Generator(context.seed() + 1)).to(context.device());
        fresh.setRequiresGrad(false);
        return fresh;
    }
}
