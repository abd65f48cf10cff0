// Global top-k over many score tensors (one threshold across all pruned tensors): masks with exactly k ones in
// total, found by radix selection on the scores' float keys without sorting anything. Two histogram passes of
// 16 bits find the k-th largest score t and how many elements equal to t are needed; one mask pass keeps every
// score > t and the first of the ties, in tensor order and then in row-major (flat index) order within a tensor.
// Each pass is ONE multi-tensor SPI call over every score tensor (Backend.scoreHistograms, masksFromScores), so a
// device backend makes a constant number of host round trips whatever the number of tensors: one per histogram
// pass and one for the mask pass's kept-tie count (3 in all; the tie budget is spread over the tensors on the
// device). Work: three passes over the scores (the mask pass reads them twice), whatever k is; memory: two
// histograms of 65,536 counts.
package ai.lethe.kernels;

import ai.lethe.backend.ScoreKeys;
import ai.lethe.backend.View;
import ai.lethe.core.Device;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

public final class GlobalTopK {
    private static final int BITS = 16, BINS = 1 << BITS;

    private GlobalTopK() {}

    /**
     * Where the k largest scores are: every score above {@code value}, plus the first {@code ties} scores equal
     * to it (in tensor order, then flat index).
     *
     * @param value the k-th largest score (+infinity when k is 0: no score is above it, none is kept)
     * @param above how many scores are strictly greater than value
     * @param ties  how many scores equal to value are kept (k − above)
     */
    public record Threshold(float value, long above, long ties) {}

    /**
     * The k-th largest of all scores, by two radix passes (see the class comment).
     *
     * @param scores non-negative float scores (a negative or NaN score is an IllegalArgumentException), on one
     *               device; any shapes and layouts
     * @param k      0 <= k <= total number of scores
     */
    public static Threshold threshold(List<Tensor> scores, long k) {
        String op = "GlobalTopK.threshold";
        check(op, scores, k);
        try (var _ = GradMode.noGrad()) {
            List<View> views = views(scores);
            long[] high = new long[BINS];
            if (!views.isEmpty())
                scores.getFirst().backend().scoreHistograms(views, BITS, BITS, ScoreKeys.MATCH_ALL, 0, high);
            if (k == 0) return new Threshold(Float.POSITIVE_INFINITY, 0, 0);   // nothing is above +inf
            int hb = BINS - 1;
            long above = 0;
            while (above + high[hb] < k) above += high[hb--];
            long[] low = new long[BINS];
            scores.getFirst().backend().scoreHistograms(views, 0, BITS, BITS, hb, low);
            int lb = BINS - 1;
            while (above + low[lb] < k) above += low[lb--];
            return new Threshold(ScoreKeys.scoreOf((long) hb << BITS | lb), above, k - above);
        }
    }

    /** The kernel views of the scores, in order. */
    private static List<View> views(List<Tensor> scores) {
        List<View> views = new ArrayList<>(scores.size());
        for (Tensor s : scores) views.add(s.kernelView());
        return views;
    }

    /**
     * Masks of the k largest scores: one float tensor per score tensor (its shape, dtype and device) of 0 and 1,
     * with exactly k ones in total. Ties at the threshold are broken deterministically: earlier tensors first,
     * then lower flat (row-major) indices.
     *
     * @param scores non-negative float scores (|w| for magnitude pruning, SynFlow scores, ...), on one device
     * @param k      how many to keep, 0 <= k <= total number of scores
     */
    public static List<Tensor> keepLargest(List<Tensor> scores, long k) {
        String op = "GlobalTopK.keepLargest";
        Threshold t = threshold(scores, k);
        List<Tensor> masks = new ArrayList<>(scores.size());
        if (scores.isEmpty()) return masks;
        try (var _ = GradMode.noGrad()) {
            List<View> maskViews = new ArrayList<>(scores.size());
            for (Tensor s : scores) {
                Tensor mask = Tensor.empty(s.shape(), s.dtype(), s.device());
                masks.add(mask);
                maskViews.add(mask.kernelView());
            }
            long kept = scores.getFirst().backend().masksFromScores(views(scores), maskViews, t.value(), t.ties());
            if (kept != t.ties())
                throw new IllegalStateException(op + ": kept " + kept + " of " + t.ties() + " ties (scores changed during the call?)");
        }
        return masks;
    }

    /**
     * Masks that prune the smallest {@code sparsity} fraction of all scores globally: keepLargest(scores,
     * round((1 − sparsity)·N)), N the total number of scores.
     *
     * @param sparsity the fraction to prune, in [0, 1) (0.95 keeps 5%)
     */
    public static List<Tensor> pruneSmallest(List<Tensor> scores, double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1))
            throw new IllegalArgumentException("GlobalTopK.pruneSmallest: sparsity must be in [0, 1), got " + sparsity);
        long total = check("GlobalTopK.pruneSmallest", scores, 0);
        return keepLargest(scores, Math.round((1 - sparsity) * total));
    }

    /** Validates the scores and k; returns the total number of scores. */
    private static long check(String op, List<Tensor> scores, long k) {
        Objects.requireNonNull(scores, op + ": scores is null");
        long total = 0;
        Device device = null;
        for (int i = 0; i < scores.size(); i++) {
            Tensor s = Args.tensor(op, "scores[" + i + "]", scores.get(i));
            if (device == null) device = s.device();
            else if (!s.device().equals(device))
                throw new IllegalArgumentException(op + ": scores[" + i + "] of shape " + s.shape() + " is on "
                        + s.device() + " but scores[0] is on " + device + "; all scores must be on one device");
            total += s.numel();
        }
        if (k < 0 || k > total)
            throw new IllegalArgumentException(op + ": k must be in [0, " + total + "] (the number of scores in "
                    + scores.size() + " tensors), got " + k);
        return total;
    }
}
