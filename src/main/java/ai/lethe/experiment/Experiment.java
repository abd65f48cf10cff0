// `lethe experiment`: runs a whole protocol from an ExperimentConfig into an output folder —
//   OUT/original/            the original model's training run (or the given base model is used as is)
//   OUT/pruned/              the pruned model, when the config prunes (prune-then-unlearn)
//   OUT/runs/METHOD/seed-S/  one unlearn.json per method and seed (metrics, time, config, log)
//   OUT/poison.json          the poisoned samples, when the config backdoors the training set (poison:)
//   OUT/tune/METHOD/         the tuner's trials.jsonl, tune.json and options.txt, for each method tuned (tune:, or
//                            alpha=auto); the runs then use the chosen options, and the report says per method
//                            whether its hyper-parameters were the defaults, given, or tuned
//   OUT/report.md, report.json, report.svg
//   OUT/prepared.json        the shared state's summary (setup lines, hyper-parameter sources, the original's metrics)
// The shared state (poison record, original, pruned copy, tuned options, prepared.json) is made once, under
// SharedStateLock, by whichever of run(), prepareOnly() or runCell() comes first; runCell(label, seed) runs one
// cell of a Slurm sweep (SlurmSweep) and merge() builds the report from the cells that have finished.
// Retrain on Dr is always run: it is the gold standard the gap is measured against. Every step is skipped when
// its output exists, so an interrupted experiment resumes where it stopped (the original's training resumes
// from its last epoch). The split is made once (seed 0) so every method and seed forgets the same Df; the seeds
// vary the methods' own randomness (and Retrain's initialisation).
package ai.lethe.experiment;

import ai.lethe.core.Device;
import ai.lethe.data.poison.PoisonRecord;
import ai.lethe.data.poison.Poisoned;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.split.ForgetRequest;
import ai.lethe.eval.MetricSet;
import ai.lethe.eval.UnlearnMetrics;
import ai.lethe.experiment.ExperimentConfig.MethodSpec;
import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.prune.PruneConfig;
import ai.lethe.prune.PruneData;
import ai.lethe.prune.PruneResult;
import ai.lethe.prune.PruneRunner;
import ai.lethe.prune.Pruner;
import ai.lethe.report.MethodRun;
import ai.lethe.report.Report;
import ai.lethe.report.ReportWriter;
import ai.lethe.tensor.Generator;
import ai.lethe.train.RunFolder;
import ai.lethe.train.TrainListener;
import ai.lethe.train.Trainer;
import ai.lethe.tune.AutoOptions;
import ai.lethe.tune.SearchSpace;
import ai.lethe.tune.TuneData;
import ai.lethe.tune.TuneResult;
import ai.lethe.tune.Tuner;
import ai.lethe.unlearn.Unlearner;
import ai.lethe.unlearn.Unlearners;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

public final class Experiment {
    private final ExperimentConfig config;
    private final Path out;
    private final Device device;
    private final int workers;
    private final PrintWriter log;
    private final Supplier<List<TrainListener>> progress;

    /**
     * @param progress listeners for training progress (a fresh list per training run; empty for none)
     * @param log      one line per step
     */
    public Experiment(ExperimentConfig config, Path out, Device device, int workers, PrintWriter log,
                      Supplier<List<TrainListener>> progress) {
        this.config = config;
        this.out = out;
        this.device = device;
        this.workers = workers;
        this.log = log;
        this.progress = progress;
        for (MethodSpec m : config.methods()) {   // unknown method/option: fail before any work
            Unlearners.create(m.name(), m.options());
            AutoOptions.hasAuto(m.name(), m.options());
            if (config.tune().map(t -> t.covers(m.name())).orElse(false) && !m.name().equals(ExperimentConfig.RETRAIN))
                SearchSpace.plan(m.name(), m.options(), 2, 1, 1, 0);   // something left to tune
        }
        if (config.isSweep())
            throw new IllegalArgumentException(config.name() + " prunes to several sparsities " + config.sweep() + "; run it as a SparsitySweep");
    }

    private MetricSet originalMetrics;

    /** The original model's metrics before unlearning, once run() has evaluated it (else null). */
    public MetricSet originalMetrics() { return originalMetrics; }

    /**
     * What every run of the experiment shares, made once by {@link #prepare()}: the task, the original model (owned:
     * close it), its metrics, the report's setup lines, each method's options (by label) and where they came from.
     */
    private record Prepared(TaskData task, ImageModel original, MetricSet before, Map<String, String> setup,
                            Map<String, String> hyperParameters, Map<String, Map<String, String>> options, JobSettings settings)
            implements AutoCloseable {
        @Override public void close() { original.close(); }
    }

    /** Runs (or resumes) the experiment and writes the report; returns it. */
    public Report run() throws IOException {
        long started = System.nanoTime();
        List<MethodRun> runs = new ArrayList<>();
        Prepared p = prepare();
        try (p) {
            int total = config.methods().size() * config.seeds().size(), done = 0;
            for (long seed : config.seeds())
                for (MethodSpec m : config.methods()) runs.add(runOne(p, m, seed, String.format(Locale.ROOT, "[%d/%d] ", ++done, total)));
        }
        Report report = new Report(config.name(), p.setup(), runs, p.hyperParameters());
        ReportWriter.write(report, out);
        say("wrote %s, %s and %s (%.0f s)", out.resolve("report.md"), out.resolve("report.json"), out.resolve("report.svg"),
                (System.nanoTime() - started) / 1e9);
        return report;
    }

    /**
     * Makes (or checks) what the runs share — OUT/poison.json, the original (trained into OUT/original or pruned into
     * OUT/pruned), the tuned options (OUT/tune/) and OUT/prepared.json — and nothing else: the "prepare" step of a
     * Slurm sweep, after which every cell finds its shared state made.
     */
    public void prepareOnly() throws IOException {
        prepare().close();
    }

    /**
     * Runs one cell of the experiment — {@code label} (a method's label) with {@code seed} — into
     * OUT/runs/LABEL/seed-S/ (unlearn.json written atomically, last), making the shared state first when no earlier
     * step made it (under SharedStateLock, so concurrent cells make it once); returns the run (read back when the
     * cell finished earlier).
     */
    public MethodRun runCell(String label, long seed) throws IOException {
        MethodSpec m = config.methods().stream().filter(x -> x.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(config.name() + " has no method '" + label + "'"));
        if (!config.seeds().contains(seed)) throw new IllegalArgumentException(config.name() + " has no seed " + seed);
        try (Prepared p = prepare()) {
            return runOne(p, m, seed, "");
        }
    }

    /** A report merged from the runs finished so far, and the cells (label, seed) still missing. */
    public record Merged(Report report, MetricSet original, List<String> missing) {}

    /**
     * The report of the runs that have finished (OUT/runs/.../unlearn.json), in the full run's order, with the
     * setup and hyper-parameter sources the prepare step recorded (OUT/prepared.json); setup gains a "missing cells"
     * line when some have not finished. Empty when the shared state was never made (no run can have finished).
     */
    public Optional<Merged> merge() throws IOException {
        Path file = out.resolve(PREPARED_FILE);
        if (!Files.isRegularFile(file)) return Optional.empty();
        JsonNode n = JsonMapper.builder().build().readTree(file.toFile());
        if (n == null || !PREPARED_FORMAT.equals(n.path("format").asText()))
            throw new IOException(file + ": not a " + PREPARED_FORMAT + " file");
        Map<String, String> setup = strings(n.get("setup")), hyper = strings(n.get("hyperParameters"));
        List<MethodRun> runs = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (long seed : config.seeds())
            for (MethodSpec m : config.methods()) {
                Path record = resultFile(m.label(), seed);
                if (Files.isRegularFile(record)) runs.add(read(m.label(), record));
                else missing.add(m.label() + " seed " + seed);
            }
        if (!missing.isEmpty())
            setup.put("missing cells", missing.size() + " of " + config.methods().size() * config.seeds().size() + ": " + String.join(", ", missing));
        return Optional.of(new Merged(new Report(config.name(), setup, runs, hyper), MetricSet.fromJsonNode(n.get("original")),
                List.copyOf(missing)));
    }

    /** The file the prepare step writes: the report's setup and hyper-parameter sources and the original's metrics. */
    public static final String PREPARED_FILE = "prepared.json";
    static final String PREPARED_FORMAT = "lethe-prepared/1";

    /** Where the run of {@code label} with {@code seed} records its result (its presence marks it complete). */
    public Path resultFile(String label, long seed) {
        return out.resolve("runs").resolve(folderName(label)).resolve("seed-" + seed).resolve("unlearn.json");
    }

    private Prepared prepare() throws IOException {
        Files.createDirectories(out);
        try (var lock = SharedStateLock.acquire(out, line -> say("%s", line))) {
            return prepareLocked();
        }
    }

    private Prepared prepareLocked() throws IOException {
        Pipeline pipeline = Pipeline.load(config.dataset(), config.train().augment(), imageSize());
        TaskData task = TaskData.of(pipeline, config.trainSubset(), config.testSubset(), 0, config.poison(), ForgetRequest.parse(config.forget()), 0);
        if (task.train() instanceof Poisoned p) recordPoison(p);
        say("task: %s, %d training samples (Df %d, Dr %d), %d test samples (forget-test %d, retain-test %d), forget %s",
                config.dataset(), task.train().size(), task.sets().forget().size(), task.sets().retain().size(), task.test().size(),
                task.sets().forgetTest().size(), task.sets().retainTest().size(), config.forget());
        Map<String, String> setup = setup(task);
        Map<String, String> hyperParameters = new LinkedHashMap<>();
        ImageModel original = original(task);
        try {
            JobSettings settings = new JobSettings(device, workers, config.evalBatchSize(), config.miaFeature(), Optional.empty(),
                    config.train().toBuilder().workers(workers).build());
            Optional<Merged> earlier = merge();
            if (earlier.isPresent()) {   // prepared earlier (another cell, or the prepare step): its metrics, not evaluated again
                Merged e = earlier.get();
                originalMetrics = e.original();
                say("original model: evaluated earlier (%s)", out.resolve(PREPARED_FILE));
                Map<String, Map<String, String>> options = tuned(original, task, hyperParameters);
                // the setup lines from the config as it is now (seeds or methods may have been added), the original's from the record
                setup.put("original model", e.report().setup().getOrDefault("original model", ""));
                writePrepared(setup, hyperParameters, e.original());
                return new Prepared(task, original, e.original(), setup, hyperParameters, options, settings);
            }
            MetricSet before = UnlearnMetrics.evaluate(original, task.sets(), task.pipeline().evalTransform(), device,
                    config.evalBatchSize(), workers, 0, settings.mia());
            String originalLine = String.format(Locale.ROOT, "UA %.1f%%, MIA-efficacy %.1f%%, RA %.1f%%, TA %.1f%%, forget-test accuracy %.1f%%%s",
                    100 * before.ua(), 100 * before.miaEfficacy(), 100 * before.ra(), 100 * before.ta(), 100 * before.forgetTestAccuracy(),
                    config.prune().isPresent() ? String.format(Locale.ROOT, ", sparsity %.4f", ai.lethe.nn.Masks.sparsity(original)) : "")
                    + (before.hasAttackSuccess() ? String.format(Locale.ROOT, ", ASR %.1f%% (non-target %.1f%%)", 100 * before.asr(),
                    100 * before.asrNonTarget()) : "");
            originalMetrics = before;
            setup.put("original model", originalLine);
            say("original model: %s", originalLine);
            Map<String, Map<String, String>> options = tuned(original, task, hyperParameters);
            writePrepared(setup, hyperParameters, before);
            return new Prepared(task, original, before, setup, hyperParameters, options, settings);
        } catch (RuntimeException | IOException e) {
            original.close();
            throw e;
        }
    }

    /** OUT/prepared.json: what a merged report needs without loading the model (written atomically). */
    private void writePrepared(Map<String, String> setup, Map<String, String> hyper, MetricSet before) throws IOException {
        var mapper = JsonMapper.builder().build();
        var root = mapper.createObjectNode();
        root.put("format", PREPARED_FORMAT);
        root.put("experiment", config.name());
        setup.forEach(root.putObject("setup")::put);
        hyper.forEach(root.putObject("hyperParameters")::put);
        root.set("original", before.toJsonNode());
        byte[] bytes = (mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Path file = out.resolve(PREPARED_FILE);
        if (Files.isRegularFile(file) && java.util.Arrays.equals(Files.readAllBytes(file), bytes)) return;
        ai.lethe.io.AtomicFiles.write(file, bytes);
    }

    private static Map<String, String> strings(JsonNode n) {
        Map<String, String> m = new LinkedHashMap<>();
        if (n != null) n.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    /** One method and seed: read back when its unlearn.json exists, else run on a copy of the original and saved. */
    private MethodRun runOne(Prepared p, MethodSpec m, long seed, String step) throws IOException {
        Path record = resultFile(m.label(), seed);
        Path dir = record.getParent();
        if (Files.isRegularFile(record)) {
            say("%s%s seed %d: done earlier (%s)", step, m.label(), seed, record);
            return read(m.label(), record);
        }
        say("%s%s seed %d ...", step, m.label(), seed);
        Unlearner u = Unlearners.create(m.name(), p.options().get(m.label()));
        try (UnlearnJob.Outcome o = UnlearnJob.run(p.original(), p.task(), u, seed, p.settings(), progress.get())) {
            Files.createDirectories(dir);
            UnlearnJob.save(o, p.task(), config.dataset(), dir, false);
            o.warnings().forEach(w -> say("warning: %s", w));
            MetricSet x = o.metrics();
            say("%s%s seed %d: UA %.1f%%, MIA-efficacy %.1f%%, RA %.1f%%, TA %.1f%%%s, %.1f s", step, m.label(), seed,
                    100 * x.ua(), 100 * x.miaEfficacy(), 100 * x.ra(), 100 * x.ta(), x.hasAttackSuccess()
                            ? String.format(Locale.ROOT, ", ASR %.1f%% (non-target %.1f%%)", 100 * x.asr(), 100 * x.asrNonTarget()) : "",
                    o.result().seconds());
            return new MethodRun(m.label(), seed, x, o.result().seconds(), o.sparsity());
        }
    }

    /**
     * Each method's options for its runs (by label): as given, or — for the methods the tune block names and those
     * with alpha=auto — the tuner's choice (OUT/tune/LABEL/, read back when an earlier run tuned it). {@code hyper}
     * gets, per label, "defaults", "given" or "tuned (k=v, ...)".
     */
    private Map<String, Map<String, String>> tuned(ImageModel original, TaskData task, Map<String, String> hyper) throws IOException {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        TuneData data = null;
        for (MethodSpec m : config.methods()) {
            boolean tune = AutoOptions.hasAuto(m.name(), m.options()) || config.tune().map(t -> t.covers(m.name())).orElse(false);
            if (!tune) {
                out.put(m.label(), m.options());
                hyper.put(m.label(), m.options().isEmpty() ? "defaults" : "given");
                continue;
            }
            Path dir = this.out.resolve("tune").resolve(folderName(m.label()));
            Map<String, String> chosen;
            if (Files.isRegularFile(dir.resolve(TuneResult.JSON_FILE))) {
                chosen = TuneResult.readChosen(dir);
                say("tune %s: done earlier (%s): %s", m.label(), dir, TuneResult.commandLine(chosen));
            } else {
                if (data == null)
                    data = new TuneData(task.train(), task.test(), task.split(), task.sets(), task.pipeline().evalTransform(), task.numClasses(),
                            recipe(), device, workers, config.evalBatchSize());
                var spec = config.tune();
                Tuner.Settings s = Tuner.Settings.defaults();
                if (spec.isPresent()) s = s.withBudget(spec.get().budget()).withTarget(spec.get().target()).withSeed(spec.get().seed());
                chosen = new Tuner(data, s, null, dir, line -> say("%s", line)).tune(original, m.name(), m.options()).options();
            }
            out.put(m.label(), chosen);
            Map<String, String> searched = new LinkedHashMap<>(chosen);
            searched.keySet().removeAll(SearchSpace.fixed(m.options()).keySet());
            hyper.put(m.label(), "tuned (" + String.join(", ", searched.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()) + ")");
        }
        return out;
    }

    /** Writes OUT/poison.json, or checks that the one an earlier run wrote records the same poisoning. */
    private void recordPoison(Poisoned p) throws IOException {
        PoisonRecord record = PoisonRecord.of(p, config.poison().orElseThrow(), 0);
        Path file = out.resolve(PoisonRecord.FILE);
        if (Files.isRegularFile(file) && !PoisonRecord.read(file).equals(record))
            throw new IllegalArgumentException(file + " records another poisoning than the config's " + record.spec().spec()
                    + "; use a new output folder");
        if (!Files.isRegularFile(file)) record.write(file);
    }

    private int imageSize() {
        return config.model().map(ExperimentConfig.ModelSpec::imageSize).orElse(0);
    }

    /**
     * The original model: the base checkpoint, or trained (resumed) into OUT/original; with pruning, the model
     * PruneRunner prunes and trains from a fresh initialisation into OUT/pruned (OMP/IMP train dense first).
     */
    private ImageModel original(TaskData task) throws IOException {
        if (config.prune().isPresent()) return pruned(task);
        if (config.base().isPresent()) {
            Path weights = RunFolder.modelPath(config.base().get());
            say("original: %s", weights);
            ImageModel m = Checkpoint.openModel(weights, device);
            checkFits(m, task);
            return m;
        }
        RunFolder run = new RunFolder(out.resolve("original"));
        for (String done : run.recover()) say("original: %s", done);   // a save the last run was killed in
        if (Files.isRegularFile(run.result()) && Files.isDirectory(run.checkpoint())) {
            say("original: trained earlier (%s)", run.checkpoint());
            return Checkpoint.openModel(run.checkpoint(), device);
        }
        ModelConfig mc = config.model().orElseThrow().config(task.pipeline().inputShape(), task.numClasses());
        ImageModel model = Models.create(mc, new Generator(0)).to(device);
        try {
            boolean resume = Files.isDirectory(run.last());
            RunFolder folder = resume ? run : RunFolder.create(run.root());
            Trainer.Builder b = Trainer.builder(model, task.train(), recipe()).validation(task.test())
                    .transforms(task.pipeline().trainTransform(), task.pipeline().evalTransform())
                    .datasetName(config.dataset()).runFolder(folder);
            for (TrainListener l : progress.get()) b.listener(l);
            say("original: %s %s training on %s for %d epochs%s", Models.describe(mc), resume ? "resumes" : "starts", device,
                    config.train().epochs(), resume ? " from " + run.last() : "");
            var r = resume ? b.build().resume() : b.build().fit();
            say("original: test accuracy %.2f%% (%.0f s)", 100 * r.last().valAccuracy(), r.seconds());
            return model;
        } catch (RuntimeException | IOException e) {
            model.close();
            throw e;
        }
    }

    /** Prune-then-unlearn: the pruned original from OUT/pruned, made there first when missing. */
    private ImageModel pruned(TaskData task) throws IOException {
        ExperimentConfig.PruneSpec spec = config.prune().orElseThrow();
        RunFolder run = new RunFolder(out.resolve("pruned"));
        if (Files.isRegularFile(PruneRunner.summary(run)) && Files.isDirectory(run.checkpoint())) {
            say("pruned original: made earlier (%s)", run.checkpoint());
            return Checkpoint.openModel(run.checkpoint(), device);
        }
        ModelConfig mc;
        if (config.base().isPresent()) {
            try (ImageModel base = Checkpoint.openModel(RunFolder.modelPath(config.base().get()), device)) {
                checkFits(base, task);
                mc = base.config();
            }
        } else mc = config.model().orElseThrow().config(task.pipeline().inputShape(), task.numClasses());
        if (Files.exists(run.root())) ai.lethe.io.AtomicFiles.deleteTree(run.root());   // an interrupted pruning run starts over
        ImageModel model = Models.create(mc, new Generator(0)).to(device);
        try {
            PruneConfig pc = PruneConfig.of(Pruner.parse(spec.method()), spec.sparsity(), recipe()).withRewindEpoch(spec.rewindEpoch());
            PruneData data = PruneData.of(task.pipeline()).withTrain(task.train());
            data = new PruneData(data.train(), task.test(), data.trainTransform(), data.evalTransform(), data.inputShape(), config.dataset());
            say("pruned original: %s with %s to sparsity %.3f on %s", Models.describe(mc), spec.method(), spec.sparsity(), device);
            PruneResult r = PruneRunner.run(model, data, pc, RunFolder.create(run.root()), progress.get());
            say("pruned original: sparsity %.4f, test accuracy %.2f%% (%.0f s)", r.sparsity(), 100 * r.training().last().valAccuracy(),
                    r.seconds());
            return model;
        } catch (RuntimeException | IOException e) {
            model.close();
            throw e;
        }
    }

    private ai.lethe.train.TrainConfig recipe() { return config.train().toBuilder().workers(workers).build(); }

    private void checkFits(ImageModel m, TaskData task) {
        if (m.config().numClasses() != task.numClasses())
            throw new IllegalArgumentException(config.base().get() + ": the model has " + m.config().numClasses() + " classes but "
                    + config.dataset() + " has " + task.numClasses());
        if (m.config().inChannels() != task.pipeline().inputShape().channels())
            throw new IllegalArgumentException(config.base().get() + ": the model takes " + m.config().inChannels() + "-channel images but "
                    + config.dataset() + " has " + task.pipeline().inputShape().channels());
    }

    private Map<String, String> setup(TaskData task) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("dataset", config.dataset() + " (" + task.train().size() + " train, " + task.test().size() + " test)");
        s.put("model", config.model().map(Experiment::describe).orElse(config.base().map(Path::toString).orElse("")));
        config.poison().ifPresent(p -> s.put("poison", p.spec() + " (" + ((Poisoned) task.train()).count() + " of " + task.train().size()
                + " training samples; trigger " + p.trigger() + ")"));
        s.put("forget", config.forget() + " (|Df| = " + task.sets().forget().size() + ")");
        s.put("pruning", config.prune().map(p -> p.method() + " to " + p.sparsity()).orElse("none (dense)"));
        s.put("training", config.train().preset() + ", " + config.train().epochs() + " epochs, " + config.train().optimizer()
                .name().toLowerCase(Locale.ROOT) + " lr " + config.train().lr());
        s.put("seeds", config.seeds().toString());
        s.put("device", device.toString());
        s.put("mia feature", config.miaFeature());
        return s;
    }

    private static String describe(ExperimentConfig.ModelSpec m) {
        return m.arch().equals("resnet18") ? "resnet18, width " + m.width() + ", " + m.stem() + " stem"
                : m.arch() + ", patch " + m.patch() + (m.imageSize() > 0 ? ", images resized to " + m.imageSize() : "");
    }

    private static MethodRun read(String label, Path record) throws IOException {
        JsonNode n = JsonMapper.builder().build().readTree(record.toFile());
        return new MethodRun(label, n.get("seed").asLong(), MetricSet.fromJson(n.get("metrics").toString()),
                n.get("seconds").asDouble(), n.get("sparsity").asDouble());
    }

    /** A folder name for a method label: letters, digits, '-', '_', '=' and ',' kept; anything else '_'. */
    static String folderName(String label) { return label.replaceAll("[^A-Za-z0-9._=,-]", "_"); }

    private void say(String format, Object... args) {
        log.println(String.format(Locale.ROOT, format, args));
        log.flush();
    }
}
