// Amnesiac unlearning (Graves et al., as the SSD paper runs it): every forget sample gets a random wrong label
// (uniform over the classes other than its own; for full-class forgetting, any class but the forgotten one),
// drawn once with the context's seed; the relabelled Df is concatenated with Dr and the model trains on both.
// Defaults 3 epochs, Adam lr 1e-4, batch 128.
package ai.lethe.unlearn.train;

import ai.lethe.data.Concat;
import ai.lethe.data.Relabeled;
import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.optim.Adam;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

public final class Amnesiac implements Unlearner {
    public static final String NAME = "amnesiac";
    private final LoopOptions loop;

    public Amnesiac(MethodOptions o) { loop = LoopOptions.adam(o, 3, 1e-4, 128); }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.FORGET_SET, Requirement.RETAIN_SET); }

    @Override public String configJson() { return ConfigJson.of(NAME, ConfigJson.with(loop.fields(), "labels", "random wrong, drawn once")); }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        Relabeled wrong = Relabeled.randomWrong(context.forgetSet(), new SplittableRandom(context.seed()));
        try (Adam opt = loop.adam(model)) {
            TrainingLoop.of(NAME, model, context).data(Concat.of(wrong, context.retainSet())).epochs(loop.epochs())
                    .batchSize(loop.batchSize()).loss((m, b) -> F.crossEntropy(m.forward(b.images()), b.labels())).run(opt, log);
        }
    }
}
