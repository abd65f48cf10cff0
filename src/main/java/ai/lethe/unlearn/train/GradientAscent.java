// Gradient Ascent (GA): on the forget set only, model in train mode, minimise −CE (climb Df's loss). SGD with
// Unlearn-Sparse's unlearning optimizer (momentum 0.9, weight decay 5e-4); defaults 5 epochs, lr 1e-4, batch 256.
package ai.lethe.unlearn.train;

import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.optim.SGD;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.util.List;
import java.util.Set;

public final class GradientAscent implements Unlearner {
    public static final String NAME = "ga";
    private final LoopOptions loop;

    public GradientAscent(MethodOptions o) { loop = LoopOptions.sgd(o, 5, 1e-4, 256); }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.FORGET_SET); }

    @Override public String configJson() { return ConfigJson.of(NAME, loop.fields()); }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        try (SGD opt = loop.sgd(model)) {
            TrainingLoop.of(NAME, model, context).data(context.forgetSet()).epochs(loop.epochs()).batchSize(loop.batchSize())
                    .loss((m, b) -> F.crossEntropy(m.forward(b.images()), b.labels()).neg()).run(opt, log);
        }
    }
}
