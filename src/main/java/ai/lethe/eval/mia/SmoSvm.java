// An RBF C-SVC trained the way scikit-learn's SVC(C, gamma) trains it: libsvm's solver (Chang & Lin, "LIBSVM",
// §4; Fan, Chen & Lin, JMLR 6, 2005) as scikit-learn 1.2 ships it, with every detail that moves a near-boundary
// decision reproduced rather than approximated:
//   - the dual  min_α ½ αᵀQα − eᵀα  subject to 0 ≤ α_i ≤ C, yᵀα = 0,  Q_ij = y_i y_j K(x_i, x_j);
//   - SMO with the second-order working-set selection (WSS3), ties broken towards the later index as libsvm's
//     `>=`/`<=` comparisons do, stopping when the maximal violation is below eps (1e-3);
//   - shrinking (scikit-learn's default shrinking=True): every min(l, 1000) iterations the bounded variables that
//     cannot move are swapped behind the active set, the gradient is reconstructed from G_bar when the active set is
//     optimal, and the positions are permuted exactly as libsvm swaps them (the permutation decides which index wins
//     a tie and the order of rho's sum);
//   - the training kernel computed as libsvm's kernel_rbf does, exp(−γ(‖x_i‖² + ‖x_j‖² − 2 x_i·x_j)), rounded to
//     float (libsvm's Qfloat) in Q; the prediction kernel as k_function does, exp(−γ Σ (x − s)²), in double;
//   - rho from libsvm's calculate_rho (mean of y_i ∇_i over free α_i, else the middle of the feasible interval).
// The caller orders the rows as libsvm's svm_group_classes does (scikit-learn's copy sorts the labels: class 0 first,
// as y = +1, in the order given, then class 1 as y = −1): that order and sign are part of the solution, because SMO
// stops at a tolerance, not at the exact optimum. decision() is libsvm's decision value Σ α_i y_i K(x_i, x) − ρ,
// summed over the support vectors in that order (positive: the +1 class).
// Kernel columns are computed on demand and kept by original index in an LRU cache; the values do not depend on the
// cache (K is symmetric to the last bit), so the cache only changes the speed.
package ai.lethe.eval.mia;

import java.util.LinkedHashMap;
import java.util.Map;

final class SmoSvm {
    private static final double TAU = 1e-12;
    private static final long CACHE_BYTES = 256L << 20;

    private final double[][] vectors;
    private final double[] coefficients; // α_i y_i of the support vectors, in training order
    private final double rho;
    private final double gamma;

    private SmoSvm(double[][] vectors, double[] coefficients, double rho, double gamma) {
        this.vectors = vectors;
        this.coefficients = coefficients;
        this.rho = rho;
        this.gamma = gamma;
    }

    /** Trains on rows {@code x} with labels {@code y} ∈ {−1, +1}, in libsvm's order (see the file header). */
    static SmoSvm fit(double[][] x, int[] y, double c, double gamma, double eps, boolean shrinking, long maxIterations) {
        Solver s = new Solver(x, y, c, gamma, eps);
        s.solve(shrinking, maxIterations);
        double[] alpha = s.alphaInInputOrder();
        int sv = 0;
        for (double a : alpha) if (a > 0) sv++;
        double[][] vectors = new double[sv][];
        double[] coefficients = new double[sv];
        for (int t = 0, k = 0; t < x.length; t++)
            if (alpha[t] > 0) {
                vectors[k] = x[t].clone();
                coefficients[k++] = alpha[t] * y[t];
            }
        return new SmoSvm(vectors, coefficients, s.rho, gamma);
    }

    /** libsvm's decision value (svm_predict_values): positive means the +1 class. */
    double decision(double[] x) {
        double s = 0;
        for (int k = 0; k < vectors.length; k++) s += coefficients[k] * predictionKernel(x, vectors[k], gamma);
        return s - rho;
    }

    int supportVectors() { return vectors.length; }

    /** libsvm's k_function for RBF on dense rows: exp(−γ Σ (x − s)²). */
    static double predictionKernel(double[] x, double[] s, double gamma) {
        double sum = 0;
        for (int k = 0; k < x.length; k++) {
            double d = x[k] - s[k];
            sum += d * d;
        }
        return Math.exp(-gamma * sum);
    }

    /** libsvm's Solver (C-SVC, one C for both classes, p = −e), positions permuted by shrinking. */
    private static final class Solver {
        private static final byte LOWER = 0, UPPER = 1, FREE = 2;

        private final int l;
        private final double c, eps;
        private final Columns q;
        private final double[] qd;       // K(x_i, x_i) by input index
        private final int[] active;      // position -> input index
        private final int[] y;           // by position
        private final double[] alpha, g, gBar;
        private final byte[] status;
        private int activeSize;
        private boolean unshrink;
        private int outI, outJ;
        double rho;

        Solver(double[][] x, int[] labels, double c, double gamma, double eps) {
            this.l = x.length;
            this.c = c;
            this.eps = eps;
            this.q = new Columns(x, labels, gamma);
            this.qd = new double[l];
            for (int i = 0; i < l; i++) qd[i] = q.kernel(i, i);
            this.active = new int[l];
            this.y = labels.clone();
            this.alpha = new double[l];
            this.g = new double[l];
            this.gBar = new double[l];
            this.status = new byte[l];
            for (int i = 0; i < l; i++) {
                active[i] = i;
                g[i] = -1; // ∇ = Qα + p at α = 0, p = −e
                status[i] = LOWER;
            }
            this.activeSize = l;
        }

        /** Q_{pos i, pos k}: the column of the sample at position i, read at position k. */
        private float entry(float[] column, int k) { return column[active[k]]; }

        void solve(boolean shrinking, long maxIterations) {
            long iter = 0;
            int counter = Math.min(l, 1000) + 1;
            while (iter < maxIterations) {
                if (--counter == 0) {
                    counter = Math.min(l, 1000);
                    if (shrinking) doShrinking();
                }
                if (selectWorkingSet()) {
                    reconstructGradient();
                    activeSize = l;
                    if (selectWorkingSet()) break;
                    counter = 1; // shrink at the next iteration
                }
                ++iter;
                int i = outI, j = outJ;
                float[] qi = q.column(active[i]), qj = q.column(active[j]);
                double oldI = alpha[i], oldJ = alpha[j];
                if (y[i] != y[j]) {
                    double quad = qd[active[i]] + qd[active[j]] + 2 * entry(qi, j);
                    if (quad <= 0) quad = TAU;
                    double delta = (-g[i] - g[j]) / quad, diff = alpha[i] - alpha[j];
                    alpha[i] += delta;
                    alpha[j] += delta;
                    if (diff > 0) {
                        if (alpha[j] < 0) { alpha[j] = 0; alpha[i] = diff; }
                    } else if (alpha[i] < 0) { alpha[i] = 0; alpha[j] = -diff; }
                    if (diff > 0) { // diff > C_i − C_j with one C
                        if (alpha[i] > c) { alpha[i] = c; alpha[j] = c - diff; }
                    } else if (alpha[j] > c) { alpha[j] = c; alpha[i] = c + diff; }
                } else {
                    double quad = qd[active[i]] + qd[active[j]] - 2 * entry(qi, j);
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
                for (int k = 0; k < activeSize; k++) g[k] += entry(qi, k) * dI + entry(qj, k) * dJ;
                boolean ui = status[i] == UPPER, uj = status[j] == UPPER;
                updateStatus(i);
                updateStatus(j);
                if (ui != (status[i] == UPPER)) {
                    if (ui) for (int k = 0; k < l; k++) gBar[k] -= c * entry(qi, k);
                    else for (int k = 0; k < l; k++) gBar[k] += c * entry(qi, k);
                }
                if (uj != (status[j] == UPPER)) {
                    if (uj) for (int k = 0; k < l; k++) gBar[k] -= c * entry(qj, k);
                    else for (int k = 0; k < l; k++) gBar[k] += c * entry(qj, k);
                }
            }
            if (activeSize < l) { // stopped at the iteration limit: rho needs the whole gradient
                reconstructGradient();
                activeSize = l;
            }
            rho = calculateRho();
        }

        double[] alphaInInputOrder() {
            double[] out = new double[l];
            for (int i = 0; i < l; i++) out[active[i]] = alpha[i];
            return out;
        }

        private void updateStatus(int i) {
            status[i] = alpha[i] >= c ? UPPER : alpha[i] <= 0 ? LOWER : FREE;
        }

        /** WSS3 over the active set; true when it is optimal (to eps), else the pair is in outI/outJ. */
        private boolean selectWorkingSet() {
            double gMax = Double.NEGATIVE_INFINITY, gMax2 = Double.NEGATIVE_INFINITY, objDiffMin = Double.POSITIVE_INFINITY;
            int gMaxIdx = -1, gMinIdx = -1;
            for (int t = 0; t < activeSize; t++) {
                if (y[t] == 1) {
                    if (status[t] != UPPER && -g[t] >= gMax) { gMax = -g[t]; gMaxIdx = t; }
                } else if (status[t] != LOWER && g[t] >= gMax) { gMax = g[t]; gMaxIdx = t; }
            }
            int i = gMaxIdx;
            float[] qi = i != -1 ? q.column(active[i]) : null; // not read when i = −1: gMax = −∞ makes every gradDiff < 0
            for (int j = 0; j < activeSize; j++) {
                double gradDiff;
                if (y[j] == 1) {
                    if (status[j] == LOWER) continue;
                    gradDiff = gMax + g[j];
                    if (g[j] >= gMax2) gMax2 = g[j];
                    if (gradDiff <= 0) continue;
                    double quad = qd[active[i]] + qd[active[j]] - 2.0 * y[i] * entry(qi, j);
                    double objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
                    if (objDiff <= objDiffMin) { gMinIdx = j; objDiffMin = objDiff; }
                } else {
                    if (status[j] == UPPER) continue;
                    gradDiff = gMax - g[j];
                    if (-g[j] >= gMax2) gMax2 = -g[j];
                    if (gradDiff <= 0) continue;
                    double quad = qd[active[i]] + qd[active[j]] + 2.0 * y[i] * entry(qi, j);
                    double objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
                    if (objDiff <= objDiffMin) { gMinIdx = j; objDiffMin = objDiff; }
                }
            }
            if (gMax + gMax2 < eps || gMinIdx == -1) return true;
            outI = gMaxIdx;
            outJ = gMinIdx;
            return false;
        }

        private boolean beShrunk(int i, double gMax1, double gMax2) {
            if (status[i] == UPPER) return y[i] == 1 ? -g[i] > gMax1 : -g[i] > gMax2;
            if (status[i] == LOWER) return y[i] == 1 ? g[i] > gMax2 : g[i] > gMax1;
            return false;
        }

        private void doShrinking() {
            double gMax1 = Double.NEGATIVE_INFINITY; // max { −y_i ∇_i | i in I_up }
            double gMax2 = Double.NEGATIVE_INFINITY; // max { y_i ∇_i | i in I_low }
            for (int i = 0; i < activeSize; i++) {
                if (y[i] == 1) {
                    if (status[i] != UPPER && -g[i] >= gMax1) gMax1 = -g[i];
                    if (status[i] != LOWER && g[i] >= gMax2) gMax2 = g[i];
                } else {
                    if (status[i] != UPPER && -g[i] >= gMax2) gMax2 = -g[i];
                    if (status[i] != LOWER && g[i] >= gMax1) gMax1 = g[i];
                }
            }
            if (!unshrink && gMax1 + gMax2 <= eps * 10) {
                unshrink = true;
                reconstructGradient();
                activeSize = l;
            }
            for (int i = 0; i < activeSize; i++)
                if (beShrunk(i, gMax1, gMax2)) {
                    activeSize--;
                    while (activeSize > i) {
                        if (!beShrunk(activeSize, gMax1, gMax2)) {
                            swap(i, activeSize);
                            break;
                        }
                        activeSize--;
                    }
                }
        }

        /** The gradient of the inactive positions from G_bar and the free α (libsvm's reconstruct_gradient). */
        private void reconstructGradient() {
            if (activeSize == l) return;
            for (int j = activeSize; j < l; j++) g[j] = gBar[j] + -1.0;
            int nrFree = 0;
            for (int j = 0; j < activeSize; j++) if (status[j] == FREE) nrFree++;
            if ((long) nrFree * l > 2L * activeSize * (l - activeSize)) {
                for (int i = activeSize; i < l; i++) {
                    float[] qi = q.column(active[i]);
                    for (int j = 0; j < activeSize; j++) if (status[j] == FREE) g[i] += alpha[j] * entry(qi, j);
                }
            } else {
                for (int i = 0; i < activeSize; i++)
                    if (status[i] == FREE) {
                        float[] qi = q.column(active[i]);
                        double ai = alpha[i];
                        for (int j = activeSize; j < l; j++) g[j] += ai * entry(qi, j);
                    }
            }
        }

        private void swap(int i, int j) {
            int a = active[i]; active[i] = active[j]; active[j] = a;
            int yy = y[i]; y[i] = y[j]; y[j] = yy;
            double t = g[i]; g[i] = g[j]; g[j] = t;
            t = alpha[i]; alpha[i] = alpha[j]; alpha[j] = t;
            t = gBar[i]; gBar[i] = gBar[j]; gBar[j] = t;
            byte s = status[i]; status[i] = status[j]; status[j] = s;
        }

        /** libsvm's calculate_rho over the active set (the whole set when called). */
        private double calculateRho() {
            int nrFree = 0;
            double ub = Double.POSITIVE_INFINITY, lb = Double.NEGATIVE_INFINITY, sumFree = 0;
            for (int i = 0; i < activeSize; i++) {
                double yg = y[i] * g[i];
                if (status[i] == UPPER) {
                    if (y[i] == -1) ub = Math.min(ub, yg); else lb = Math.max(lb, yg);
                } else if (status[i] == LOWER) {
                    if (y[i] == 1) ub = Math.min(ub, yg); else lb = Math.max(lb, yg);
                } else {
                    ++nrFree;
                    sumFree += yg;
                }
            }
            return nrFree > 0 ? sumFree / nrFree : (ub + lb) / 2;
        }
    }

    /**
     * Columns Q_{·i} = (float) (y_i y_t K(x_i, x_t)) by input index, with libsvm's kernel_rbf
     * K = exp(−γ(‖x_i‖² + ‖x_t‖² − 2 x_i·x_t)); least recently used evicted first.
     */
    private static final class Columns {
        private final double[][] x;
        private final double[] squares;
        private final int[] y;
        private final double gamma;
        private final LinkedHashMap<Integer, float[]> columns;

        Columns(double[][] x, int[] y, double gamma) {
            this.x = x;
            this.y = y;
            this.gamma = gamma;
            this.squares = new double[x.length];
            for (int i = 0; i < x.length; i++) squares[i] = dot(x[i], x[i]);
            int capacity = (int) Math.max(2, Math.min(x.length, CACHE_BYTES / (4L * Math.max(1, x.length))));
            this.columns = new LinkedHashMap<>(16, 0.75f, true) {
                @Override protected boolean removeEldestEntry(Map.Entry<Integer, float[]> eldest) { return size() > capacity; }
            };
        }

        double kernel(int i, int t) { return Math.exp(-gamma * (squares[i] + squares[t] - 2 * dot(x[i], x[t]))); }

        float[] column(int i) {
            float[] col = columns.get(i);
            if (col != null) return col;
            col = new float[x.length];
            for (int t = 0; t < x.length; t++) col[t] = (float) (y[i] * y[t] * kernel(i, t));
            columns.put(i, col);
            return col;
        }

        private static double dot(double[] u, double[] v) {
            double s = 0;
            for (int k = 0; k < u.length; k++) s += u[k] * v[k];
            return s;
        }
    }

    @Override public String toString() { return "SmoSvm(" + vectors.length + " support vectors, rho " + rho + ", gamma " + gamma + ")"; }
}
