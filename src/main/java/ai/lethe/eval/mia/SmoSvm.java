// An RBF C-SVC trained with libsvm's algorithm (Chang & Lin, "LIBSVM", §4: SMO with the second-order working-set
// selection WSS3, tolerance 1e-3, rho from the free support vectors), so that Lethe's MIA-efficacy attack decides as
// scikit-learn's SVC(C, gamma) does. It solves
//     min_α ½ αᵀQα − eᵀα  subject to 0 ≤ α_i ≤ C, yᵀα = 0,   Q_ij = y_i y_j exp(−γ‖x_i − x_j‖²),
// and decides f(x) = Σ α_i y_i K(x_i, x) − ρ. Kernel columns are computed on demand and kept in an LRU cache
// (floats, as libsvm keeps them); shrinking is not implemented (it changes the speed, not the solution).
package ai.lethe.eval.mia;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

final class SmoSvm {
    private static final double TAU = 1e-12;
    private static final long CACHE_BYTES = 256L << 20;

    private final double[][] vectors;
    private final double[] coefficients; // α_i y_i of the support vectors
    private final double rho;
    private final double gamma;

    private SmoSvm(double[][] vectors, double[] coefficients, double rho, double gamma) {
        this.vectors = vectors;
        this.coefficients = coefficients;
        this.rho = rho;
        this.gamma = gamma;
    }

    /** Trains on rows {@code x} with labels {@code y} ∈ {−1, +1}. */
    static SmoSvm fit(double[][] x, int[] y, double c, double gamma, double eps, long maxIterations) {
        int n = x.length;
        double[] alpha = new double[n];
        double[] g = new double[n];
        Arrays.fill(g, -1.0); // ∇ = Qα − e at α = 0
        ColumnCache cache = new ColumnCache(x, y, gamma, (int) Math.max(2, Math.min(n, CACHE_BYTES / (4L * Math.max(1, n)))));
        for (long iter = 0; iter < maxIterations; iter++) {
            // WSS3: i maximises −y_t ∇_t over I_up; j minimises the second-order decrease over I_low
            double gMax = Double.NEGATIVE_INFINITY;
            int i = -1;
            for (int t = 0; t < n; t++) {
                if (y[t] == 1) {
                    if (alpha[t] < c && -g[t] >= gMax) { gMax = -g[t]; i = t; }
                } else if (alpha[t] > 0 && g[t] >= gMax) { gMax = g[t]; i = t; }
            }
            if (i < 0) break;
            float[] qi = cache.column(i);
            double gMax2 = Double.NEGATIVE_INFINITY, objMin = Double.POSITIVE_INFINITY;
            int j = -1;
            for (int t = 0; t < n; t++) {
                double gradDiff;
                if (y[t] == 1) {
                    if (alpha[t] <= 0) continue;
                    gradDiff = gMax + g[t];
                    if (g[t] >= gMax2) gMax2 = g[t];
                } else {
                    if (alpha[t] >= c) continue;
                    gradDiff = gMax - g[t];
                    if (-g[t] >= gMax2) gMax2 = -g[t];
                }
                if (gradDiff > 0) {
                    double quad = 2.0 - 2.0 * y[i] * y[t] * qi[t]; // K_ii + K_jj − 2K_ij with K_ii = 1
                    double obj = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
                    if (obj <= objMin) { j = t; objMin = obj; }
                }
            }
            if (gMax + gMax2 < eps || j < 0) break;
            float[] qj = cache.column(j);
            double oldI = alpha[i], oldJ = alpha[j];
            if (y[i] != y[j]) {
                double quad = 2.0 + 2.0 * qi[j];
                if (quad <= 0) quad = TAU;
                double delta = (-g[i] - g[j]) / quad, diff = alpha[i] - alpha[j];
                alpha[i] += delta;
                alpha[j] += delta;
                if (diff > 0) {
                    if (alpha[j] < 0) { alpha[j] = 0; alpha[i] = diff; }
                } else if (alpha[i] < 0) { alpha[i] = 0; alpha[j] = -diff; }
                if (diff > 0) {
                    if (alpha[i] > c) { alpha[i] = c; alpha[j] = c - diff; }
                } else if (alpha[j] > c) { alpha[j] = c; alpha[i] = c + diff; }
            } else {
                double quad = 2.0 - 2.0 * qi[j];
                if (quad <= 0) quad = TAU;
                double delta = (g[i] - g[j]) / quad, sum = alpha[i] + alpha[j];
                alpha[i] -= delta;
                alpha[j] += delta;
                if (sum > c) {
                    if (alpha[i] > c) { alpha[i] = c; alpha[j] = sum - c; }
                } else if (alpha[j] < 0) { alpha[j] = 0; alpha[i] = sum; }
                if (sum > c) {
                    if (alpha[j] > c) { alpha[j] = c; alpha[i] = sum - c; }
                } else if (alpha[i] < 0) { alpha[i] = 0; alpha[j] = sum; }
            }
            double dI = alpha[i] - oldI, dJ = alpha[j] - oldJ;
            for (int t = 0; t < n; t++) g[t] += qi[t] * dI + qj[t] * dJ;
        }
        double rho = rho(alpha, g, y, c);
        int sv = 0;
        for (double a : alpha) if (a > 0) sv++;
        double[][] vectors = new double[sv][];
        double[] coefficients = new double[sv];
        for (int t = 0, k = 0; t < n; t++)
            if (alpha[t] > 0) {
                vectors[k] = x[t].clone();
                coefficients[k++] = alpha[t] * y[t];
            }
        return new SmoSvm(vectors, coefficients, rho, gamma);
    }

    /** libsvm's calculate_rho: the mean of y_i ∇_i over free α_i, else the middle of the feasible interval. */
    private static double rho(double[] alpha, double[] g, int[] y, double c) {
        int free = 0;
        double ub = Double.POSITIVE_INFINITY, lb = Double.NEGATIVE_INFINITY, sum = 0;
        for (int i = 0; i < alpha.length; i++) {
            double yg = y[i] * g[i];
            if (alpha[i] >= c) {
                if (y[i] == -1) ub = Math.min(ub, yg); else lb = Math.max(lb, yg);
            } else if (alpha[i] <= 0) {
                if (y[i] == 1) ub = Math.min(ub, yg); else lb = Math.max(lb, yg);
            } else {
                free++;
                sum += yg;
            }
        }
        return free > 0 ? sum / free : (ub + lb) / 2;
    }

    double decision(double[] x) {
        double s = 0;
        for (int k = 0; k < vectors.length; k++) s += coefficients[k] * kernel(vectors[k], x, gamma);
        return s - rho;
    }

    int supportVectors() { return vectors.length; }

    static double kernel(double[] u, double[] v, double gamma) {
        double d = 0;
        for (int k = 0; k < u.length; k++) {
            double e = u[k] - v[k];
            d += e * e;
        }
        return Math.exp(-gamma * d);
    }

    /** Columns Q_{·i} = y_i y_t K(x_i, x_t) as floats, least recently used evicted first. */
    private static final class ColumnCache {
        private final double[][] x;
        private final int[] y;
        private final double gamma;
        private final LinkedHashMap<Integer, float[]> columns;

        ColumnCache(double[][] x, int[] y, double gamma, int capacity) {
            this.x = x;
            this.y = y;
            this.gamma = gamma;
            this.columns = new LinkedHashMap<>(16, 0.75f, true) {
                @Override protected boolean removeEldestEntry(Map.Entry<Integer, float[]> eldest) { return size() > capacity; }
            };
        }

        float[] column(int i) {
            float[] col = columns.get(i);
            if (col != null) return col;
            col = new float[x.length];
            for (int t = 0; t < x.length; t++) col[t] = (float) (y[i] * y[t] * kernel(x[i], x[t], gamma));
            columns.put(i, col);
            return col;
        }
    }
}
