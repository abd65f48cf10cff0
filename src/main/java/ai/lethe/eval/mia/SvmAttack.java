// Unlearn-Sparse's membership-inference attack (evaluation/SVC_MIA.py, SVC_fit_predict): an RBF support-vector
// classifier fitted on shadow members (label 1) and shadow non-members (label 0), then asked about target samples.
// The reference uses scikit-learn's SVC(C=3, gamma="auto", kernel="rbf"), i.e. libsvm's C-SVC: minimise
// ½‖w‖² + C Σ ξ_i subject to y_i(w·φ(x_i) + b) ≥ 1 − ξ_i, ξ_i ≥ 0, with k(u, v) = exp(−γ‖u − v‖²), γ = 1/n_features,
// no class weights, tolerance 1e-3, shrinking on — solved by SmoSvm, libsvm's own algorithm.
// Order and sign are libsvm's: scikit-learn's libsvm sorts the class labels, so label 0 (the non-members) is its
// first class, the +1 of the binary problem, and its rows come first (in the order given), then the members as −1.
// SMO stops at a tolerance, so this order moves near-boundary decisions: listing the members first as +1 (as this
// class once did) moved the boundary by ~1e-4 in the feature and flipped 2 of 1,200 targets on one model; in
// MiaFixtureTest's svm_entropy_boundary_1200 case, whose targets straddle both boundaries, 31 of 900.
// decision() is scikit-learn's decision_function (libsvm's value negated for two classes: positive means member);
// predict() is scikit-learn's predict (libsvm's vote: member unless libsvm's value is > 0, so a tie is a member).
package ai.lethe.eval.mia;

public final class SvmAttack {
    /** The reference's regularisation constant. */
    public static final double C = 3.0;
    /** libsvm's (and scikit-learn's) stopping tolerance. */
    public static final double TOLERANCE = 1e-3;
    /** A safety limit on SMO iterations (scikit-learn sets none; libsvm's own default is max(10⁷, 100·l)). */
    public static final long MAX_ITERATIONS = 10_000_000L;

    private final SmoSvm svm;

    private SvmAttack(SmoSvm svm) { this.svm = svm; }

    /** Fits the attack on members (rows of features, predicted 1) and non-members (predicted 0); both must be non-empty. */
    public static SvmAttack fit(double[][] members, double[][] nonMembers) {
        int d = MiaData.checkTraining("SvmAttack.fit", members, nonMembers);
        // libsvm's svm_group_classes (scikit-learn's copy sorts the labels): class 0 = non-members first, as +1
        double[][] x = new double[nonMembers.length + members.length][];
        int[] y = new int[x.length];
        for (int i = 0; i < nonMembers.length; i++) {
            x[i] = nonMembers[i];
            y[i] = 1;
        }
        for (int i = 0; i < members.length; i++) {
            x[nonMembers.length + i] = members[i];
            y[nonMembers.length + i] = -1;
        }
        return new SvmAttack(SmoSvm.fit(x, y, C, 1.0 / d, TOLERANCE, true, MAX_ITERATIONS));
    }

    /** scikit-learn's decision_function: positive means member. */
    public double decision(double[] x) { return -svm.decision(x); }

    /** 1 (member) or 0 (non-member), as scikit-learn's predict: non-member only where libsvm's value is > 0. */
    public int predict(double[] x) { return svm.decision(x) > 0 ? 0 : 1; }

    /** The fraction of {@code targets} predicted member (NaN when there are none). */
    public double memberShare(double[][] targets) { return MiaData.share(targets, this::predict); }

    /** Number of support vectors. */
    public int supportVectors() { return svm.supportVectors(); }
}
