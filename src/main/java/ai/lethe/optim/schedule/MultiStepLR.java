// MultiStepLR (torch.optim.lr_scheduler.MultiStepLR): lr = base·gamma^(number of milestones <= epoch).
// Milestones may be unsorted and repeat (a repeated milestone multiplies by gamma once per occurrence).
package ai.lethe.optim.schedule;

import ai.lethe.optim.Check;
import ai.lethe.optim.Optimizer;
import java.util.Arrays;
import java.util.List;

public final class MultiStepLR extends ClosedFormLR {
    private final int[] milestones;
    private final double gamma;

    public MultiStepLR(Optimizer<?> optimizer, List<Integer> milestones, double gamma) {
        int[] m = milestones.stream().mapToInt(Integer::intValue).sorted().toArray();
        if (m.length > 0 && m[0] < 0)
            throw new IllegalArgumentException("MultiStepLR: milestones must be >= 0, got " + milestones);
        this.milestones = m;
        this.gamma = Check.positive("MultiStepLR", "gamma", gamma);
        super(optimizer);
    }

    /**
     * Milestones at fractions of the run, each floor(fraction·totalEpochs): the recipe "×0.1 at 50% and 75% of
     * 182 epochs" is {@code atFractions(opt, 182, 0.1, 0.5, 0.75)} (milestones 91, 136).
     */
    public static MultiStepLR atFractions(Optimizer<?> optimizer, int totalEpochs, double gamma, double... fractions) {
        Check.atLeast("MultiStepLR", "totalEpochs", totalEpochs, 1);
        Integer[] m = new Integer[fractions.length];
        for (int i = 0; i < m.length; i++) {
            Check.inClosed("MultiStepLR", "fraction", fractions[i], 0, 1);
            m[i] = (int) Math.floor(fractions[i] * totalEpochs);
        }
        return new MultiStepLR(optimizer, List.of(m), gamma);
    }

    @Override protected double lrAt(int group, double baseLr, int epoch) {
        int passed = 0;
        while (passed < milestones.length && milestones[passed] <= epoch) passed++;
        return baseLr * Math.pow(gamma, passed);
    }

    /** The milestones, sorted. */
    public int[] milestones() { return milestones.clone(); }

    public double gamma() { return gamma; }

    @Override public String toString() { return "MultiStepLR(milestones " + Arrays.toString(milestones) + ", gamma " + gamma + ")"; }
}
