// The unlearning metrics of a model on a forget/retain split (ALGORITHMS.md "Metrics"): one inference pass per
// part (Predictions), then
//   UA = 1 − Acc(Df), RA = Acc(Dr), TA = Acc(retain-test), forget-test accuracy (per-sample accuracies);
//   MIA-efficacy (Unlearn-Sparse): feature = confidence p_y(x) (or entropy); balanced shadow sets of
//     n = min(|Dr|, |Dt|) members from Dr and n non-members from Dt (the reference's Subset(retain, range(len(test)))
//     against all of Dt, which is n of each when |Dr| ≥ |Dt|; when |Dr| < |Dt| all of Dr and n of Dt, since the
//     unweighted SVM on a lopsided shadow set calls everything non-member — 100% even for an untouched model);
//     a draw takes n of the larger set (seeded, or the first n as the reference); an RBF C-SVC (C=3, γ=1/d);
//     efficacy = fraction of Df predicted non-member;
//   SSD's MIA: entropy; members = all of Dr, non-members = Dt; class-balanced logistic regression (C=1, L2);
//     the fraction of Df predicted member.
// Dt, the non-member test set, is the retain-test part for both attacks: for full-class and sub-class splits the
// test set without the forgotten (sub-)class — the part a retrained model was fitted to generalise to, as in the
// references' class-wise evaluations —, for random and index splits the whole test set. Empty parts give NaN
// (see MetricSet), never an exception. When the split's training set is poisoned (ai.lethe.data.poison.Poisoned)
// and its retain-test set is the whole test set, the attack success rates are measured too (AttackSuccess). ZRF,
// when asked, compares with an incompetent model: for an ImageModel a fresh Models.create(config, new Generator(seed)).
package ai.lethe.eval;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.Subset;
import ai.lethe.data.split.SplitSets;
import ai.lethe.data.transform.Transform;
import ai.lethe.eval.mia.LogisticAttack;
import ai.lethe.eval.mia.MiaData;
import ai.lethe.eval.mia.SvmAttack;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.nn.Module;
import ai.lethe.tensor.Generator;
import java.util.Arrays;
import java.util.SplittableRandom;

public final class UnlearnMetrics {
    private UnlearnMetrics() {}

    /** The metrics of {@code model}; for ZRF the incompetent model is a fresh model of its config seeded by {@code seed}. */
    public static MetricSet evaluate(ImageModel model, SplitSets sets, Transform transform, Device device, int batchSize, int workers,
                                     long seed, MiaOptions options) {
        if (options.zrf() == MiaOptions.Zrf.NONE || sets.forget().size() == 0)
            return evaluate(model, null, sets, transform, device, batchSize, workers, seed, options);
        try (ImageModel incompetent = Models.create(model.config(), new Generator(seed)).to(device)) {
            return evaluate(model, incompetent, sets, transform, device, batchSize, workers, seed, options);
        }
    }

    /** As above for any classifier; {@code incompetent} is needed only when options ask for ZRF. */
    public static MetricSet evaluate(Module model, Module incompetent, SplitSets sets, Transform transform, Device device, int batchSize,
                                     int workers, long seed, MiaOptions options) {
        if (options == null) throw new IllegalArgumentException("UnlearnMetrics.evaluate: options must not be null");
        if (options.zrf() != MiaOptions.Zrf.NONE && incompetent == null && sets.forget().size() > 0)
            throw new IllegalArgumentException("UnlearnMetrics.evaluate: ZRF (" + options.zrf() + ") needs an incompetent model, got null");
        SplitPredictions parts = predict(model, sets, transform, device, batchSize, workers);
        MetricSet m = metrics(parts, seed, options);
        var backdoor = AttackSuccess.backdoorOf(sets);
        if (backdoor.isPresent()) {
            AttackSuccess a = AttackSuccess.evaluate(model, sets.retainTest(), backdoor.get(), transform, device, batchSize, workers);
            m = m.withAttackSuccess(a.asr(), a.asrNonTarget());
        }
        if (options.zrf() == MiaOptions.Zrf.NONE) return m;
        double zrf = ZeroRetrainForgetting.compute(model, incompetent, sets.forget(), transform, device, batchSize, workers, options.zrf());
        return new MetricSet(m.ua(), m.ra(), m.ta(), m.forgetTestAccuracy(), m.miaEfficacy(), m.ssdMia(), zrf, m.asr(), m.asrNonTarget());
    }

    /** Predictions on the four parts (the forget-test part reuses Df's when it is the same samples). */
    public static SplitPredictions predict(Module model, SplitSets sets, Transform transform, Device device, int batchSize, int workers) {
        Predictions forget = Predictions.of(model, sets.forget(), transform, device, batchSize, workers);
        Predictions retain = Predictions.of(model, sets.retain(), transform, device, batchSize, workers);
        Predictions forgetTest = sameSamples(sets.forgetTest(), sets.forget()) ? forget
                : Predictions.of(model, sets.forgetTest(), transform, device, batchSize, workers);
        Predictions retainTest = Predictions.of(model, sets.retainTest(), transform, device, batchSize, workers);
        return new SplitPredictions(forget, retain, forgetTest, retainTest);
    }

    /** The metrics (without ZRF) of predictions already made; {@code seed} drives the shadow-member draw. */
    public static MetricSet metrics(SplitPredictions parts, long seed, MiaOptions options) {
        double ua = 1 - parts.forget().accuracy();
        return new MetricSet(ua, parts.retain().accuracy(), parts.retainTest().accuracy(), parts.forgetTest().accuracy(),
                miaEfficacy(parts, seed, options), ssdMia(parts, options));
    }

    /** Unlearn-Sparse's MIA-efficacy: the fraction of Df the SVM attack predicts non-member (NaN if Df, Dr or Dt is empty). */
    public static double miaEfficacy(SplitPredictions parts, long seed, MiaOptions options) {
        Predictions dr = parts.retain(), dt = parts.retainTest(), df = parts.forget();
        if (df.size() == 0 || dr.size() == 0 || dt.size() == 0) return Double.NaN;
        float[] members = dr.select(shadowSet(dr.size(), dt.size(), seed, options.shadow())).feature(options.feature());
        float[] nonMembers = dt.select(shadowSet(dt.size(), dr.size(), seed, options.shadow())).feature(options.feature());
        SvmAttack attack = SvmAttack.fit(MiaData.column(members), MiaData.column(nonMembers));
        return 1 - attack.memberShare(MiaData.column(df.feature(options.feature())));
    }

    /** SSD's MIA: the fraction of Df the balanced logistic attack on entropies predicts member (NaN if a part is empty). */
    public static double ssdMia(SplitPredictions parts, MiaOptions options) {
        Predictions dr = parts.retain(), dt = parts.retainTest(), df = parts.forget();
        if (df.size() == 0 || dr.size() == 0 || dt.size() == 0) return Double.NaN;
        LogisticAttack attack = LogisticAttack.fit(MiaData.column(dr.entropy()), MiaData.column(dt.entropy()), options.ssdForm());
        return attack.memberShare(MiaData.column(df.entropy()));
    }

    /**
     * Indices of one shadow set among the {@code size} samples of its part, balanced against the {@code other}
     * part's: min(size, other) of them — all when size ≤ other, else the first ones (FIRST) or a uniform draw
     * without replacement (SEEDED: a partial Fisher-Yates shuffle from SplittableRandom(seed)), sorted. Members are
     * shadowSet(|Dr|, |Dt|, ...), non-members shadowSet(|Dt|, |Dr|, ...): at most one of the two draws.
     */
    public static int[] shadowSet(int size, int other, long seed, MiaOptions.ShadowDraw draw) {
        int k = Math.min(size, other);
        int[] all = new int[size];
        for (int i = 0; i < size; i++) all[i] = i;
        if (draw == MiaOptions.ShadowDraw.FIRST || k == size) return Arrays.copyOf(all, k);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(size - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] out = Arrays.copyOf(all, k);
        Arrays.sort(out);
        return out;
    }

    /** Whether two datasets are the same samples in the same order (the same object, or subsets of one base). */
    static boolean sameSamples(Dataset a, Dataset b) {
        if (a == b) return true;
        return a instanceof Subset sa && b instanceof Subset sb && sa.base() == sb.base() && Arrays.equals(sa.indices(), sb.indices());
    }
}
