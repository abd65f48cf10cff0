// The hyper-parameter tuner (issue 16, item 4): for a method and a forget request, tries configurations of the
// method's key hyper-parameters (SearchSpace: a bisection for SSD's α, a budgeted grid elsewhere) on the validation
// splits (ValidationSplits: retain-validation held out of Dr for methods that fit Dr, forget-validation from the test set or a proxy request
// drawn from Dr — never Df's own evaluation), scores each with the Objective and picks the best. Each trial runs the
// method on a fresh copy of the original (never modified) and is appended to OUT/trials.jsonl as it finishes:
//   {"trial", "method", "options" (all), "searched", "metrics", "meets", "forgetLowEnough", "seconds",
//    "unlearnSeconds", "error"}
// SSD's I_D (the Fisher of the trials' D) does not depend on α or λ: it is computed once and handed to every trial.
package ai.lethe.tune;

import ai.lethe.fisher.FisherMap;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelCopies;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.UnlearnResult;
import ai.lethe.unlearn.Unlearner;
import ai.lethe.unlearn.Unlearners;
import ai.lethe.unlearn.ssd.Ssd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

public final class Tuner {
    /**
     * @param budget           the most trials
     * @param target           class forgetting's forget-accuracy target (NaN: chance, 1/C)
     * @param tolerance        random forgetting's |forget − test accuracy| counted as reached
     * @param seed             the validation draw, the grid's draw and the methods' seed
     * @param retainValidation the most retain-validation samples held out of Dr
     */
    public record Settings(int budget, double target, double tolerance, long seed, int retainValidation) {
        public static final int DEFAULT_BUDGET = 8;

        public Settings {
            if (budget < 1) throw new IllegalArgumentException("tune: the budget must be >= 1 trial, got " + budget);
            if (!Double.isNaN(target) && !(target >= 0 && target <= 1))
                throw new IllegalArgumentException("tune: the target must be in [0, 1], got " + target);
            if (retainValidation < 1) throw new IllegalArgumentException("tune: the retain-validation size must be >= 1, got " + retainValidation);
        }

        public static Settings defaults() {
            return new Settings(DEFAULT_BUDGET, Double.NaN, Objective.RandomForgetting.DEFAULT_TOLERANCE, 0, ValidationSplits.DEFAULT_RETAIN_VALIDATION);
        }

        public Settings withBudget(int b) { return new Settings(b, target, tolerance, seed, retainValidation); }

        public Settings withTarget(double t) { return new Settings(budget, t, tolerance, seed, retainValidation); }

        public Settings withSeed(long s) { return new Settings(budget, target, tolerance, s, retainValidation); }
    }

    private final TuneData data;
    private final Settings settings;
    private final Predictor predictor;
    private final Path out;
    private final Consumer<String> progress;

    /**
     * @param predictor how validation sets are predicted (null: Predictor.of(data))
     * @param out       where trials.jsonl, tune.json and options.txt go (null: nowhere)
     * @param progress  one line per trial (null: none)
     */
    public Tuner(TuneData data, Settings settings, Predictor predictor, Path out, Consumer<String> progress) {
        this.data = data;
        this.settings = settings;
        this.predictor = predictor == null ? Predictor.of(data) : predictor;
        this.out = out;
        this.progress = progress == null ? s -> {} : progress;
    }

    /** The objective for this task (class: the target or chance; random: the tolerance). */
    public Objective objective() {
        if (!data.classForgetting()) return new Objective.RandomForgetting(settings.tolerance());
        return Double.isNaN(settings.target()) ? Objective.ClassForgetting.chance(data.numClasses())
                : new Objective.ClassForgetting(settings.target());
    }

    /** Tunes {@code method} for {@code original} (never modified), holding the {@code given} options (except "auto" ones) fixed. */
    public TuneResult tune(ImageModel original, String method, Map<String, String> given) throws IOException {
        Objective objective = objective();
        boolean fitsDr = !(method.equals("ssd") || method.equals("lf-ssd"));   // SSD only measures importance on Dr (ValidationSplits)
        ValidationSplits v = ValidationSplits.of(data, settings.seed(), settings.retainValidation(), fitsDr);
        Map<String, String> fixed = SearchSpace.fixed(given);
        SearchSpace.Plan plan = SearchSpace.plan(method, given, v.trialRetain().size(), v.trialForget().size(), settings.budget(),
                settings.seed());
        if (out != null) {
            Files.createDirectories(out);
            Files.deleteIfExists(out.resolve(TuneResult.TRIALS_FILE));   // a tuning run starts its log afresh
        }
        progress.accept(String.format(Locale.ROOT, "tuning %s: %s; %s; trials forget %d, retain %d (retain-validation %d, forget-validation %d, test-validation %d)",
                method, describe(plan), objective.describe(), v.trialForget().size(), v.trialRetain().size(), v.retainValidation().size(),
                v.forgetValidation().size(), v.testValidation().size()));
        List<Trial> trials = new ArrayList<>();
        try (FisherMap fullFisher = method.equals("ssd") ? ssdFullFisher(original, fixed, v) : null) {
            UnlearnContext context = new UnlearnContext(v.trialForget(), v.trialRetain(), data.numClasses(), v.trialSplit(), data.transform(),
                    data.device(), settings.seed(), data.workers(), Optional.ofNullable(fullFisher),
                    data.recipe() == null ? null : data.recipe().toBuilder().seed(settings.seed()).build(), List.of());
            switch (plan) {
                case SearchSpace.Bisect b -> Bisection.search(b.lo(), b.hi(), settings.budget(), x -> {
                    Trial t = trial(original, method, fixed, Map.of(b.key(), SearchSpace.text(x)), context, v, objective, trials.size());
                    trials.add(t);
                    return objective.forgetLowEnough(t.metrics());
                });
                case SearchSpace.Grid g -> {
                    for (Map<String, String> c : g.candidates()) trials.add(trial(original, method, fixed, c, context, v, objective, trials.size()));
                }
            }
        }
        int best = objective.select(trials.stream().map(Trial::metrics).toList());
        TuneResult r = new TuneResult(method, objective.describe(), describe(plan), fixed, plan.keys(), trials, best, trials.get(best).meets());
        if (out != null) r.write(out);
        progress.accept(String.format(Locale.ROOT, "tuned %s: trial %d of %d %s the objective: %s", method, best + 1, trials.size(),
                r.reached() ? "reaches" : "is the closest to", r.commandLine()));
        return r;
    }

    private Trial trial(ImageModel original, String method, Map<String, String> fixed, Map<String, String> candidate,
                        UnlearnContext context, ValidationSplits v, Objective objective, int index) {
        Map<String, String> options = new LinkedHashMap<>(fixed);
        options.putAll(candidate);
        long t0 = System.nanoTime();
        TrialMetrics metrics;
        double unlearnSeconds = Double.NaN;
        String error = null;
        Unlearner u = Unlearners.create(method, options);
        try (ImageModel m = ModelCopies.copy(original)) {
            try {
                UnlearnResult r = u.run(m, context);
                unlearnSeconds = r.seconds();
                m.eval();
                metrics = Predictor.measure(predictor, m, v);
            } catch (RuntimeException e) {   // a configuration that fails (e.g. diverges into an error) is a bad trial, not the end
                error = e.getClass().getSimpleName() + ": " + e.getMessage();
                metrics = new TrialMetrics(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
        }
        Trial t = new Trial(index, candidate, metrics, objective.meets(metrics), (System.nanoTime() - t0) / 1e9);
        Map<String, Object> line = trialMap(method, t, options);
        line.put("forgetLowEnough", objective.forgetLowEnough(metrics));
        line.put("unlearnSeconds", unlearnSeconds);
        if (error != null) line.put("error", error);
        if (out != null) append(line);
        progress.accept(String.format(Locale.ROOT, "  trial %d %s: forget %.4f, retain loss %.4f, retain %.4f, test %.4f%s, %.1f s%s", index + 1,
                TuneResult.commandLine(candidate), metrics.forgetAccuracy(), metrics.retainLoss(), metrics.retainAccuracy(),
                metrics.testAccuracy(), t.meets() ? " (meets)" : "", t.seconds(), error == null ? "" : " — " + error));
        return t;
    }

    /** One trial as a JSON-ready map. */
    static Map<String, Object> trialMap(String method, Trial t, Map<String, String> options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial", t.index() + 1);
        m.put("method", method);
        m.put("options", options);
        m.put("searched", t.options());
        Map<String, Object> metrics = t.metrics().toMap();
        metrics.replaceAll((k, x) -> x instanceof Double d && !Double.isFinite(d) ? null : x);
        m.put("metrics", metrics);
        m.put("meets", t.meets());
        m.put("seconds", t.seconds());
        return m;
    }

    private void append(Map<String, Object> line) {
        try {
            line.replaceAll((k, x) -> x instanceof Double d && !Double.isFinite(d) ? null : x);
            Files.writeString(out.resolve(TuneResult.TRIALS_FILE), TuneResult.JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("tune: cannot write " + out.resolve(TuneResult.TRIALS_FILE), e);
        }
    }

    /** SSD's I_D over the trials' D, as SSD would compute it with the given fisher kind and batch size. */
    private FisherMap ssdFullFisher(ImageModel original, Map<String, String> fixed, ValidationSplits v) {
        String kind = fixed.getOrDefault("fisher", "batch-mean");
        int batch;
        try {
            batch = Integer.parseInt(fixed.getOrDefault("batch-size", Integer.toString(Ssd.DEFAULT_BATCH)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ssd: option 'batch-size' must be a whole number, got '" + fixed.get("batch-size") + "'");
        }
        Unlearners.create("ssd", fixed);   // bad options fail here, before the Fisher is computed
        UnlearnContext c = new UnlearnContext(v.trialForget(), v.trialRetain(), data.numClasses(), v.trialSplit(), data.transform(),
                data.device(), settings.seed(), data.workers(), Optional.empty(), null, List.of());
        return Ssd.computeFullFisher(original, c, kind, batch);
    }

    private static String describe(SearchSpace.Plan plan) {
        return switch (plan) {
            case SearchSpace.Bisect b -> String.format(Locale.ROOT, "bisection of %s in [%s, %s]", b.key(), SearchSpace.text(b.lo()),
                    SearchSpace.text(b.hi()));
            case SearchSpace.Grid g -> "grid of " + g.candidates().size() + " over " + g.keys();
        };
    }
}
