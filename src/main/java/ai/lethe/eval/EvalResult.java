// Accuracy and mean cross-entropy of a model on a set of samples (per-sample counts, not means of batch means).
package ai.lethe.eval;

public record EvalResult(long correct, long count, double lossSum) {
    public static final EvalResult EMPTY = new EvalResult(0, 0, 0);

    /** Fraction of samples classified correctly (NaN for an empty set). */
    public double accuracy() { return count == 0 ? Double.NaN : (double) correct / count; }

    /** Mean cross-entropy over the samples (NaN for an empty set). */
    public double loss() { return count == 0 ? Double.NaN : lossSum / count; }

    public EvalResult plus(EvalResult o) { return new EvalResult(correct + o.correct, count + o.count, lossSum + o.lossSum); }
}
