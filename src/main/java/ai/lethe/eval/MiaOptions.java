// Options of the unlearning metrics (UnlearnMetrics): the MIA-efficacy feature, how its shadow members are drawn
// from Dr, the form of SSD's logistic regression, the SVM solver, and whether (and how) to compute ZRF.
//   feature   CONFIDENCE (Unlearn-Sparse's headline "SVC_MIA_forget_efficacy" uses p_y(x)) or ENTROPY.
//   shadow    SEEDED: |Dt| samples of Dr drawn without replacement from the evaluation seed (the default);
//             FIRST: the first |Dt| samples of Dr, as Unlearn-Sparse's Subset(retain, range(test_len)) does.
//   ssdForm   REFERENCE: SSD's multinomial two-class fit (the default); BINARY: sklearn's plain binary fit.
//   solver    SMO (libsvm's algorithm, the default) or LASVM (Smile's online solver; see SvmAttack).
//   zrf       NONE, PAPER (1 − mean over Df of JS(p ‖ q), natural log) or REFERENCE (the Bad-Teacher code's
//             F.kl_div "mean" reduction: the per-sample JS also divided by the number of classes).
package ai.lethe.eval;

import ai.lethe.eval.mia.LogisticAttack;
import ai.lethe.eval.mia.SvmAttack;

public record MiaOptions(Feature feature, ShadowDraw shadow, LogisticAttack.Form ssdForm, SvmAttack.Solver solver, Zrf zrf) {
    public enum Feature { CONFIDENCE, ENTROPY }

    public enum ShadowDraw { SEEDED, FIRST }

    public enum Zrf { NONE, PAPER, REFERENCE }

    public MiaOptions {
        if (feature == null || shadow == null || ssdForm == null || solver == null || zrf == null)
            throw new IllegalArgumentException("MiaOptions: no option may be null, got " + feature + ", " + shadow + ", " + ssdForm
                    + ", " + solver + ", " + zrf);
    }

    /** Confidence feature, seeded shadow draw, SSD's multinomial form, SMO, no ZRF. */
    public static MiaOptions defaults() {
        return new MiaOptions(Feature.CONFIDENCE, ShadowDraw.SEEDED, LogisticAttack.Form.REFERENCE, SvmAttack.Solver.SMO, Zrf.NONE);
    }

    public MiaOptions withFeature(Feature f) { return new MiaOptions(f, shadow, ssdForm, solver, zrf); }

    public MiaOptions withShadow(ShadowDraw s) { return new MiaOptions(feature, s, ssdForm, solver, zrf); }

    public MiaOptions withSsdForm(LogisticAttack.Form f) { return new MiaOptions(feature, shadow, f, solver, zrf); }

    public MiaOptions withSolver(SvmAttack.Solver s) { return new MiaOptions(feature, shadow, ssdForm, s, zrf); }

    public MiaOptions withZrf(Zrf z) { return new MiaOptions(feature, shadow, ssdForm, solver, z); }
}
