// The linear probe of a transfer study: multinomial logistic regression on frozen features, trained to convergence.
// Features are standardised with the training rows' mean and population standard deviation (a constant feature
// gets scale 1), as scikit-learn's StandardScaler does. The head z = W·x' + b (W [K, D], b [K]) minimises
//     f(W, b) = (1/N) · ( Σ_i CE(z_i, y_i) + ||W||² / (2C) )      (the intercept is not penalised)
// — the objective of scikit-learn's LogisticRegression(C, multi_class="multinomial"), divided by N, so both have one
// and the same optimum (it is strictly convex in W). It is solved by L-BFGS (memory 10) with a backtracking Armijo
// line search. Stopping rule: converged when max |∂f/∂θ| <= tolerance (default 1e-6) over all of W and b; otherwise
// it stops after maxIterations, or when the line search can make no progress, and the fit says it did not converge.
// The loss and gradient are summed over fixed row chunks in parallel and added in chunk order: deterministic.
package ai.lethe.transfer;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.stream.IntStream;

public final class LinearProbe {
    private static final int MEMORY = 10, CHUNK = 512;

    /**
     * @param c             inverse L2 strength (scikit-learn's C); default 1
     * @param tolerance     the stopping rule: max |gradient| of f at or below it; default 1e-6
     * @param maxIterations L-BFGS iterations at most; default 2000
     */
    public record Options(double c, double tolerance, int maxIterations) {
        public Options {
            if (!(c > 0 && Double.isFinite(c))) throw new IllegalArgumentException("linear probe: C must be a finite number > 0, got " + c);
            if (!(tolerance > 0 && Double.isFinite(tolerance)))
                throw new IllegalArgumentException("linear probe: tolerance must be a finite number > 0, got " + tolerance);
            if (maxIterations < 1) throw new IllegalArgumentException("linear probe: max iterations must be >= 1, got " + maxIterations);
        }

        public static Options defaults() { return new Options(1.0, 1e-6, 2000); }

        public Options withC(double v) { return new Options(v, tolerance, maxIterations); }
    }

    /**
     * A trained probe: weights [classes][dim] and bias on standardised features, the standardisation, and how the
     * solver ended (iterations, converged, final objective and max |gradient|).
     */
    public record Fit(double[][] weights, double[] bias, double[] mean, double[] scale, int iterations, boolean converged,
                      double objective, double gradientMax) {
        /** The predicted class of each row of {@code f} (arg-max of the logits, the first on ties). */
        public int[] predict(FeatureSet f) {
            checkDim(f);
            int k = bias.length, d = mean.length;
            int[] out = new int[f.n()];
            double[] xs = new double[d];
            for (int i = 0; i < f.n(); i++) {
                for (int j = 0; j < d; j++) xs[j] = (f.x()[i * d + j] - mean[j]) / scale[j];
                int best = 0;
                double bestZ = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    double z = bias[c];
                    double[] w = weights[c];
                    for (int j = 0; j < d; j++) z += w[j] * xs[j];
                    if (z > bestZ) {
                        bestZ = z;
                        best = c;
                    }
                }
                out[i] = best;
            }
            return out;
        }

        /** The share of rows of {@code f} predicted correctly. */
        public double accuracy(FeatureSet f) {
            if (f.classes() != bias.length)
                throw new IllegalArgumentException("linear probe: trained for " + bias.length + " classes, evaluated on " + f.classes());
            int[] p = predict(f);
            long ok = 0;
            for (int i = 0; i < p.length; i++) if (p[i] == f.y()[i]) ok++;
            return f.n() == 0 ? Double.NaN : (double) ok / f.n();
        }

        private void checkDim(FeatureSet f) {
            if (f.dim() != mean.length)
                throw new IllegalArgumentException("linear probe: trained on " + mean.length + " features, given " + f.dim());
        }

        @Override public String toString() {
            return String.format(Locale.ROOT, "linear probe: %d classes x %d features, %d L-BFGS iterations, %s (max |grad| %.2e, objective %.6f)",
                    bias.length, mean.length, iterations, converged ? "converged" : "NOT converged", gradientMax, objective);
        }
    }

    private LinearProbe() {}

    /** Trains the probe on {@code train} (every class must appear, or its logit would grow without bound). */
    public static Fit fit(FeatureSet train, Options options) {
        int n = train.n(), d = train.dim(), k = train.classes();
        if (n == 0) throw new IllegalArgumentException("linear probe: no training rows");
        if (k < 2) throw new IllegalArgumentException("linear probe: needs at least 2 classes, got " + k);
        int[] counts = new int[k];
        for (int y : train.y()) counts[y]++;
        for (int c = 0; c < k; c++)
            if (counts[c] == 0) throw new IllegalArgumentException("linear probe: class " + c + " has no training row");
        double[] mean = new double[d], scale = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mean[j] += train.x()[i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) {
                double v = train.x()[i * d + j] - mean[j];
                scale[j] += v * v;
            }
        for (int j = 0; j < d; j++) {
            double s = Math.sqrt(scale[j] / n);
            scale[j] = s > 0 && Double.isFinite(s) ? s : 1;
        }
        double[] xs = new double[n * d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) xs[i * d + j] = (train.x()[i * d + j] - mean[j]) / scale[j];
        Objective f = new Objective(xs, train.y(), n, d, k, options.c());
        Solution s = lbfgs(f, new double[k * d + k], options);
        double[][] w = new double[k][d];
        for (int c = 0; c < k; c++) System.arraycopy(s.theta, c * d, w[c], 0, d);
        double[] b = java.util.Arrays.copyOfRange(s.theta, k * d, k * d + k);
        return new Fit(w, b, mean, scale, s.iterations, s.converged, s.value, s.gradientMax);
    }

    /** The probe's objective and gradient at θ = [W row-major, b]; public for tests that check an optimum. */
    static final class Objective {
        final double[] x;
        final int[] y;
        final int n, d, k;
        final double c;

        Objective(double[] x, int[] y, int n, int d, int k, double c) {
            this.x = x;
            this.y = y;
            this.n = n;
            this.d = d;
            this.k = k;
            this.c = c;
        }

        /** f(θ), writing ∇f(θ) into {@code grad}. */
        double valueAndGradient(double[] theta, double[] grad) {
            int chunks = (n + CHUNK - 1) / CHUNK;
            double[][] grads = new double[chunks][];
            double[] losses = new double[chunks];
            IntStream.range(0, chunks).parallel().forEach(ch -> {
                double[] g = new double[theta.length];
                double[] z = new double[k];
                double loss = 0;
                for (int i = ch * CHUNK, end = Math.min(n, i + CHUNK); i < end; i++) {
                    int row = i * d;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int cl = 0; cl < k; cl++) {
                        double v = theta[k * d + cl];
                        int w = cl * d;
                        for (int j = 0; j < d; j++) v += theta[w + j] * x[row + j];
                        z[cl] = v;
                        max = Math.max(max, v);
                    }
                    double sum = 0;
                    for (int cl = 0; cl < k; cl++) sum += Math.exp(z[cl] - max);
                    double lse = max + Math.log(sum);
                    loss += lse - z[y[i]];
                    for (int cl = 0; cl < k; cl++) {
                        double r = Math.exp(z[cl] - lse) - (cl == y[i] ? 1 : 0);
                        int w = cl * d;
                        for (int j = 0; j < d; j++) g[w + j] += r * x[row + j];
                        g[k * d + cl] += r;
                    }
                }
                grads[ch] = g;
                losses[ch] = loss;
            });
            java.util.Arrays.fill(grad, 0);
            double loss = 0;
            for (int ch = 0; ch < chunks; ch++) {
                loss += losses[ch];
                for (int p = 0; p < grad.length; p++) grad[p] += grads[ch][p];
            }
            double reg = 0;
            for (int p = 0; p < k * d; p++) {
                reg += theta[p] * theta[p];
                grad[p] += theta[p] / c;
            }
            for (int p = 0; p < grad.length; p++) grad[p] /= n;
            return (loss + reg / (2 * c)) / n;
        }
    }

    private record Solution(double[] theta, double value, double gradientMax, int iterations, boolean converged) {}

    private static Solution lbfgs(Objective f, double[] theta, Options o) {
        int p = theta.length;
        double[] g = new double[p], gNew = new double[p], trial = new double[p], dir = new double[p];
        double value = f.valueAndGradient(theta, g);
        Deque<double[][]> memory = new ArrayDeque<>();   // pairs {s, y, {1 / (y·s)}}, newest last
        int it = 0;
        boolean converged = maxAbs(g) <= o.tolerance();
        while (!converged && it < o.maxIterations()) {
            it++;
            // two-loop recursion: dir = -H·g
            System.arraycopy(g, 0, dir, 0, p);
            double[] alphas = new double[memory.size()];
            int idx = memory.size() - 1;
            for (var it2 = memory.descendingIterator(); it2.hasNext(); idx--) {
                double[][] m = it2.next();
                double a = m[2][0] * dot(m[0], dir);
                alphas[idx] = a;
                axpy(-a, m[1], dir);
            }
            if (!memory.isEmpty()) {
                double[][] last = memory.peekLast();
                double gamma = dot(last[0], last[1]) / dot(last[1], last[1]);
                for (int q = 0; q < p; q++) dir[q] *= gamma;
            } else {
                double scale = 1 / Math.max(1, norm(g));
                for (int q = 0; q < p; q++) dir[q] *= scale;
            }
            idx = 0;
            for (double[][] m : memory) {
                double b = m[2][0] * dot(m[1], dir);
                axpy(alphas[idx++] - b, m[0], dir);
            }
            for (int q = 0; q < p; q++) dir[q] = -dir[q];
            double slope = dot(g, dir);
            if (!(slope < 0)) {   // not a descent direction (numerical trouble): restart from steepest descent
                memory.clear();
                double scale = 1 / Math.max(1, norm(g));
                for (int q = 0; q < p; q++) dir[q] = -g[q] * scale;
                slope = dot(g, dir);
            }
            double step = 1, newValue = Double.NaN;
            boolean accepted = false;
            for (int ls = 0; ls < 60; ls++) {
                for (int q = 0; q < p; q++) trial[q] = theta[q] + step * dir[q];
                newValue = f.valueAndGradient(trial, gNew);
                if (Double.isFinite(newValue) && newValue <= value + 1e-4 * step * slope) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted) break;   // no decrease possible at double precision: stop, converged only if the gradient says so
            double[] s = new double[p], y = new double[p];
            for (int q = 0; q < p; q++) {
                s[q] = trial[q] - theta[q];
                y[q] = gNew[q] - g[q];
            }
            double sy = dot(s, y);
            if (sy > 1e-12 * dot(y, y)) {
                memory.addLast(new double[][] {s, y, {1 / sy}});
                if (memory.size() > MEMORY) memory.removeFirst();
            }
            System.arraycopy(trial, 0, theta, 0, p);
            System.arraycopy(gNew, 0, g, 0, p);
            value = newValue;
            converged = maxAbs(g) <= o.tolerance();
        }
        return new Solution(theta, value, maxAbs(g), it, converged);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) y[i] += a * x[i];
    }

    private static double norm(double[] a) { return Math.sqrt(dot(a, a)); }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
