// CosineAnnealingLR (torch.optim.lr_scheduler.CosineAnnealingLR), closed form:
//   lr = etaMin + (base − etaMin)·(1 + cos(π·epoch/tMax))/2
// which continues as a cosine past tMax (back up to base at 2·tMax), as PyTorch's recursion does.
package ai.lethe.optim.schedule;

import ai.lethe.optim.Check;
import ai.lethe.optim.Optimizer;

public final class CosineAnnealingLR extends ClosedFormLR {
    private final int tMax;
    private final double etaMin;

    public CosineAnnealingLR(Optimizer<?> optimizer, int tMax, double etaMin) {
        this.tMax = Check.atLeast("CosineAnnealingLR", "tMax", tMax, 1);
        this.etaMin = Check.nonNegative("CosineAnnealingLR", "etaMin", etaMin);
        super(optimizer);
    }

    /** Anneals to 0 over {@code tMax} epochs. */
    public CosineAnnealingLR(Optimizer<?> optimizer, int tMax) { this(optimizer, tMax, 0); }

    @Override protected double lrAt(int group, double baseLr, int epoch) {
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }

    @Override public String toString() { return "CosineAnnealingLR(tMax " + tMax + ", etaMin " + etaMin + ")"; }
}
