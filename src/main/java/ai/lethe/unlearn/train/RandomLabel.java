// Random Label (RL): every epoch the forget set gets fresh labels drawn uniformly from all classes, is
// concatenated with the retain set, and the model trains on both (Unlearn-Sparse's RL). SGD momentum 0.9,
// weight decay 5e-4; defaults 10 epochs, lr 0.01, batch 256. Labels are drawn from a generator seeded by
// (context seed, epoch), so a run is reproducible.
package ai.lethe.unlearn.train;

import ai.lethe.data.Concat;
import ai.lethe.data.Dataset;
import ai.lethe.data.Relabeled;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.optim.SGD;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

public final class RandomLabel implements Unlearner {
    public static final String NAME = "rl";
    private final LoopOptions loop;

    public RandomLabel(MethodOptions o) { loop = LoopOptions.sgd(o, 10, 0.01, 256); }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.FORGET_SET, Requirement.RETAIN_SET); }

    @Override public String configJson() { return ConfigJson.of(NAME, ConfigJson.with(loop.fields(), "labels", "uniform, redrawn each epoch")); }

    /** Epoch {@code epoch}'s training data: Df with uniform random labels, then Dr. */
    public static Dataset epochData(Dataset forget, Dataset retain, long seed, int epoch) {
        Relabeled relabeled = Relabeled.uniform(forget, new SplittableRandom(seed * 1_000_003L + epoch));
        return Concat.of(relabeled, retain);
    }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        Dataset forget = context.forgetSet(), retain = context.retainSet();
        try (SGD opt = loop.sgd(model)) {
            TrainingLoop.of(NAME, model, context).data(epoch -> epochData(forget, retain, context.seed(), epoch))
                    .epochs(loop.epochs()).batchSize(loop.batchSize())
                    .loss((m, b) -> F.crossEntropy(m.forward(b.images()), b.labels())).run(opt, log);
        }
    }
}
