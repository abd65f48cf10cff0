// SSD's membership-inference attack (metrics.py, get_membership_attack_prob): a class-balanced, L2-regularised
// logistic regression fitted on members (label 1) and non-members (label 0), as scikit-learn's
// LogisticRegression(class_weight="balanced", C=1, solver="lbfgs") fits it. Each sample is weighted by
// n / (2 · n_its_class) (sklearn's "balanced"), the intercept is not penalised, and the objective is
//     ½ ‖w‖² / C_eff + Σ_i s_i · log(1 + exp(−y_i (w·x_i + b))),   y_i ∈ {−1, +1},
// minimised with Smile's L-BFGS to a tight gradient tolerance (sklearn stops at tol 1e-4; both land on the same
// optimum up to that tolerance, so predictions agree away from a hair's breadth of the threshold).
// Two forms:
//   - REFERENCE: SSD's multi_class="multinomial". With two classes the softmax model has one weight vector per class,
//     both penalised; at the optimum w_0 = −w_1, so it is the binary model w = w_1 − w_0 with the penalty ¼‖w‖²,
//     i.e. C_eff = 2C. (sklearn stores coef_ = w_1 = w/2; coefficient() returns w.)
//   - BINARY: the plain binary logistic regression (sklearn's default multi_class for two classes), C_eff = C.
// Smile's own LogisticRegression has no sample or class weights, hence this objective on its optimiser.
package ai.lethe.eval.mia;

import smile.math.BFGS;
import smile.util.function.DifferentiableMultivariateFunction;

public final class LogisticAttack {
    /** Which of sklearn's two-class fits to reproduce. */
    public enum Form { REFERENCE, BINARY }

    /** sklearn's default inverse regularisation strength. */
    public static final double C = 1.0;
    private static final double GRADIENT_TOLERANCE = 1e-12;
    private static final int MAX_ITERATIONS = 1000;
    private static final int HISTORY = 10;

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
        DifferentiableMultivariateFunction objective = new DifferentiableMultivariateFunction() {
            @Override public double f(double[] p) { return g(p, new double[p.length]); }

            @Override public double g(double[] p, double[] grad) {
                java.util.Arrays.fill(grad, 0);
                double loss = 0;
                for (int i = 0; i < n; i++) {
                    double z = p[d];
                    for (int j = 0; j < d; j++) z += p[j] * x[i][j];
                    double m = y[i] * z;
                    // log(1 + e^{−m}) and its derivative −σ(−m), both computed without overflow
                    loss += s[i] * (m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m)));
                    double sigmaNeg = m > 0 ? Math.exp(-m) / (1 + Math.exp(-m)) : 1 / (1 + Math.exp(m));
                    double coef = -s[i] * y[i] * sigmaNeg / n;
                    for (int j = 0; j < d; j++) grad[j] += coef * x[i][j];
                    grad[d] += coef;
                }
                loss /= n;
                for (int j = 0; j < d; j++) {
                    loss += 0.5 * lambda * p[j] * p[j];
                    grad[j] += lambda * p[j];
                }
                return loss;
            }
        };
        double[] p = new double[d + 1];
        BFGS.minimize(objective, HISTORY, p, GRADIENT_TOLERANCE, MAX_ITERATIONS);
        return new LogisticAttack(java.util.Arrays.copyOf(p, d), p[d]);
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
