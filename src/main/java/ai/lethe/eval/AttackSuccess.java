// Attack success of a backdoor (the sparsity paper's Trojan-cleanse metric; ALGORITHMS.md "Applications"): the
// model's accuracy on the test set with the trigger stamped on every image and every label set to the target.
// Unlearn-Sparse computes it exactly so (utils.get_poisoned_loader passes the whole test set through poison_func,
// main_backdoor.py reports validate() on it as attack_acc), which counts the target class's own images too: a
// model without any backdoor still scores about 1/C on them. asrNonTarget is the same share over the test images
// whose true class is not the target (0 for a model the trigger does not move at all).
// Used by UnlearnMetrics when the split's training set is an ai.lethe.data.poison.Poisoned one and its retain-test
// set is the whole test set (a `poisoned`, random or index request on a backdoored model's data).
package ai.lethe.eval;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.poison.Poisoned;
import ai.lethe.data.Subset;
import ai.lethe.data.poison.Trigger;
import ai.lethe.data.split.SplitSets;
import ai.lethe.data.transform.Transform;
import ai.lethe.nn.Module;
import java.util.Optional;

/** {@code asr} over {@code samples} test images, {@code asrNonTarget} over the {@code nonTargetSamples} of them not of the target class. */
public record AttackSuccess(double asr, double asrNonTarget, int samples, int nonTargetSamples) {

    /** A backdoor: the trigger and the class it sends images to. */
    public record Backdoor(Trigger trigger, int target) {}

    /** The attack success of {@code model} for {@code backdoor} on {@code test} (clean images and their true labels). */
    public static AttackSuccess evaluate(Module model, Dataset test, Backdoor backdoor, Transform transform, Device device, int batchSize,
                                         int workers) {
        Poisoned triggered = Poisoned.triggered(test, backdoor.trigger(), backdoor.target());
        Predictions p = Predictions.of(model, triggered, transform, device, batchSize, workers);
        int[] trueLabels = new int[test.size()];
        for (int i = 0; i < trueLabels.length; i++) trueLabels[i] = test.label(i);
        return of(p.predicted(), trueLabels, backdoor.target());
    }

    /** The rates from the predictions on the triggered images and the images' true labels. */
    public static AttackSuccess of(int[] predicted, int[] trueLabels, int target) {
        if (predicted.length != trueLabels.length)
            throw new IllegalArgumentException("AttackSuccess: " + predicted.length + " predictions for " + trueLabels.length + " labels");
        long hits = 0, hitsNonTarget = 0;
        int nonTarget = 0;
        for (int i = 0; i < predicted.length; i++) {
            boolean hit = predicted[i] == target;
            if (hit) hits++;
            if (trueLabels[i] != target) {
                nonTarget++;
                if (hit) hitsNonTarget++;
            }
        }
        return new AttackSuccess(predicted.length == 0 ? Double.NaN : (double) hits / predicted.length,
                nonTarget == 0 ? Double.NaN : (double) hitsNonTarget / nonTarget, predicted.length, nonTarget);
    }

    /**
     * The backdoor of {@code sets}' training set, when Df or Dr is a view of an ai.lethe.data.poison.Poisoned dataset and the
     * retain-test set is the whole test set; else empty.
     */
    public static Optional<Backdoor> backdoorOf(SplitSets sets) {
        Poisoned poisoned = poisonedBase(sets.forget());
        if (poisoned == null) poisoned = poisonedBase(sets.retain());
        if (poisoned == null || !wholeSet(sets.retainTest())) return Optional.empty();
        return Optional.of(new Backdoor(poisoned.trigger(), poisoned.target()));
    }

    private static Poisoned poisonedBase(Dataset d) {
        if (d instanceof Poisoned p) return p;
        if (d instanceof Subset s && s.base() instanceof Poisoned p) return p;
        return null;
    }

    private static boolean wholeSet(Dataset d) {
        if (!(d instanceof Subset s)) return true;
        int[] idx = s.indices();
        if (idx.length != s.base().size()) return false;
        for (int i = 0; i < idx.length; i++) if (idx[i] != i) return false;
        return true;
    }
}
