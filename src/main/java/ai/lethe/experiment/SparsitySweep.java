// A sparsity sweep (`lethe experiment` on a config whose prune.sparsity is a list): the sparsity paper's Trojan
// cleanse study — for each sparsity s, one Experiment in OUT/sparsity-S (s = 0: the dense model; else the config's
// pruning method, e.g. OMP, to s), each training and pruning its own original from seed 0 and running every
// method on it; then OUT/report.md, report.json and report.svg (SweepReport: SA, ASR and ASR non-target against
// sparsity, per method and for the original). Each experiment resumes where it stopped, so the sweep does too.
package ai.lethe.experiment;

import ai.lethe.core.Device;
import ai.lethe.eval.MetricSet;
import ai.lethe.report.Report;
import ai.lethe.report.SweepReport;
import ai.lethe.train.TrainListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

public final class SparsitySweep {
    private final ExperimentConfig config;
    private final Path out;
    private final Device device;
    private final int workers;
    private final PrintWriter log;
    private final Supplier<List<TrainListener>> progress;

    public SparsitySweep(ExperimentConfig config, Path out, Device device, int workers, PrintWriter log, Supplier<List<TrainListener>> progress) {
        if (!config.isSweep()) throw new IllegalArgumentException(config.name() + " is not a sparsity sweep (prune.sparsity is not a list)");
        this.config = config;
        this.out = out;
        this.device = device;
        this.workers = workers;
        this.log = log;
        this.progress = progress;
        for (double s : config.sweep()) new Experiment(config.atSparsity(s), out.resolve(folder(s)), device, workers, log, progress);
    }

    /** The sub-folder of sparsity {@code s}: "sparsity-0.75" (plain decimal form). */
    public static String folder(double s) {
        return "sparsity-" + new java.math.BigDecimal(Double.toString(s)).stripTrailingZeros().toPlainString();
    }

    /** Runs (or resumes) every sparsity's experiment and writes the sweep's report; returns it. */
    public SweepReport run() throws IOException {
        long started = System.nanoTime();
        List<SweepReport.Point> points = new ArrayList<>();
        Map<String, String> setup = null;
        for (double s : config.sweep()) {
            log.println(String.format(Locale.ROOT, "== sparsity %s (%s) ==", s, folder(s)));
            log.flush();
            Experiment e = new Experiment(config.atSparsity(s), out.resolve(folder(s)), device, workers, log, progress);
            Report r = e.run();
            MetricSet original = e.originalMetrics();
            points.add(new SweepReport.Point(s, folder(s), original, r));
            if (setup == null) setup = sweepSetup(r.setup());
            SweepReport partial = new SweepReport(config.name(), setup, points);
            partial.write(out);   // current after every sparsity
        }
        SweepReport report = new SweepReport(config.name(), setup, points);
        report.write(out);
        log.println(String.format(Locale.ROOT, "wrote %s, %s and %s (%.0f s)", out.resolve("report.md"), out.resolve("report.json"),
                out.resolve("report.svg"), (System.nanoTime() - started) / 1e9));
        log.flush();
        return report;
    }

    /** The first experiment's setup without its per-sparsity lines, plus the sweep's. */
    private Map<String, String> sweepSetup(Map<String, String> first) { return sweepSetup(config, first); }

    /** {@code first} (an experiment's setup) without its per-sparsity lines, plus {@code config}'s sweep lines. */
    static Map<String, String> sweepSetup(ExperimentConfig config, Map<String, String> first) {
        Map<String, String> s = new LinkedHashMap<>(first);
        s.remove("original model");
        s.remove("pruning");
        var p = config.prune().orElseThrow();
        s.put("pruning", p.method() + " to each of " + config.sweep() + " (0 = dense)"
                + (p.method().equals("synflow") ? "" : ", rewound to epoch " + p.rewindEpoch()));
        return s;
    }
}
