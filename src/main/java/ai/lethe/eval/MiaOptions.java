// Options of the unlearning metrics (UnlearnMetrics): the MIA-efficacy feature, how its balanced shadow sets are
// drawn (n = min(|Dr|, |Dt|) of each), the form of SSD's logistic regression, and whether (and how) to compute ZRF.
//   feature   CONFIDENCE (Unlearn-Sparse's headline "SVC_MIA_forget_efficacy" uses p_y(x)) or ENTROPY.
//   shadow    SEEDED: n samples of the larger of Dr and Dt drawn without replacement from the evaluation seed (the
//             default); FIRST: its first n, as Unlearn-Sparse's Subset(retain, range(test_len)) does.
//   ssdForm   REFERENCE: SSD's multinomial two-class fit (the default); BINARY: sklearn's plain binary fit.
//   zrf       NONE, PAPER (1 − mean over Df of JS(p ‖ q), natural log) or REFERENCE (the Bad-Teacher code's
//             F.kl_div "mean" reduction: the per-sample JS also divided by the number of classes).
package ai.lethe.eval;

import ai.lethe.eval.mia.LogisticAttack;

public record MiaOptions(Feature feature, ShadowDraw shadow, LogisticAttack.Form ssdForm, Zrf zrf) {
    public enum Feature { CONFIDENCE, ENTROPY }

    public enum ShadowDraw { SEEDED, FIRST }

    public enum Zrf { NONE, PAPER, REFERENCE }

    public MiaOptions {
        if (feature == null || shadow == null || ssdForm == null || zrf == null)
            throw new IllegalArgumentException("MiaOptions: no option may be null, got " + feature + ", " + shadow + ", " + ssdForm
                    + ", " + zrf);
    }

    /** Confidence feature, seeded shadow draw, SSD's multinomial form, no ZRF. */
    public static MiaOptions defaults() {
        return new MiaOptions(Feature.CONFIDENCE, ShadowDraw.SEEDED, LogisticAttack.Form.REFERENCE, Zrf.NONE);
    }

    public MiaOptions withFeature(Feature f) { return new MiaOptions(f, shadow, ssdForm, zrf); }

    public MiaOptions withShadow(ShadowDraw s) { return new MiaOptions(feature, s, ssdForm, zrf); }

    public MiaOptions withSsdForm(LogisticAttack.Form f) { return new MiaOptions(feature, shadow, f, zrf); }

    public MiaOptions withZrf(Zrf z) { return new MiaOptions(feature, shadow, ssdForm, z); }
}
