// One unlearning run in a report: the method's name ("retrain" is the gold standard the others are compared
// with), the seed, the metrics of the unlearned model, the wall-clock seconds of the unlearning call (RTE,
// evaluation excluded) and the model's sparsity (fraction of zero weights; NaN when not measured).
package ai.lethe.report;

import ai.lethe.eval.MetricSet;

public record MethodRun(String method, long seed, MetricSet metrics, double seconds, double sparsity) {
    /** The method name of the gold standard. */
    public static final String RETRAIN = "retrain";

    public MethodRun {
        if (method == null || method.isBlank()) throw new IllegalArgumentException("MethodRun: method must be a non-blank name, got '" + method + "'");
        if (metrics == null) throw new IllegalArgumentException("MethodRun: metrics of " + method + " must not be null");
        if (seconds < 0) throw new IllegalArgumentException("MethodRun: seconds of " + method + " must be >= 0, got " + seconds);
    }

    public boolean isRetrain() { return method.equals(RETRAIN); }
}
