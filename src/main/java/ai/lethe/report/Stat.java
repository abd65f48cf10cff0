// Mean ± standard deviation of one metric over a method's seeds: the mean and the sample standard deviation
// (n − 1 denominator, as the papers' "± std over seeds") of the finite values; std 0 for a single value; both
// NaN when no value is finite (a metric undefined for every seed).
package ai.lethe.report;

public record Stat(double mean, double std, int count) {
    public static Stat of(double... values) {
        int n = 0;
        double sum = 0;
        for (double v : values) if (Double.isFinite(v)) { n++; sum += v; }
        if (n == 0) return new Stat(Double.NaN, Double.NaN, 0);
        double mean = sum / n, ss = 0;
        for (double v : values) if (Double.isFinite(v)) ss += (v - mean) * (v - mean);
        return new Stat(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n);
    }

    public boolean defined() { return count > 0; }
}
