// `lethe experiment CONFIG`: runs a whole unlearning protocol (train or load the original, optionally prune,
// Retrain as the gold standard, every listed method with every seed, evaluation) from a JSON or YAML file and
// writes report.md, report.json and report.svg; re-running it resumes an interrupted experiment. A config whose
// prune.sparsity is a list runs as a SparsitySweep (one experiment per sparsity, and a sweep report).
// On Slurm (SlurmSweep): --slurm writes OUT/slurm/{cells.json, prepare.sbatch, cells.sbatch, submit.sh} and says how
// to submit them; --prepare U makes prepare unit U's shared state (the original, pruned copy, tuned options);
// --cell K runs only cell K into OUT; --report merges the cells that have finished into report.md/json/svg.
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.experiment.Experiment;
import ai.lethe.experiment.ExperimentConfig;
import ai.lethe.experiment.SlurmSweep;
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

    @Option(names = "--slurm", description = "Write a Slurm array job (one task per cell: method x seed x request [x sparsity]) and a"
            + " prepare job into OUT/slurm/, and print how to submit them; runs nothing.")
    boolean slurm;

    @Option(names = "--cell", paramLabel = "K", description = "Run only cell K (as OUT/slurm/cells.json numbers them) into OUT.")
    Integer cell;

    @Option(names = "--prepare", paramLabel = "U", description = "Only make prepare unit U's shared state (U: 0, or the sparsity's"
            + " position in a sweep): train/prune/tune the original the cells share.")
    Integer prepare;

    @Option(names = "--report", description = "Merge the cells that have finished into OUT/report.md/json/svg and list the missing ones.")
    boolean report;

    @Option(names = "--partition", paramLabel = "NAME", description = "With --slurm: the partition (default: the cluster's).")
    String partition;

    @Option(names = "--time", paramLabel = "LIMIT", description = "With --slurm: each task's time limit, e.g. 02:00:00.")
    String time;

    @Option(names = "--cpus-per-task", paramLabel = "N", defaultValue = "0", description = "With --slurm: CPUs per task (0: not asked).")
    int cpusPerTask;

    @Option(names = "--gpus-per-task", paramLabel = "N", defaultValue = "0", description = "With --slurm: GPUs per task (0: none asked).")
    int gpusPerTask;

    @Option(names = "--mem", paramLabel = "SIZE", description = "With --slurm: memory per node, e.g. 16G.")
    String mem;

    @Option(names = "--max-running", paramLabel = "N", defaultValue = "0", description = "With --slurm: at most N cells at once (0: no limit).")
    int maxRunning;

    @Option(names = "--sbatch", paramLabel = "LINE", description = "With --slurm: an extra #SBATCH option, e.g. --account=lab (repeatable).")
    List<String> sbatch = new java.util.ArrayList<>();

    @Option(names = "--launcher", paramLabel = "CMD", description = "With --slurm: the command that starts Lethe on the nodes"
            + " (default: this checkout's lethe script).")
    String launcher;

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
        int modes = (slurm ? 1 : 0) + (cell != null ? 1 : 0) + (prepare != null ? 1 : 0) + (report ? 1 : 0);
        if (modes > 1) throw usage("give at most one of --slurm, --cell, --prepare and --report");
        if (modes == 1) return slurmMode(configFile, config, dir, w, o, progress);
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

    private int slurmMode(Path configFile, ExperimentConfig config, Path dir, int w, PrintWriter o,
                          java.util.function.Supplier<List<TrainListener>> progress) throws Exception {
        SlurmSweep sweep;
        try {
            sweep = new SlurmSweep(config, dir, Backends.defaultDevice(), w, o, progress);
        } catch (IllegalArgumentException e) {
            throw usage(configFile + ": " + e.getMessage());
        }
        try {
            if (slurm) {
                List<String> global = new java.util.ArrayList<>();
                var device = spec.root().findOption("--device");
                if (device != null && device.getValue() != null) global.addAll(List.of("--device", device.getValue().toString()));
                SlurmSweep.Job job = sweep.writeJob(configFile, new SlurmSweep.JobOptions(partition, time, cpusPerTask, gpusPerTask, mem,
                        maxRunning, sbatch, launcher != null ? launcher : defaultLauncher(), global));
                o.printf("wrote %s (%d cells), %s (their array), %s (%d prepare task%s) and %s%n", job.cells(), job.cellCount(), job.array(),
                        job.prepare(), job.prepareCount(), job.prepareCount() == 1 ? "" : "s", job.submit());
                o.printf("submit with:  sh %s%n", job.submit());
                o.printf("  (or by hand: sbatch %s, then sbatch --dependency=afterok:<its job id> %s)%n", job.prepare(), job.array());
                o.printf("merge the finished cells any time with:  lethe experiment %s --out %s --report%n", configFile, dir);
            } else if (prepare != null) sweep.prepare(prepare);
            else if (cell != null) sweep.runCell(cell);
            else {
                SlurmSweep.Merged m = sweep.report();
                o.println();
                o.print(m.report() instanceof Report r ? ConsoleTable.render(r) : ((SweepReport) m.report()).table());
                if (!m.missing().isEmpty()) o.printf("missing cells (%d): %s%n", m.missing().size(), String.join(", ", m.missing()));
            }
        } catch (IllegalArgumentException e) {
            throw usage(configFile + ": " + e.getMessage());
        } catch (IllegalStateException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
        o.flush();
        return 0;
    }

    /** The lethe script of this checkout (the jar's or classes' folder is ROOT/target/...), else "lethe" on PATH. */
    static String defaultLauncher() {
        try {
            Path code = Path.of(ExperimentCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = code.getParent(); p != null; p = p.getParent()) {
                Path script = p.resolve("lethe");
                if (Files.isRegularFile(script) && Files.isExecutable(script)) return script.toAbsolutePath().normalize().toString();
            }
        } catch (Exception e) {
            // no code source (unusual class loader): fall back to PATH
        }
        return "lethe";
    }

    private ParameterException usage(String message) { return new ParameterException(spec.commandLine(), message); }
}
