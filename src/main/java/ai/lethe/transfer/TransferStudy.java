// The transfer study of the sparsity paper (Jia et al. 2023, "Model Sparsity Can Simplify Machine Unlearning",
// application 2): remove some source classes from a trained model by class-wise unlearning, then linear-probe its
// frozen penultimate features on a target task; compare target accuracy and time with the original model and with a
// model retrained without those classes. The classes are given, or found by a search: each candidate class is
// forgotten on its own (a cheap unlearning run), the probe is trained on a training part of the target's training set
// and scored on a held-out validation part (never the target's test set), and the classes whose removal raises that
// validation accuracy by more than minGain are kept and then forgotten together.
//
// Unlearning method: by default SSD (no training, two Fisher passes over the source data — cheap enough to run once per
// candidate in the search), with α = min(10, 0.8·|D|/|Df|) unless given: SSD can only select a parameter where
// I_f > α·I_D, and I_D >= I_f·|Df|/|D|, so α >= |D|/|Df| selects nothing (SSD's own warning suggests 0.8·|D|/|Df|);
// the published α = 10 is for one class of ten. The paper itself forgets with its l1-sparse method (--method l1-sparse),
// which trains on Dr for 10 epochs per run.
package ai.lethe.transfer;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.transform.Transform;
import ai.lethe.eval.Predictions;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelCopies;
import ai.lethe.train.TrainConfig;
import ai.lethe.train.TrainListener;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.UnlearnResult;
import ai.lethe.unlearn.Unlearner;
import ai.lethe.unlearn.Unlearners;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;

public final class TransferStudy {
    /** The source task: the model's training and test sets (labels = the model's classes) and their eval transform. */
    public record Source(Dataset train, Dataset test, Transform transform, TrainConfig recipe) {}

    /** The target task: its training and test sets and the transform that feeds them to the model. */
    public record Target(Dataset train, Dataset test, Transform transform) {}

    /**
     * How the study runs.
     *
     * @param method             the unlearning method's registry name (default "ssd")
     * @param methodOptions      its options (SSD without "alpha": the rule in the header)
     * @param retrain            whether to retrain without the classes (the gold standard; costs a full training run)
     * @param retrainOptions     options of the "retrain" method (e.g. epochs)
     * @param validationFraction share of the target's training set held out to score candidates in the search
     * @param minGain            a candidate is kept when its validation accuracy exceeds the original's by more than this
     */
    public record Settings(Device device, int workers, int batchSize, long seed, LinearProbe.Options probe, String method,
                           Map<String, String> methodOptions, boolean retrain, Map<String, String> retrainOptions,
                           double validationFraction, double minGain) {
        public Settings {
            if (batchSize < 1) throw new IllegalArgumentException("transfer: batch size must be >= 1, got " + batchSize);
            if (workers < 0) throw new IllegalArgumentException("transfer: workers must be >= 0, got " + workers);
            if (!(validationFraction > 0 && validationFraction < 1))
                throw new IllegalArgumentException("transfer: the validation fraction must be in (0, 1), got " + validationFraction);
            if (!(minGain >= 0 && Double.isFinite(minGain)))
                throw new IllegalArgumentException("transfer: the minimum gain must be a finite number >= 0, got " + minGain);
            methodOptions = Map.copyOf(methodOptions);
            retrainOptions = Map.copyOf(retrainOptions);
        }
    }

    /**
     * One model's probe: target test accuracy; the seconds spent making the model (unlearning or retraining; 0 for
     * the original), extracting features and training the probe; its source test accuracy on the retained and on the
     * forgotten classes (the original's before forgetting them; NaN when none is forgotten); the probe's solver outcome.
     */
    public record Row(String model, double targetAccuracy, double prepareSeconds, double featureSeconds, double probeSeconds,
                      double sourceRetainAccuracy, double sourceForgetAccuracy, int probeIterations, boolean probeConverged,
                      String config, List<String> log) {
        public double totalSeconds() { return prepareSeconds + featureSeconds + probeSeconds; }
    }

    /** One candidate of the search: its validation accuracy after forgetting it alone, the gain over the original's. */
    public record Candidate(int sourceClass, String className, double validationAccuracy, double gain, boolean kept,
                            double unlearnSeconds, double sourceForgetAccuracy) {}

    /** The search's record (absent when classes were given): the original's validation accuracy, every candidate. */
    public record Search(double baselineValidationAccuracy, int trainRows, int validationRows, List<Candidate> candidates,
                         double seconds) {}

    /** The study's result: the classes forgotten, the search (if any), and the rows (original, unlearned, retrained). */
    public record Result(int[] forgotten, List<String> forgottenNames, Optional<Search> search, List<Row> rows, List<String> notes) {}

    private final ImageModel original;
    private final Source source;
    private final Target target;
    private final Settings settings;
    private final List<TrainListener> listeners;
    private final Consumer<String> progress;

    public TransferStudy(ImageModel original, Source source, Target target, Settings settings, List<TrainListener> listeners,
                         Consumer<String> progress) {
        if (source.train().numClasses() != original.config().numClasses())
            throw new IllegalArgumentException("transfer: the model has " + original.config().numClasses() + " classes but its source task "
                    + source.train().name() + " has " + source.train().numClasses());
        if (target.train().numClasses() < 2)
            throw new IllegalArgumentException("transfer: the target task " + target.train().name() + " has fewer than 2 classes");
        this.original = original;
        this.source = source;
        this.target = target;
        this.settings = settings;
        this.listeners = List.copyOf(listeners);
        this.progress = progress;
    }

    /** Forgets {@code classes} (indices of the model's classes) and compares the three models. */
    public Result run(int[] classes) {
        checkForget(classes);
        List<Row> rows = new ArrayList<>();
        rows.add(probe("original", original, 0, classes, "{}", List.of()));
        return finish(classes, Optional.empty(), rows, new ArrayList<>());
    }

    /** Searches {@code candidates} for classes whose removal helps the target, then forgets those and compares. */
    public Result search(int[] candidates) {
        if (candidates.length == 0) throw new IllegalArgumentException("transfer: no candidate class to search");
        for (int c : candidates) checkForget(new int[] {c});
        long t0 = System.nanoTime();
        int[][] parts = stratifiedSplit(target.train(), settings.validationFraction(), settings.seed());
        progress.accept("extracting the target's features with the original model");
        FeatureSet all = features(original, target.train());
        FeatureSet fitPart = all.select(parts[0]), valPart = all.select(parts[1]);
        double baseline = LinearProbe.fit(fitPart, settings.probe()).accuracy(valPart);
        progress.accept(String.format(Locale.ROOT, "original: validation accuracy %.2f%% (%d probe rows, %d validation rows)",
                100 * baseline, parts[0].length, parts[1].length));
        List<Candidate> found = new ArrayList<>();
        for (int c : candidates) {
            try (ImageModel m = ModelCopies.copy(original)) {
                UnlearnResult r = unlearn(m, new int[] {c}, settings.method(), settings.methodOptions());
                FeatureSet f = features(m, target.train());
                double acc = LinearProbe.fit(f.select(parts[0]), settings.probe()).accuracy(f.select(parts[1]));
                double[] src = sourceAccuracies(m, new int[] {c});
                double gain = acc - baseline;
                boolean kept = gain > settings.minGain();
                found.add(new Candidate(c, source.train().classNames().get(c), acc, gain, kept, r.seconds(), src[1]));
                progress.accept(String.format(Locale.ROOT, "candidate %d (%s): validation accuracy %.2f%% (%+.2f points)%s, source accuracy on it %.2f%%",
                        c, source.train().classNames().get(c), 100 * acc, 100 * gain, kept ? ", kept" : "", 100 * src[1]));
            }
        }
        int[] kept = found.stream().filter(Candidate::kept).mapToInt(Candidate::sourceClass).toArray();
        Search s = new Search(baseline, parts[0].length, parts[1].length, List.copyOf(found), (System.nanoTime() - t0) / 1e9);
        List<String> notes = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        if (kept.length == 0) {
            rows.add(probe("original", original, 0, kept, "{}", List.of()));
            notes.add("no candidate's removal raised the validation accuracy by more than " + settings.minGain()
                    + ": nothing was forgotten, so there is no unlearned or retrained model to compare");
            return new Result(kept, List.of(), Optional.of(s), rows, notes);
        }
        if (kept.length == source.train().numClasses()) {
            notes.add("every candidate helped, but forgetting every source class leaves nothing to retain; kept all but the least helpful");
            Candidate worst = Collections.min(found, java.util.Comparator.comparingDouble(Candidate::gain));
            kept = Arrays.stream(kept).filter(c -> c != worst.sourceClass()).toArray();
        }
        rows.add(probe("original", original, 0, kept, "{}", List.of()));
        return finish(kept, Optional.of(s), rows, notes);
    }

    private Result finish(int[] classes, Optional<Search> search, List<Row> rows, List<String> notes) {
        try (ImageModel m = ModelCopies.copy(original)) {
            progress.accept("forgetting source classes " + names(classes) + " with " + settings.method());
            UnlearnResult r = unlearn(m, classes, settings.method(), settings.methodOptions());
            rows.add(probe("unlearned (" + settings.method() + ")", m, r.seconds(), classes, r.configJson(), r.log()));
        }
        if (settings.retrain()) {
            try (ImageModel m = ModelCopies.copy(original)) {
                progress.accept("retraining without source classes " + names(classes));
                UnlearnResult r = unlearn(m, classes, "retrain", settings.retrainOptions());
                rows.add(probe("retrained", m, r.seconds(), classes, r.configJson(), r.log()));
            }
        } else {
            notes.add("no retrained model (retraining was turned off)");
        }
        return new Result(classes.clone(), names(classes), search, List.copyOf(rows), List.copyOf(notes));
    }

    private List<String> names(int[] classes) {
        List<String> out = new ArrayList<>();
        for (int c : classes) out.add(source.train().classNames().get(c));
        return out;
    }

    private void checkForget(int[] classes) {
        int k = source.train().numClasses();
        if (classes.length == 0) throw new IllegalArgumentException("transfer: no source class to forget");
        ai.lethe.data.ClassSelection.checkClasses(classes, k, "the source task " + source.train().name());
        if (classes.length >= k)
            throw new IllegalArgumentException("transfer: forgetting all " + k + " source classes leaves nothing to retain");
    }

    /** Runs {@code method} on {@code model} (in place) to forget the source training samples of {@code classes}. */
    private UnlearnResult unlearn(ImageModel model, int[] classes, String method, Map<String, String> options) {
        boolean[] gone = mask(classes);
        List<Integer> f = new ArrayList<>(), r = new ArrayList<>();
        for (int i = 0; i < source.train().size(); i++) (gone[source.train().label(i)] ? f : r).add(i);
        Dataset forget = source.train().subset(f.stream().mapToInt(Integer::intValue).toArray(), source.train().name() + " forget " + Arrays.toString(classes));
        Dataset retain = source.train().subset(r.stream().mapToInt(Integer::intValue).toArray(), source.train().name() + " retain");
        if (forget.size() == 0) throw new IllegalArgumentException("transfer: source classes " + Arrays.toString(classes) + " have no training sample");
        Map<String, String> opts = new LinkedHashMap<>(options);
        if (method.equals("ssd") && !opts.containsKey("alpha"))
            opts.put("alpha", String.format(Locale.ROOT, "%.3g", defaultSsdAlpha(source.train().size(), forget.size())));
        Unlearner u = Unlearners.create(method, opts);
        TrainConfig recipe = source.recipe() == null ? null : source.recipe().toBuilder().seed(settings.seed()).build();
        UnlearnContext context = new UnlearnContext(forget, retain, source.train().numClasses(), null, source.transform(),
                settings.device(), settings.seed(), settings.workers(), Optional.empty(), recipe, listeners);
        return u.run(model, context);
    }

    /** SSD's α for forgetting {@code forget} of {@code total} samples when none is given: min(10, 0.8·|D|/|Df|). */
    public static double defaultSsdAlpha(int total, int forget) { return Math.min(10, 0.8 * total / forget); }

    private boolean[] mask(int[] classes) {
        boolean[] m = new boolean[source.train().numClasses()];
        for (int c : classes) m[c] = true;
        return m;
    }

    private FeatureSet features(ImageModel m, Dataset d) {
        return FeatureSet.extract(m, d, target.transform(), settings.device(), settings.batchSize(), settings.workers());
    }

    /** Trains the probe on the whole target training set with {@code m}'s features and scores it on the target test set. */
    private Row probe(String name, ImageModel m, double prepareSeconds, int[] forgotten, String config, List<String> log) {
        progress.accept("linear probe on " + name);
        long t0 = System.nanoTime();
        FeatureSet train = features(m, target.train()), test = features(m, target.test());
        long t1 = System.nanoTime();
        LinearProbe.Fit fit = LinearProbe.fit(train, settings.probe());
        long t2 = System.nanoTime();
        double acc = fit.accuracy(test);
        double[] src = sourceAccuracies(m, forgotten);
        List<String> fullLog = new ArrayList<>(log);
        fullLog.add(fit.toString());
        progress.accept(String.format(Locale.ROOT, "%s: target accuracy %.2f%% (%s)", name, 100 * acc, fit));
        return new Row(name, acc, prepareSeconds, (t1 - t0) / 1e9, (t2 - t1) / 1e9, src[0], src[1], fit.iterations(), fit.converged(),
                config, List.copyOf(fullLog));
    }

    /** {retained classes' accuracy, forgotten classes' accuracy} of {@code m} on the source test set. */
    private double[] sourceAccuracies(ImageModel m, int[] forgotten) {
        boolean[] gone = mask(forgotten);
        Predictions p = Predictions.of(m, source.test(), source.transform(), settings.device(), settings.batchSize(), settings.workers());
        long[] ok = new long[2], n = new long[2];
        for (int i = 0; i < p.size(); i++) {
            int part = gone[p.labels()[i]] ? 1 : 0;
            n[part]++;
            if (p.predicted()[i] == p.labels()[i]) ok[part]++;
        }
        return new double[] {n[0] == 0 ? Double.NaN : (double) ok[0] / n[0], n[1] == 0 ? Double.NaN : (double) ok[1] / n[1]};
    }

    /**
     * A class-stratified split of {@code d}'s indices into {probe-training part, validation part}: per class, a
     * share {@code fraction} (at least one sample, and at least one left for training) goes to validation, drawn
     * with {@code seed}; both parts in index order.
     */
    public static int[][] stratifiedSplit(Dataset d, double fraction, long seed) {
        int k = d.numClasses();
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < k; c++) byClass.add(new ArrayList<>());
        for (int i = 0; i < d.size(); i++) byClass.get(d.label(i)).add(i);
        Random r = new Random(seed);
        List<Integer> fit = new ArrayList<>(), val = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            List<Integer> idx = byClass.get(c);
            if (idx.size() < 2)
                throw new IllegalArgumentException("transfer: target class " + c + " (" + d.classNames().get(c) + ") has " + idx.size()
                        + " training samples; the search needs at least 2 per class (one to train the probe, one to validate)");
            Collections.shuffle(idx, r);
            int v = Math.max(1, Math.min(idx.size() - 1, (int) Math.round(fraction * idx.size())));
            val.addAll(idx.subList(0, v));
            fit.addAll(idx.subList(v, idx.size()));
        }
        fit.sort(null);
        val.sort(null);
        return new int[][] {fit.stream().mapToInt(Integer::intValue).toArray(), val.stream().mapToInt(Integer::intValue).toArray()};
    }
}
