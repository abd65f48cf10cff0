// Selective Synaptic Dampening (Foster, Schoepf, Brintrup, AAAI 2024) and its loss-free variant LF-SSD, as
// ALGORITHMS.md describes them:
//   I_D = importance over D = Dr ∪ Df, in the reference's order (ConcatDataset((retain, forget)): Dr then Df,
//         unshuffled) — for SSD the context's cached full Fisher when given, else computed; a cached one must
//         record (FullFisherProvenance) the same order, kind, batch size, model and data as this run would use;
//   I_f = importance over Df;
//   every parameter element with I_f > α·I_D is scaled by min(λ·I_D/I_f, 1) (Unlearning.ssdDampen).
// "ssd" uses the Fisher (batch-mean, the reference's, by default; or per-sample); "lf-ssd" uses the label-free
// importance |∇ mean ‖f(x)‖²| (Importance.LOSS_FREE) and so cannot use a cached Fisher: it needs Dr.
// Options: alpha (> 0, default 10), lambda (>= 0, default 1), batch-size (default 64, the reference's for
// full/sub-class; 128 is its random-forgetting value), and for ssd fisher=batch-mean|per-sample.
// alpha=auto asks for α to be chosen by the tuner (ai.lethe.tune.AutoOptions: a bisection on validation splits) before
// the run: `lethe unlearn` and `lethe experiment` resolve it; a method built with it and run unresolved refuses to run.
package ai.lethe.unlearn.ssd;

import ai.lethe.fisher.FisherMap;
import ai.lethe.kernels.Unlearning;
import ai.lethe.models.ImageModel;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.Requirement;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import java.util.List;
import java.util.Locale;
import java.util.Set;

public final class Ssd implements Unlearner {
    public static final double DEFAULT_ALPHA = 10, DEFAULT_LAMBDA = 1;
    public static final int DEFAULT_BATCH = 64;

    private final String name;
    private final Importance importance;
    private final double alpha, lambda;
    private final int batchSize;
    private final boolean autoAlpha;

    /** The option value that asks the tuner to choose α. */
    public static final String AUTO = "auto";

    /** "ssd" configured from {@code options}. */
    public Ssd(MethodOptions options) { this(options, false); }

    private Ssd(MethodOptions options, boolean lossFree) {
        this.name = options.method();
        this.autoAlpha = AUTO.equals(options.getString("alpha", null, null));
        this.alpha = autoAlpha ? Double.NaN : options.getDouble("alpha", DEFAULT_ALPHA);
        if (alpha <= 0) throw new IllegalArgumentException(name + ": option 'alpha' must be > 0, got " + alpha);
        this.lambda = options.getDouble("lambda", DEFAULT_LAMBDA);
        if (lambda < 0) throw new IllegalArgumentException(name + ": option 'lambda' must be >= 0, got " + lambda);
        this.batchSize = options.getInt("batch-size", DEFAULT_BATCH, 1);
        this.importance = lossFree ? Importance.LOSS_FREE
                : Importance.fisher(options.getString("fisher", "batch-mean", Set.of("batch-mean", "per-sample")));
    }

    /** "lf-ssd" (loss-free SSD) configured from {@code options}. */
    public static Ssd lossFree(MethodOptions options) { return new Ssd(options, true); }

    @Override public String name() { return name; }

    @Override public Set<Requirement> requires() {
        return importance == Importance.LOSS_FREE ? Set.of(Requirement.FORGET_SET, Requirement.RETAIN_SET)
                : Set.of(Requirement.FULL_FISHER, Requirement.FORGET_SET);
    }

    @Override public String configJson() {
        String kind = switch (importance) {
            case BATCH_MEAN -> "batch-mean";
            case PER_SAMPLE -> "per-sample";
            case LOSS_FREE -> "loss-free";
        };
        return String.format(Locale.ROOT, "{\"method\":\"%s\",\"alpha\":%s,\"lambda\":%s,\"importance\":\"%s\",\"batch_size\":%d}",
                name, autoAlpha ? "\"auto\"" : alpha, lambda, kind, batchSize);
    }

    /** Whether α is to be chosen by the tuner (alpha=auto) before this method can run. */
    public boolean autoAlpha() { return autoAlpha; }

    @Override public void apply(ImageModel model, UnlearnContext context, List<String> log) {
        if (autoAlpha)
            throw new IllegalArgumentException(name + ": alpha=auto must be resolved by the tuner before the run (lethe unlearn and lethe "
                    + "experiment do it; in code: ai.lethe.tune.AutoOptions.resolve, which needs the test set for its validation split)");
        FisherMap cached = importance == Importance.LOSS_FREE ? null : context.fullFisher().orElse(null);
        if (cached != null) {
            if (cached.kind() != importance.fisherKind())
                throw new IllegalArgumentException(name + ": the cached full Fisher is " + cached.kind()
                        + ", but this run compares " + importance.fisherKind() + " importances (option 'fisher')");
            try {
                cached.checkMatches(model);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
            }
            checkProvenance(cached, model, context);
        } else if (context.retain() == null) {
            throw new IllegalArgumentException(name + " needs the retain set Dr or a cached full Fisher, neither was given");
        }
        try (FisherMap computedD = cached == null ? computeFullImportance(model, context) : null;
             FisherMap forget = importance.compute(model, MethodData.loader(context, context.forgetSet(), batchSize))) {
            FisherMap full = cached != null ? cached : computedD;
            log.add((cached != null ? "I_D: cached " : "I_D: computed ") + full);
            if (cached != null && (FullFisherProvenance.fromTags(cached.tags()).data() == null || FullFisherProvenance.dataFingerprint(context) == null))
                log.add("note: the cached I_D's data could not be checked (no split, and Df or Dr not given)");
            log.add("I_f: " + forget);
            // With the per-sample Fisher, I_D = (|Df|·I_f + |Dr|·I_r)/|D| ≥ I_f·|Df|/|D| everywhere, so α ≥ |D|/|Df|
            // selects nothing (the batch-mean Fisher of class-sorted batches behaves the same up to batch borders)
            long n = full.samples(), nf = forget.samples();
            if (nf > 0 && n > 0 && alpha >= (double) n / nf)
                log.add(String.format(Locale.ROOT, "warning: alpha %s >= |D|/|Df| = %.1f: SSD can select (almost) nothing; "
                        + "forget sets this large need alpha below it (e.g. %.1f)", alpha, (double) n / nf, 0.8 * n / nf));
            log.add("selected " + selected(full, forget) + " of " + model.numParameters() + " parameter elements");
            Unlearning.ssdDampen(model.namedParameters(), full.asMap(), forget.asMap(), alpha, lambda);
            log.add(String.format(Locale.ROOT, "dampened where I_f > %s·I_D, factor min(%s·I_D/I_f, 1)", alpha, lambda));
        }
    }

    /**
     * Refuses a cached I_D that is not the one this run would compute: made in another order, with another batch
     * size, on another model or split (or recording none of it — not made by computeFullFisher).
     */
    private void checkProvenance(FisherMap cached, ImageModel model, UnlearnContext context) {
        FullFisherProvenance made = FullFisherProvenance.fromTags(cached.tags());
        if (made == null)
            throw new IllegalArgumentException(name + ": the cached full Fisher records no provenance (order of D, batch size, "
                    + "model, split); compute it with Ssd.computeFullFisher so it is the I_D this run would compute itself");
        FullFisherProvenance expected = expectedProvenance(model, context);
        List<String> diff = made.differencesFrom(expected);
        if (!diff.isEmpty())
            throw new IllegalArgumentException(name + ": the cached full Fisher is not the I_D this run would compute: "
                    + String.join("; ", diff));
    }

    private String fisherOption() { return importance == Importance.PER_SAMPLE ? "per-sample" : "batch-mean"; }

    /** Whether this run reads a cached I_D (ssd: yes; lf-ssd computes its loss-free importance of D itself). */
    boolean usesFullFisher() { return importance != Importance.LOSS_FREE; }

    /** The I_D this run would compute itself, computed now and tagged with its provenance (see computeFullFisher). */
    FisherMap computeOwnFullFisher(ImageModel model, UnlearnContext context) {
        return computeFullFisher(model, context, fisherOption(), batchSize);
    }

    /** The provenance of the I_D this run would compute itself. */
    FullFisherProvenance expectedProvenance(ImageModel model, UnlearnContext context) {
        return FullFisherProvenance.of(model, context, fisherOption(), batchSize);
    }

    /** The number of elements SSD's rule selects (I_f > α·I_D). */
    private long selected(FisherMap full, FisherMap forget) {
        long n = 0;
        try (var _ = ai.lethe.tensor.GradMode.noGrad(); var _ = ai.lethe.tensor.Scope.open("ssd-count")) {
            for (String k : forget.names()) n += (long) forget.get(k).gt(full.get(k).mul(alpha)).sum().item();
        }
        return n;
    }

    private FisherMap computeFullImportance(ImageModel model, UnlearnContext context) {
        return fullImportance(importance, model, context, batchSize);
    }

    /**
     * SSD's I_D for caching: the batch-mean Fisher (the reference's, batch 64) of D = Dr then Df; save it with
     * FisherMap.save and hand it back through UnlearnContext.fullFisher for later runs on the same model and split.
     */
    public static FisherMap computeFullFisher(ImageModel model, UnlearnContext context) {
        return computeFullFisher(model, context, "batch-mean", DEFAULT_BATCH);
    }

    /**
     * As above with {@code fisher} = batch-mean | per-sample and the batch size SSD will be run with: exactly the
     * computation SSD does itself, tagged with its FullFisherProvenance.
     */
    public static FisherMap computeFullFisher(ImageModel model, UnlearnContext context, String fisher, int batchSize) {
        if (context.forget() == null || context.retain() == null)
            throw new IllegalArgumentException("ssd: computing the full Fisher needs both Df and Dr");
        if (batchSize < 1) throw new IllegalArgumentException("ssd: batch size must be >= 1, got " + batchSize);
        Importance kind = Importance.fisher(fisher);
        FullFisherProvenance provenance = FullFisherProvenance.of(model, context, fisher, batchSize);
        return fullImportance(kind, model, context, batchSize).withTags(provenance.toTags());
    }

    /** The importance of D = Dr then Df (the reference's ConcatDataset((retain, forget)), unshuffled). */
    private static FisherMap fullImportance(Importance kind, ImageModel model, UnlearnContext context, int batchSize) {
        return kind.compute(model, MethodData.loader(context, MethodData.union(context.retainSet(), context.forgetSet()), batchSize));
    }
}
