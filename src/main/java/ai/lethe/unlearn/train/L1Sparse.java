// l1-sparse (sparsity-aware unlearning, Jia et al.): fine-tune on the retain set with loss CE + γ_e·‖θ‖₁ over
// all parameters, γ_e = γ·(1 − e/E) for epoch e = 0..E−1. The l1 term is SGD's: each step adds γ_e·sign(θ) to
// the gradient before momentum, exactly the (sub)gradient autograd gives for γ_e·‖θ‖₁ (sign(0) = 0), without
// building the penalty's graph. Defaults E = 10, lr 0.01, γ = 5e-4, batch 256, momentum 0.9, wd 5e-4.
package ai.lethe.unlearn.train;

import ai.lethe.models.ImageModel;
import ai.lethe.nn.F;
import ai.lethe.optim.ParamGroup;
import ai.lethe.optim.SGD;
import ai.lethe.optim.SgdOptions;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.util.List;
import java.util.Locale;
import java.util.Set;

public final class L1Sparse implements Unlearner {
    public static final String NAME = "l1-sparse";
    private final LoopOptions loop;
    private final double gamma;

    public L1Sparse(MethodOptions o) {
        loop = LoopOptions.sgd(o, 10, 0.01, 256);
        gamma = o.getDouble("gamma", 5e-4, 0);
    }

    public double gamma() { return gamma; }

    /** γ_e = γ·(1 − e/E). */
    public static double gammaAt(double gamma, int epoch, int epochs) { return gamma * (1 - (double) epoch / epochs); }

    @Override public String name() { return NAME; }

    @Override public Set<Requirement> requires() { return java.util.EnumSet.of(Requirement.RETAIN_SET); }

    @Override public String configJson() { return ConfigJson.of(NAME, ConfigJson.with(loop.fields(), "gamma", gamma)); }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        try (SGD opt = loop.sgd(model)) {
            TrainingLoop.of(NAME, model, context).data(context.retainSet()).epochs(loop.epochs()).batchSize(loop.batchSize())
                    .beforeEpoch((epoch, o) -> {
                        double g = gammaAt(gamma, epoch, loop.epochs());
                        for (ParamGroup<SgdOptions> group : opt.groups()) group.setOptions(group.options().withL1(g));
                        log.add(String.format(Locale.ROOT, "%s epoch %d: gamma %.3g", NAME, epoch + 1, g));
                    })
                    .loss((m, b) -> F.crossEntropy(m.forward(b.images()), b.labels())).run(opt, log);
        }
    }
}
