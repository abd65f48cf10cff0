// SSD's membership-inference attack (metrics.py, get_membership_attack_prob): a class-balanced, L2-regularised
// logistic regression fitted on members (label 1) and non-members (label 0), as scikit-learn's
// LogisticRegression(class_weight="balanced", C=1, solver="lbfgs") fits it. Each sample is weighted by
// n / (2 · n_its_class) (sklearn's "balanced"), the intercept is not penalised, and the objective is
//     ½ ‖w‖² / C_eff + Σ_i s_i · log(1 + exp(−y_i (w·x_i + b))),   y_i ∈ {−1, +1},
// minimised by Newton's method with a backtracking line search (the problem is strictly convex with d + 1
// unknowns, d the number of features: one here) until the gradient is below 1e-12 — the optimum to machine
// precision (sklearn's lbfgs stops at tol 1e-4; both land on the same optimum up to that tolerance, so predictions
// agree away from a hair's breadth of the threshold).
// Two forms:
//   - REFERENCE: SSD's multi_class="multinomial". With two classes the softmax model has one weight vector per class,
//     both penalised; at the optimum w_0 = −w_1, so it is the binary model w = w_1 − w_0 with the penalty ¼‖w‖²,
//     i.e. C_eff = 2C. (sklearn stores coef_ = w_1 = w/2; coefficient() returns w.)
//   - BINARY: the plain binary logistic regression (sklearn's default multi_class for two classes), C_eff = C.
package ai.lethe.eval.mia;

import java.util.Arrays;

public final class LogisticAttack {
    /** Which of sklearn's two-class fits to reproduce. */
    public enum Form { REFERENCE, BINARY }

    /** sklearn's default inverse regularisation strength. */
    public static final double C = 1.0;
    private static final double GRADIENT_TOLERANCE = 1e-12;
    private static final int MAX_ITERATIONS = 200;

    private final double[] weights;
    private final double intercept;

    private LogisticAttack(double[] weights, double intercept) {
        this.weights = weights;
        this.intercept = intercept;
    }

    /** Fits the attack on members (predicted 1) and non-members (predicted 0); both must be non-empty. */
    public static LogisticAttack fit(double[][] members, double[][] nonMembers, Form form) {
        int d = MiaData.checkTraining("LogisticAttack.fit", members, nonMembers);
        if (form == null) throw new IllegalArgumentException("LogisticAttack.fit: form must not be null");
        double cEff = form == Form.REFERENCE ? 2 * C : C;
        int n = members.length + nonMembers.length;
        double[][] x = new double[n][];
        double[] y = new double[n], s = new double[n];
        double memberWeight = n / (2.0 * members.length), nonMemberWeight = n / (2.0 * nonMembers.length);
        for (int i = 0; i < members.length; i++) {
            x[i] = members[i];
            y[i] = 1;
            s[i] = memberWeight;
        }
        for (int i = 0; i < nonMembers.length; i++) {
            x[members.length + i] = nonMembers[i];
            y[members.length + i] = -1;
            s[members.length + i] = nonMemberWeight;
        }
        // The objective divided by n (the sum of the balanced weights): the same optimum, a better-scaled problem.
        double lambda = 1.0 / (cEff * n);
        double[] p = new Objective(x, y, s, d, lambda).minimize();
        return new LogisticAttack(Arrays.copyOf(p, d), p[d]);
    }

    /** The balanced, L2-penalised logistic loss divided by n, over p = (w, b); lambda = 1 / (C_eff · n). */
    private record Objective(double[][] x, double[] y, double[] s, int d, double lambda) {
        /** The loss at {@code p}; with {@code grad} and {@code hessian} non-null, also their values there. */
        double value(double[] p, double[] grad, double[][] hessian) {
            int n = x.length, k = d + 1;
            if (grad != null) Arrays.fill(grad, 0);
            if (hessian != null) for (double[] row : hessian) Arrays.fill(row, 0);
            double loss = 0;
            double[] v = new double[k];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) v[j] = x[i][j];
                v[d] = 1;
                double z = 0;
                for (int j = 0; j < k; j++) z += p[j] * v[j];
                double m = y[i] * z;
                // log(1 + e^{−m}) and σ(−m), both without overflow
                loss += s[i] * (m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m)));
                double sigmaNeg = m > 0 ? Math.exp(-m) / (1 + Math.exp(-m)) : 1 / (1 + Math.exp(m));
                if (grad != null) {
                    double coef = -s[i] * y[i] * sigmaNeg / n;
                    for (int j = 0; j < k; j++) grad[j] += coef * v[j];
                }
                if (hessian != null) {
                    double curvature = s[i] * sigmaNeg * (1 - sigmaNeg) / n;
                    for (int r = 0; r < k; r++) for (int c = 0; c < k; c++) hessian[r][c] += curvature * v[r] * v[c];
                }
            }
            loss /= n;
            for (int j = 0; j < d; j++) {
                loss += 0.5 * lambda * p[j] * p[j];
                if (grad != null) grad[j] += lambda * p[j];
                if (hessian != null) hessian[j][j] += lambda;
            }
            return loss;
        }

        /** Newton's method from 0 with a backtracking (Armijo) line search; the gradient descent step if H is not solvable. */
        double[] minimize() {
            int k = d + 1;
            double[] p = new double[k], grad = new double[k], step = new double[k], trial = new double[k];
            double[][] h = new double[k][k];
            double f = value(p, grad, h);
            for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
                double norm = 0;
                for (double g : grad) norm = Math.max(norm, Math.abs(g));
                if (norm < GRADIENT_TOLERANCE) break;
                if (!solve(h, grad, step)) for (int j = 0; j < k; j++) step[j] = grad[j];
                double slope = 0;
                for (int j = 0; j < k; j++) slope += grad[j] * step[j];   // the descent direction is −step
                double t = 1, ft;
                while (true) {
                    for (int j = 0; j < k; j++) trial[j] = p[j] - t * step[j];
                    ft = value(trial, null, null);
                    // near the optimum the full Newton step's decrease is below the loss's rounding: take it as it is
                    if (ft <= f - 1e-4 * t * slope || (t == 1 && ft <= f) || t < 1e-12) break;
                    t /= 2;
                }
                if (!(ft <= f)) break;                                     // no decrease left at double precision
                System.arraycopy(trial, 0, p, 0, k);
                f = value(p, grad, h);
            }
            return p;
        }

        /** Solves H·out = g by Cholesky (H is symmetric positive definite); false when it is not. */
        private static boolean solve(double[][] h, double[] g, double[] out) {
            int k = g.length;
            double[][] l = new double[k][k];
            for (int r = 0; r < k; r++) {
                for (int c = 0; c <= r; c++) {
                    double sum = h[r][c];
                    for (int j = 0; j < c; j++) sum -= l[r][j] * l[c][j];
                    if (r == c) {
                        if (!(sum > 0)) return false;
                        l[r][r] = Math.sqrt(sum);
                    } else {
                        l[r][c] = sum / l[c][c];
                    }
                }
            }
            double[] z = new double[k];
            for (int r = 0; r < k; r++) {
                double sum = g[r];
                for (int j = 0; j < r; j++) sum -= l[r][j] * z[j];
                z[r] = sum / l[r][r];
            }
            for (int r = k - 1; r >= 0; r--) {
                double sum = z[r];
                for (int j = r + 1; j < k; j++) sum -= l[j][r] * out[j];
                out[r] = sum / l[r][r];
            }
            return true;
        }
    }

    /** The decision value w·x + b (positive: member). */
    public double decision(double[] x) {
        if (x.length != weights.length)
            throw new IllegalArgumentException("LogisticAttack.decision: expected " + weights.length + " features, got " + x.length);
        double z = intercept;
        for (int j = 0; j < weights.length; j++) z += weights[j] * x[j];
        return z;
    }

    /** 1 (member) or 0 (non-member); sklearn predicts class 1 when the decision value is > 0. */
    public int predict(double[] x) { return decision(x) > 0 ? 1 : 0; }

    /** The fraction of {@code targets} predicted member (NaN when there are none). */
    public double memberShare(double[][] targets) { return MiaData.share(targets, this::predict); }

    /** The weights w of the binary decision function (for REFERENCE: w_1 − w_0). */
    public double[] coefficients() { return weights.clone(); }

    /** The intercept b of the binary decision function (for REFERENCE: b_1 − b_0). */
    public double intercept() { return intercept; }
}
