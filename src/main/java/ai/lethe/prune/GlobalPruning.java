// One global pruning step over all prunable tensors (Prunable): given a score per entry, keep the largest
// scores and prune the rest so that exactly a given number of entries is pruned in total, with one threshold
// across all tensors (ai.lethe.kernels.GlobalTopK; ties broken as it does: earlier tensors first, then lower
// flat indices). Entries already pruned stay pruned: they score 0 and every unpruned entry scores at least
// Float.MIN_NORMAL, so the new masks are a subset of the old ones (iterative magnitude pruning, SynFlow's rounds).
// Magnitude pruning is the step with scores |w| (ai.lethe.kernels.Pruning.magnitudeScores).
// Host round trips: a constant number whatever the number of tensors (issue 15) — one read of the old masks' kept
// counts, GlobalTopK's three, and one for Masks.setAll's check of the new masks.
package ai.lethe.prune;

import ai.lethe.core.DType;
import ai.lethe.kernels.GlobalTopK;
import ai.lethe.kernels.Pruning;
import ai.lethe.nn.Masks;
import ai.lethe.nn.Module;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class GlobalPruning {
    private GlobalPruning() {}

    /** round(sparsity · total): the number of entries a target sparsity prunes. */
    public static long prunedCount(long total, double sparsity) {
        checkSparsity("GlobalPruning.prunedCount", sparsity);
        return Math.round(sparsity * total);
    }

    static void checkSparsity(String op, double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1))
            throw new IllegalArgumentException(op + ": sparsity must be in [0, 1), got " + sparsity);
    }

    /**
     * Global magnitude pruning of {@code model}'s prunable tensors to {@code sparsity}: exactly
     * round(sparsity · total) entries pruned, the smallest |w| (already-pruned entries first).
     */
    public static void magnitude(Module model, double sparsity) {
        String op = "GlobalPruning.magnitude";
        checkSparsity(op, sparsity);
        List<String> names = Prunable.require(op, model);
        Map<String, Tensor> params = model.namedParameters();
        try (var _ = Scope.open(op)) {
            Map<String, Tensor> scores = new LinkedHashMap<>();
            for (String n : names) scores.put(n, Pruning.magnitudeScores(params.get(n)));
            pruneTo(model, scores, prunedCount(Prunable.count(model), sparsity));
        }
    }

    /**
     * Sets masks on the tensors of {@code scores} (prunable parameter names → non-negative float32 scores of the
     * parameter's shape) so that exactly {@code pruned} of their entries are pruned: the lowest scores, existing
     * masks respected (see the class comment). {@code pruned} must be at least the number already pruned.
     */
    public static void pruneTo(Module model, Map<String, Tensor> scores, long pruned) {
        String op = "GlobalPruning.pruneTo";
        Map<String, Tensor> masks = Masks.of(model);
        long total = 0, masked = 0;
        try (var _ = GradMode.noGrad(); var _ = Scope.open(op)) {
            List<Tensor> keyed = new ArrayList<>(scores.size()), kept = new ArrayList<>();
            for (var e : scores.entrySet()) {
                Tensor p = model.parameter(e.getKey());
                if (p == null) throw new IllegalArgumentException(op + ": the model has no parameter '" + e.getKey() + "'");
                Tensor s = e.getValue();
                if (!s.shape().equals(p.shape()))
                    throw new IllegalArgumentException(op + ": scores of '" + e.getKey() + "' have shape " + s.shape()
                            + ", the parameter " + p.shape());
                total += s.numel();
                Tensor k = s.clampMin(Float.MIN_NORMAL);
                Tensor old = masks.get(e.getKey());
                if (old != null) {
                    k = k.mul(old);
                    masked += s.numel();
                    kept.add(old.sum().to(DType.FLOAT64));   // summed on the device, read below with the others
                }
                keyed.add(k.contiguous());
            }
            long already = masked - keptEntries(kept);
            if (pruned < already || pruned > total)
                throw new IllegalArgumentException(op + ": pruned must be in [" + already + " (already pruned), " + total
                        + "], got " + pruned);
            List<Tensor> fresh = GlobalTopK.keepLargest(keyed, total - pruned);
            Map<String, Tensor> set = new LinkedHashMap<>();
            int i = 0;
            for (String name : scores.keySet()) set.put(name, fresh.get(i++));
            Masks.setAll(model, set);
        }
    }

    /** The sum of the device scalars {@code sums}, read in one copy (0 when there are none). */
    private static long keptEntries(List<Tensor> sums) {
        if (sums.isEmpty()) return 0;
        long n = 0;
        for (double v : Tensor.stack(sums, 0).toDoubleArray()) n += (long) v;
        return n;
    }

    /**
     * Pruned fraction of each prunable tensor (by its mask; 0 for an unmasked one), by parameter name; the masks are
     * summed on the device and read in one copy, whatever their number.
     */
    public static Map<String, Double> perTensor(Module model) {
        Map<String, Tensor> masks = Masks.of(model);
        Map<String, Double> out = new LinkedHashMap<>();
        try (var _ = GradMode.noGrad(); var _ = Scope.open("GlobalPruning.perTensor")) {
            List<String> names = Prunable.names(model);
            List<Tensor> sums = new ArrayList<>();
            for (String n : names) {
                Tensor m = masks.get(n);
                if (m != null) sums.add(m.sum().to(DType.FLOAT64));
            }
            double[] kept = sums.isEmpty() ? new double[0] : Tensor.stack(sums, 0).toDoubleArray();
            int i = 0;
            for (String n : names) {
                Tensor m = masks.get(n);
                out.put(n, m == null ? 0.0 : 1 - kept[i++] / m.numel());
            }
        }
        return out;
    }
}
