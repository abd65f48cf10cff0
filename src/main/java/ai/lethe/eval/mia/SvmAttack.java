// Unlearn-Sparse's membership-inference attack (evaluation/SVC_MIA.py, SVC_fit_predict): an RBF support-vector
// classifier fitted on shadow members (label 1) and shadow non-members (label 0), then asked about target samples.
// The reference uses scikit-learn's SVC(C=3, gamma="auto", kernel="rbf"), i.e. libsvm's C-SVC: minimise
// ½‖w‖² + C Σ ξ_i subject to y_i(w·φ(x_i) + b) ≥ 1 − ξ_i, ξ_i ≥ 0, with k(u, v) = exp(−γ‖u − v‖²), γ = 1/n_features,
// no class weights. Two solvers of that same problem (the same dual: 0 ≤ α_i ≤ C, Σ y_i α_i = 0):
//   - SMO (default): libsvm's own algorithm (SmoSvm), tolerance 1e-3 like sklearn's; it reproduces sklearn's
//     decisions (MiaFixtureTest).
//   - LASVM: Smile's SVM (smile.classification.SVM, C and the same tolerance; Smile's Gaussian kernel is
//     exp(−‖u − v‖² / (2σ²)), so γ is matched by σ = √(1 / (2γ))). LASVM is an online approximation of SMO with a
//     finishing pass; on the fixture's overlapping and unbalanced feature sets its solution stays far from libsvm's
//     (decision values off by up to ~4.7, 30-60% of decisions different with Smile's default single epoch, still
//     ~30% on the unbalanced set after 5-10 epochs), so it is offered for speed comparisons only.
// Labels are −1 (non-member) / +1 (member) for both solvers.
package ai.lethe.eval.mia;

import smile.classification.SVM;
import smile.math.kernel.GaussianKernel;

public final class SvmAttack {
    /** The reference's regularisation constant. */
    public static final double C = 3.0;
    /** Smile's stopping tolerance (its default; libsvm's is also 1e-3). */
    public static final double TOLERANCE = 1e-3;
    /** libsvm's iteration limit (it warns and stops there). */
    public static final long MAX_ITERATIONS = 10_000_000L;
    /** LASVM passes over the data before its finishing step (Smile's default). */
    public static final int EPOCHS = 1;

    /** The optimiser that solves the C-SVC. */
    public enum Solver { SMO, LASVM }

    private final java.util.function.ToDoubleFunction<double[]> decision;
    private final int supportVectors;

    private SvmAttack(java.util.function.ToDoubleFunction<double[]> decision, int supportVectors) {
        this.decision = decision;
        this.supportVectors = supportVectors;
    }

    /** Smile's kernel of γ = 1/n_features ("auto") in Smile's parametrisation. */
    public static GaussianKernel kernel(int features) {
        if (features <= 0) throw new IllegalArgumentException("SvmAttack.kernel: features must be > 0, got " + features);
        double gamma = 1.0 / features;
        return new GaussianKernel(Math.sqrt(1.0 / (2.0 * gamma)));
    }

    /** Fits the attack with libsvm's solver (SMO). */
    public static SvmAttack fit(double[][] members, double[][] nonMembers) { return fit(members, nonMembers, Solver.SMO); }

    /** Fits the attack on members (rows of features, predicted 1) and non-members (predicted 0); both must be non-empty. */
    public static SvmAttack fit(double[][] members, double[][] nonMembers, Solver solver) {
        if (solver == null) throw new IllegalArgumentException("SvmAttack.fit: solver must not be null");
        int d = MiaData.checkTraining("SvmAttack.fit", members, nonMembers);
        double[][] x = new double[members.length + nonMembers.length][];
        int[] y = new int[x.length];
        for (int i = 0; i < members.length; i++) {
            x[i] = members[i];
            y[i] = 1;
        }
        for (int i = 0; i < nonMembers.length; i++) {
            x[members.length + i] = nonMembers[i];
            y[members.length + i] = -1;
        }
        return switch (solver) {
            case SMO -> {
                SmoSvm svm = SmoSvm.fit(x, y, C, 1.0 / d, TOLERANCE, MAX_ITERATIONS);
                yield new SvmAttack(svm::decision, svm.supportVectors());
            }
            case LASVM -> {
                SVM<double[]> svm = SVM.fit(x, y, kernel(d), new SVM.Options(C, TOLERANCE, EPOCHS));
                yield new SvmAttack(svm::score, svm.vectors().length);
            }
        };
    }

    /** The decision value (positive: member), libsvm's decision_function up to the solvers' tolerances. */
    public double decision(double[] x) { return decision.applyAsDouble(x); }

    /** 1 (member) or 0 (non-member). */
    public int predict(double[] x) { return decision(x) > 0 ? 1 : 0; }

    /** The fraction of {@code targets} predicted member (NaN when there are none). */
    public double memberShare(double[][] targets) { return MiaData.share(targets, this::predict); }

    /** Number of support vectors. */
    public int supportVectors() { return supportVectors; }
}
