// Fine-tune (FT): train on the retain set only and rely on catastrophic forgetting of Df. SGD with momentum
// 0.9 and weight decay 5e-4; defaults Unlearn-Sparse's 10 epochs at lr 0.01, batch 256 (SSD's variant: 5
// epochs at lr 0.02).
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

public final class FineTune implements Unlearner {
    public static final String NAME = "ft";
    private final LoopOptions loop;

    public FineTune(MethodOptions o) { loop = LoopOptions.sgd(o, 10, 0.01, 256); }

    public LoopOptions loop() { return loop; }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.RETAIN_SET); }

    @Override public String configJson() { return ConfigJson.of(NAME, loop.fields()); }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        try (SGD opt = loop.sgd(model)) {
            TrainingLoop.of(NAME, model, context).data(context.retainSet()).epochs(loop.epochs()).batchSize(loop.batchSize())
                    .loss((m, b) -> F.crossEntropy(m.forward(b.images()), b.labels())).run(opt, log);
        }
    }
}
