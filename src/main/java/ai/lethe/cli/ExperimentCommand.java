// `lethe experiment CONFIG`: runs a whole unlearning protocol (train or load the original, optionally prune,
// Retrain as the gold standard, every listed method with every seed, evaluation) from a JSON or YAML file and
// writes report.md, report.json and report.svg; re-running it resumes an interrupted experiment. A config whose
// prune.sparsity is a list runs as a SparsitySweep (one experiment per sparsity, and a sweep report).
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.experiment.Experiment;
import ai.lethe.experiment.ExperimentConfig;
import ai.lethe.experiment.SparsitySweep;
import ai.lethe.report.SweepReport;
import ai.lethe.report.Report;
import ai.lethe.report.ConsoleTable;
import ai.lethe.train.ProgressDisplay;
import ai.lethe.train.TrainListener;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "experiment", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Run an unlearning experiment from a JSON or YAML config and write report.md/json/svg.",
                "Re-running the same command resumes an interrupted experiment."})
final class ExperimentCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONFIG", description = "The experiment (.json, .yaml or .yml).")
    Path configFile;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/NAME, NAME from the config).")
    Path out;

    @Option(names = "--workers", paramLabel = "N", description = "Data-loading threads (default: min(2, cores)).")
    Integer workers;

    @Option(names = "--no-progress", description = "No progress bars (log lines only).")
    boolean noProgress;

    @Override public Integer call() throws Exception {
        if (!Files.isRegularFile(configFile)) throw usage("CONFIG: " + configFile + " is not a file");
        ExperimentConfig config;
        try {
            config = ExperimentConfig.read(configFile);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (workers != null && workers < 0) throw usage("--workers: must be >= 0, got " + workers);
        Path dir = out != null ? out : Path.of("runs", config.name());
        PrintWriter o = spec.commandLine().getOut();
        int w = workers == null ? DataLoader.defaultWorkers() : workers;
        java.util.function.Supplier<List<TrainListener>> progress = () -> noProgress ? List.<TrainListener>of() : List.of(new ProgressDisplay());
        if (config.isSweep()) {
            SparsitySweep sweep;
            try {
                sweep = new SparsitySweep(config, dir, Backends.defaultDevice(), w, o, progress);
            } catch (IllegalArgumentException e) {
                throw usage(configFile + ": " + e.getMessage());
            }
            SweepReport report = sweep.run();
            o.println();
            o.print(report.table());
            o.flush();
            return 0;
        }
        Experiment experiment;
        try {
            experiment = new Experiment(config, dir, Backends.defaultDevice(), w, o, progress);
        } catch (IllegalArgumentException e) {
            throw usage(configFile + ": " + e.getMessage());
        }
        Report report = experiment.run();
        o.println();
        o.print(ConsoleTable.render(report));
        o.flush();
        return 0;
    }

    private ParameterException usage(String message) { return new ParameterException(spec.commandLine(), message); }
}
