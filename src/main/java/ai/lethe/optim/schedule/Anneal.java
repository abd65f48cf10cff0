// How OneCycleLR moves between two values over a phase (PyTorch's anneal_strategy 'cos' and 'linear').
package ai.lethe.optim.schedule;

public enum Anneal {
    /** end + (start − end)·(1 + cos(π·pct))/2 */
    COS {
        @Override public double apply(double start, double end, double pct) {
            return end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
        }
    },
    /** start + (end − start)·pct */
    LINEAR {
        @Override public double apply(double start, double end, double pct) { return (end - start) * pct + start; }
    };

    /** The value at fraction {@code pct} of the way from start to end. */
    public abstract double apply(double start, double end, double pct);
}
