// An experiment run as Slurm array jobs (`lethe experiment CONFIG --slurm`, `--prepare U`, `--cell K`, `--report`).
// writeJob puts into OUT/slurm/:
//   cells.json      the numbered cells (SweepCells) — what array task K runs
//   prepare.sbatch  an array of one task per prepare unit (per sparsity): trains/prunes the shared original, tunes,
//                   writes prepared.json (Experiment.prepareOnly)
//   cells.sbatch    an array of one task per cell: `lethe experiment CONFIG --out OUT --cell $SLURM_ARRAY_TASK_ID`
//   submit.sh       submits prepare.sbatch, then cells.sbatch with --dependency=afterok:<prepare job> (so every
//                   cell starts after all of the shared state exists), and prints both job ids
// The shared state is thus made once by the prepare job. A cell run without it (cells.sbatch submitted alone, a
// prepare task that failed and was re-run by hand) still works: Experiment makes the shared state under
// SharedStateLock, so the first cell trains and the others wait and load. Each cell writes only its own folder
// (runs/METHOD/seed-S/, unlearn.json atomically, last). report() merges whatever cells have finished.
package ai.lethe.experiment;

import ai.lethe.core.Device;
import ai.lethe.io.AtomicFiles;
import ai.lethe.report.Report;
import ai.lethe.report.ReportWriter;
import ai.lethe.report.SweepReport;
import ai.lethe.train.TrainListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

public final class SlurmSweep {
    public static final String FOLDER = "slurm", CELLS_FILE = "cells.json";

    private final ExperimentConfig config;
    private final Path out;
    private final Device device;
    private final int workers;
    private final PrintWriter log;
    private final Supplier<List<TrainListener>> progress;

    public SlurmSweep(ExperimentConfig config, Path out, Device device, int workers, PrintWriter log, Supplier<List<TrainListener>> progress) {
        this.config = config;
        this.out = out;
        this.device = device;
        this.workers = workers;
        this.log = log;
        this.progress = progress;
        for (String f : SweepCells.prepareFolders(config)) experiment(f);   // unknown methods/options: fail before any work
    }

    /**
     * The sbatch resources: partition (null: the cluster's default), time limit (null: default), CPUs and GPUs per
     * task (0: not asked), memory (null: default), the most array tasks running at once (0: no limit), extra
     * #SBATCH lines, the command that starts Lethe on the nodes, and the global options to pass it (e.g. --device).
     */
    public record JobOptions(String partition, String time, int cpusPerTask, int gpusPerTask, String mem, int maxRunning,
                             List<String> extra, String launcher, List<String> globalOptions) {
        public JobOptions {
            extra = List.copyOf(extra);
            globalOptions = List.copyOf(globalOptions);
            if (cpusPerTask < 0 || gpusPerTask < 0 || maxRunning < 0)
                throw new IllegalArgumentException("cpus/gpus per task and max running tasks must be >= 0");
            if (launcher == null || launcher.isBlank()) throw new IllegalArgumentException("the launcher command must not be empty");
        }
    }

    /** The paths writeJob wrote. */
    public record Job(Path cells, Path prepare, Path array, Path submit, int cellCount, int prepareCount) {}

    /** Writes OUT/slurm/ (see above) for {@code configFile} (this sweep's config); returns the paths. */
    public Job writeJob(Path configFile, JobOptions o) throws IOException {
        Path dir = out.resolve(FOLDER);
        Files.createDirectories(dir.resolve("logs"));
        Path cells = dir.resolve(CELLS_FILE);
        String json = SweepCells.toJson(config);
        if (Files.isRegularFile(cells)) SweepCells.checkSame(config, Files.readString(cells), cells.toString());
        AtomicFiles.write(cells, json.getBytes(StandardCharsets.UTF_8));
        int n = SweepCells.of(config).size(), p = SweepCells.prepareFolders(config).size();
        String command = quote(o.launcher()) + o.globalOptions().stream().map(s -> " " + quote(s)).reduce("", String::concat)
                + " experiment " + quote(configFile.toAbsolutePath().normalize().toString()) + " --out " + quote(out.toAbsolutePath().normalize().toString())
                + " --no-progress";
        Path prepare = dir.resolve("prepare.sbatch"), array = dir.resolve("cells.sbatch"), submit = dir.resolve("submit.sh");
        write(prepare, script("prepare", "the prepare step (one task per sparsity: trains, prunes and tunes the original the cells share)",
                p, 0, o, dir, command + " --prepare \"$SLURM_ARRAY_TASK_ID\""));
        write(array, script("cells", n + " cells (method x seed x request" + (config.isSweep() ? " x sparsity" : "") + ", numbered as "
                + CELLS_FILE + " lists them)", n, o.maxRunning(), o, dir, command + " --cell \"$SLURM_ARRAY_TASK_ID\""));
        String report = quote(o.launcher()) + o.globalOptions().stream().map(s -> " " + quote(s)).reduce("", String::concat)
                + " experiment " + quote(configFile.toAbsolutePath().normalize().toString()) + " --out " + quote(out.toAbsolutePath().normalize().toString())
                + " --report";
        write(submit, String.join("\n",
                "#!/bin/sh",
                "# Submits experiment " + config.name() + " to Slurm: the prepare array, then the cells' array once every prepare",
                "# task has succeeded (--dependency=afterok). Written by `lethe experiment --slurm`.",
                "set -eu",
                "cd " + quote(dir.toAbsolutePath().normalize().toString()),
                "prepare=$(sbatch --parsable prepare.sbatch)",
                "prepare=${prepare%%;*}",
                "cells=$(sbatch --parsable --dependency=afterok:\"$prepare\" cells.sbatch)",
                "cells=${cells%%;*}",
                "echo \"prepare job $prepare, cells job $cells (" + n + " tasks)\"",
                "echo \"merge the finished cells any time with: " + report.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$") + "\"",
                ""));
        submit.toFile().setExecutable(true);
        return new Job(cells, prepare, array, submit, n, p);
    }

    private String script(String what, String description, int tasks, int maxRunning, JobOptions o, Path dir, String command) {
        List<String> l = new ArrayList<>();
        l.add("#!/bin/bash");
        l.add("# Lethe experiment " + config.name() + ": " + description + ".");
        l.add("# Written by `lethe experiment --slurm`; submit with submit.sh (it orders prepare before the cells).");
        l.add("#SBATCH --job-name=" + sanitize("lethe-" + config.name() + "-" + what));
        l.add("#SBATCH --array=0-" + (tasks - 1) + (maxRunning > 0 ? "%" + maxRunning : ""));
        l.add("#SBATCH --ntasks=1");
        l.add("#SBATCH --output=" + dir.toAbsolutePath().normalize().resolve("logs") + "/" + what + "-%a.out");
        if (o.partition() != null) l.add("#SBATCH --partition=" + o.partition());
        if (o.time() != null) l.add("#SBATCH --time=" + o.time());
        if (o.cpusPerTask() > 0) l.add("#SBATCH --cpus-per-task=" + o.cpusPerTask());
        if (o.gpusPerTask() > 0) l.add("#SBATCH --gpus-per-task=" + o.gpusPerTask());
        if (o.mem() != null) l.add("#SBATCH --mem=" + o.mem());
        for (String e : o.extra()) l.add("#SBATCH " + e);
        l.add("set -euo pipefail");
        l.add("exec " + command);
        return String.join("\n", l) + "\n";
    }

    /** Makes the shared state of prepare unit {@code unit} (a sparsity of a sweep; 0 for a single experiment). */
    public void prepare(int unit) throws IOException {
        List<String> folders = SweepCells.prepareFolders(config);
        if (unit < 0 || unit >= folders.size())
            throw new IllegalArgumentException("--prepare " + unit + ": " + config.name() + " has prepare units 0.." + (folders.size() - 1));
        checkCells();
        say("prepare unit %d of %d%s", unit, folders.size(), folders.get(unit).isEmpty() ? "" : " (" + folders.get(unit) + ")");
        experiment(folders.get(unit)).prepareOnly();
    }

    /** Runs cell {@code k} (making the shared state first when it is missing); returns its run. */
    public ai.lethe.report.MethodRun runCell(int k) throws IOException {
        List<SweepCells.Cell> cells = SweepCells.of(config);
        if (k < 0 || k >= cells.size())
            throw new IllegalArgumentException("--cell " + k + ": " + config.name() + " has cells 0.." + (cells.size() - 1));
        checkCells();
        SweepCells.Cell c = cells.get(k);
        say("cell %d of %d: %s", k, cells.size(), c.describe());
        return experiment(c.folder()).runCell(c.method(), c.seed());
    }

    /** The merged report and the cells that have not finished (by number and description). */
    public record Merged(Object report, List<String> missing) {}

    /**
     * Merges the finished cells into the usual report (report.md/json/svg in OUT, for a sweep the sweep report with
     * the sparsities whose prepare step has run) and returns it with the missing cells.
     */
    public Merged report() throws IOException {
        List<SweepCells.Cell> cells = SweepCells.of(config);
        List<String> missing = new ArrayList<>();
        for (SweepCells.Cell c : cells)
            if (!Files.isRegularFile(out.resolve(c.result()))) missing.add(c.index() + " (" + c.describe() + ")");
        Object report;
        if (!config.isSweep()) {
            Optional<Experiment.Merged> m = experiment("").merge();
            if (m.isEmpty())
                throw new IllegalStateException("nothing to merge in " + out + ": the prepare step has not run (no " + Experiment.PREPARED_FILE + ")");
            Report r = m.get().report();
            ReportWriter.write(r, out);
            report = r;
        } else {
            List<SweepReport.Point> points = new ArrayList<>();
            Map<String, String> setup = null;
            for (double s : config.sweep()) {
                Optional<Experiment.Merged> m = experiment(SparsitySweep.folder(s)).merge();
                if (m.isEmpty()) continue;
                points.add(new SweepReport.Point(s, SparsitySweep.folder(s), m.get().original(), m.get().report()));
                if (setup == null) {
                    setup = new LinkedHashMap<>(m.get().report().setup());
                    setup.remove("missing cells");
                    setup = SparsitySweep.sweepSetup(config, setup);
                }
            }
            if (points.isEmpty())
                throw new IllegalStateException("nothing to merge in " + out + ": no sparsity's prepare step has run (no " + Experiment.PREPARED_FILE + ")");
            if (!missing.isEmpty()) setup.put("missing cells", missing.size() + " of " + cells.size() + ": " + String.join(", ", missing));
            SweepReport r = new SweepReport(config.name(), setup, points);
            r.write(out);
            report = r;
        }
        say("merged %d of %d cells into %s, %s and %s%s", cells.size() - missing.size(), cells.size(), out.resolve("report.md"),
                out.resolve("report.json"), out.resolve("report.svg"), missing.isEmpty() ? "" : "; missing: " + String.join(", ", missing));
        return new Merged(report, List.copyOf(missing));
    }

    /** Refuses to run a cell when OUT/slurm/cells.json numbers the cells differently from the config now. */
    private void checkCells() throws IOException {
        Path f = out.resolve(FOLDER).resolve(CELLS_FILE);
        if (Files.isRegularFile(f)) SweepCells.checkSame(config, Files.readString(f), f.toString());
    }

    private Experiment experiment(String folder) {
        if (folder.isEmpty()) return new Experiment(config, out, device, workers, log, progress);
        double s = config.sweep().stream().filter(x -> SparsitySweep.folder(x).equals(folder)).findFirst().orElseThrow();
        return new Experiment(config.atSparsity(s), out.resolve(folder), device, workers, log, progress);
    }

    private static void write(Path file, String text) throws IOException {
        AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A shell word: as is when it holds only safe characters, else single-quoted. */
    static String quote(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_./:=,+@%-]+")) return s;
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String sanitize(String s) { return s.replaceAll("[^A-Za-z0-9._-]", "_"); }

    private void say(String format, Object... args) {
        log.println(String.format(Locale.ROOT, format, args));
        log.flush();
    }
}
