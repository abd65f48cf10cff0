// LambdaLR (torch.optim.lr_scheduler.LambdaLR): lr = base·λ(epoch), one λ for all groups or one per group.
package ai.lethe.optim.schedule;

import ai.lethe.optim.Optimizer;
import java.util.List;
import java.util.Objects;
import java.util.function.IntToDoubleFunction;

public final class LambdaLR extends ClosedFormLR {
    private final List<IntToDoubleFunction> lambdas;

    /** The same factor λ(epoch) for every group. */
    public LambdaLR(Optimizer<?> optimizer, IntToDoubleFunction lambda) {
        this(optimizer, java.util.Collections.nCopies(optimizer.groups().size(), Objects.requireNonNull(lambda, "lambda")));
    }

    /** One factor per group, in group order. */
    public LambdaLR(Optimizer<?> optimizer, List<IntToDoubleFunction> lambdas) {
        if (lambdas.size() != optimizer.groups().size())
            throw new IllegalArgumentException("LambdaLR: " + lambdas.size() + " lambdas for "
                    + optimizer.groups().size() + " parameter groups; give one, or one per group");
        this.lambdas = List.copyOf(lambdas);
        super(optimizer);
    }

    @Override protected double lrAt(int group, double baseLr, int epoch) {
        return baseLr * lambdas.get(group).applyAsDouble(epoch);
    }
}
