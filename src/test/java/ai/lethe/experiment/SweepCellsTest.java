// The cell numbering of a Slurm sweep (SweepCells) and the job SlurmSweep writes, without data: cell K of a
// sparsity × request × seed × method config is the K-th in that nesting order (checked against the index formula
// for every cell); the numbering is the same after re-reading the config; a changed config is refused against the
// cells.json written earlier; the sbatch scripts hold the arrays, resources and commands; and submit.sh, run with
// a stand-in `sbatch` on PATH, submits the prepare array first and the cells' array with
// --dependency=afterok:<prepare job id>, and each script's command runs the launcher with --prepare/--cell K.
// The sweep's merge, on result files written as the cells write them (no training): only the sparsities whose
// prepare step ran become points, each with exactly the cells present in cell order, and the missing cells (those of
// unprepared sparsities included) are listed by number.
package ai.lethe.experiment;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepCellsTest {
    static final String SWEEP = """
            name: cells
            dataset: fashion-mnist
            model: {arch: resnet18, width: 4}
            train: {epochs: 1}
            forget: class=3
            prune: {method: omp, sparsity: [0, 0.9, 0.95]}
            methods: [ssd, {name: ga, options: {epochs: 1}}]
            seeds: [0, 1]
            """;

    static ExperimentConfig parse(String yaml) throws Exception {
        return ExperimentConfig.parse(new YAMLMapper().readTree(yaml), "cells", Path.of("."), "test.yaml");
    }

    @Test void cellsAreNumberedSparsityRequestSeedMethod() throws Exception {
        ExperimentConfig c = parse(SWEEP);
        List<SweepCells.Cell> cells = SweepCells.of(c);
        List<String> methods = List.of("retrain", "ssd", "ga[epochs=1]");
        List<Double> sparsities = List.of(0.0, 0.9, 0.95);
        List<Long> seeds = List.of(0L, 1L);
        assertEquals(3 * 1 * 2 * 3, cells.size());
        for (int si = 0; si < 3; si++)
            for (int ki = 0; ki < 2; ki++)
                for (int mi = 0; mi < 3; mi++) {
                    int k = (si * 2 + ki) * 3 + mi;   // one request
                    SweepCells.Cell cell = cells.get(k);
                    assertEquals(k, cell.index());
                    assertEquals(sparsities.get(si), cell.sparsity());
                    assertEquals(seeds.get(ki), cell.seed());
                    assertEquals(methods.get(mi), cell.method());
                    assertEquals("class=3", cell.request());
                    assertEquals(SparsitySweep.folder(sparsities.get(si)), cell.folder());
                }
        assertEquals("sparsity-0.9/runs/ga_epochs=1_/seed-1/unlearn.json", cells.get(11).result());
        assertEquals(List.of("sparsity-0", "sparsity-0.9", "sparsity-0.95"), SweepCells.prepareFolders(c));
        assertEquals(cells, SweepCells.of(parse(SWEEP)), "the same config numbers the cells the same");

        ExperimentConfig single = parse(SWEEP.replace("prune: {method: omp, sparsity: [0, 0.9, 0.95]}\n", ""));
        List<SweepCells.Cell> one = SweepCells.of(single);
        assertEquals(6, one.size());
        assertTrue(Double.isNaN(one.get(4).sparsity()));
        assertEquals("runs/ssd/seed-1/unlearn.json", one.get(4).result());
        assertEquals(List.of(""), SweepCells.prepareFolders(single));

        JsonNode json = JsonMapper.builder().build().readTree(SweepCells.toJson(c));
        assertEquals(SweepCells.FORMAT, json.get("format").asText());
        assertEquals(18, json.get("cells").size());
        assertEquals("ga[epochs=1]", json.get("cells").get(11).get("method").asText());
        assertEquals(0.9, json.get("cells").get(11).get("sparsity").asDouble());
        assertEquals(3, json.get("prepare").size());

        SweepCells.checkSame(c, SweepCells.toJson(c), "cells.json");
        var moreSeeds = parse(SWEEP.replace("seeds: [0, 1]", "seeds: [0, 1, 2]"));
        var e = assertThrows(IllegalArgumentException.class, () -> SweepCells.checkSame(moreSeeds, SweepCells.toJson(c), "cells.json"));
        assertTrue(e.getMessage().contains("lists 18 cells but the config has 27"), e.getMessage());
        var reordered = parse(SWEEP.replace("[ssd, {name: ga, options: {epochs: 1}}]", "[{name: ga, options: {epochs: 1}}, ssd]"));
        e = assertThrows(IllegalArgumentException.class, () -> SweepCells.checkSame(reordered, SweepCells.toJson(c), "cells.json"));
        assertTrue(e.getMessage().contains("cell 1 is ssd seed 0 there but ga[epochs=1] seed 0"), e.getMessage());
    }

    @Test void writesTheSbatchScriptsAndSubmitOrdersPrepareFirst(@TempDir Path dir) throws Exception {
        Path cfg = Files.writeString(dir.resolve("my config.yaml"), SWEEP);
        ExperimentConfig c = ExperimentConfig.read(cfg);
        Path out = dir.resolve("out");
        Path launcher = dir.resolve("fake-lethe");
        Files.writeString(launcher, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$LAUNCHED\"\n");
        assertTrue(launcher.toFile().setExecutable(true));
        var job = new SlurmSweep(c, out, Device.CPU, 0, new PrintWriter(new StringWriter()), List::of)
                .writeJob(cfg, new SlurmSweep.JobOptions("gpu", "01:30:00", 4, 1, "16G", 5, List.of("--account=lab"), launcher.toString(),
                        List.of("--device", "cuda")));
        assertEquals(18, job.cellCount());
        assertEquals(3, job.prepareCount());
        assertEquals(SweepCells.toJson(c), Files.readString(job.cells()));

        String cells = Files.readString(job.array());
        String logs = out.toAbsolutePath().normalize().resolve("slurm/logs").toString();
        for (String line : List.of("#!/bin/bash", "#SBATCH --job-name=lethe-cells-cells", "#SBATCH --array=0-17%5", "#SBATCH --ntasks=1",
                "#SBATCH --output=" + logs + "/cells-%a.out", "#SBATCH --partition=gpu", "#SBATCH --time=01:30:00", "#SBATCH --cpus-per-task=4",
                "#SBATCH --gpus-per-task=1", "#SBATCH --mem=16G", "#SBATCH --account=lab", "set -euo pipefail"))
            assertTrue(cells.lines().anyMatch(line::equals), "cells.sbatch has '" + line + "':\n" + cells);
        String prepare = Files.readString(job.prepare());
        assertTrue(prepare.lines().anyMatch("#SBATCH --array=0-2"::equals), prepare);
        assertTrue(prepare.contains("--prepare \"$SLURM_ARRAY_TASK_ID\""), prepare);
        assertTrue(cells.contains("--cell \"$SLURM_ARRAY_TASK_ID\""), cells);
        // every #SBATCH line comes before the first command (sbatch stops reading them there)
        List<String> lines = cells.lines().toList();
        int firstCommand = lines.indexOf("set -euo pipefail");
        for (int i = firstCommand; i < lines.size(); i++) assertFalse(lines.get(i).startsWith("#SBATCH"), cells);

        // the scripts' commands, run as a task would run them: the launcher gets the arguments as words
        Path launched = dir.resolve("launched.txt");
        for (var run : List.of(List.of(job.array().toString(), "7", "--cell"), List.of(job.prepare().toString(), "2", "--prepare"))) {
            ProcessBuilder pb = new ProcessBuilder("bash", run.get(0)).redirectErrorStream(true);
            pb.environment().put("SLURM_ARRAY_TASK_ID", run.get(1));
            pb.environment().put("LAUNCHED", launched.toString());
            Process q = pb.start();
            assertTrue(q.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, q.exitValue(), new String(q.getInputStream().readAllBytes()));
            assertEquals(List.of("--device", "cuda", "experiment", cfg.toAbsolutePath().normalize().toString(), "--out",
                    out.toAbsolutePath().normalize().toString(), "--no-progress", run.get(2), run.get(1)), Files.readAllLines(launched));
        }

        // submit.sh with a stand-in sbatch: prepare first, then the cells after it (afterok on its job id)
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path calls = dir.resolve("sbatch-calls.txt");
        Files.writeString(bin.resolve("sbatch"), """
                #!/bin/sh
                echo "$*" >> "$CALLS"
                n=$(wc -l < "$CALLS")
                echo "$((1000 + n));cluster"
                """);
        assertTrue(bin.resolve("sbatch").toFile().setExecutable(true));
        ProcessBuilder pb = new ProcessBuilder("sh", job.submit().toString()).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("CALLS", calls.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String said = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), said);
        assertEquals(List.of("--parsable prepare.sbatch", "--parsable --dependency=afterok:1001 cells.sbatch"), Files.readAllLines(calls));
        assertTrue(said.contains("prepare job 1001, cells job 1002 (18 tasks)"), said);
        assertTrue(said.contains("--report"), said);
    }

    @Test void aSweepMergesThePreparedSparsitiesAndListsTheMissingCells(@TempDir Path dir) throws Exception {
        ExperimentConfig c = parse(SWEEP);
        Path out = dir.resolve("out");
        var mapper = JsonMapper.builder().build();
        // sparsities 0 and 0.95 prepared; 0.9 not
        for (String folder : List.of("sparsity-0", "sparsity-0.95")) {
            var root = mapper.createObjectNode().put("format", "lethe-prepared/1").put("experiment", "cells");
            root.putObject("setup").put("dataset", "fashion-mnist").put("original model", folder).put("pruning", "x");
            root.putObject("hyperParameters").put("retrain", "defaults");
            root.set("original", new ai.lethe.eval.MetricSet(1, 0.9, 0.8, 0.7, 0.5, 0.5).withAttackSuccess(0.6, 0.55).toJsonNode());
            Files.createDirectories(out.resolve(folder));
            Files.writeString(out.resolve(folder).resolve(Experiment.PREPARED_FILE), mapper.writeValueAsString(root));
        }
        List<SweepCells.Cell> cells = SweepCells.of(c);
        List<Integer> done = List.of(0, 1, 4, 13, 17);   // 0, 1, 4: sparsity 0; 13, 17: sparsity 0.95; 7 (sparsity 0.9) done but unprepared
        for (int k : List.of(0, 1, 4, 13, 17, 7)) {
            SweepCells.Cell cell = cells.get(k);
            var run = mapper.createObjectNode().put("method", cell.method()).put("seed", cell.seed()).put("seconds", 1.0 + k)
                    .put("sparsity", Double.isNaN(cell.sparsity()) ? 0 : cell.sparsity());
            run.set("metrics", new ai.lethe.eval.MetricSet(0.1 * (k % 10), 0.5, 0.6, 0.1, 0.2, 0.3).withAttackSuccess(0.01 * k, 0.02).toJsonNode());
            Path f = out.resolve(cell.result());
            Files.createDirectories(f.getParent());
            Files.writeString(f, mapper.writeValueAsString(run));
        }
        var merged = new SlurmSweep(c, out, Device.CPU, 0, new PrintWriter(new StringWriter()), List::of).report();
        var report = (ai.lethe.report.SweepReport) merged.report();
        assertEquals(List.of(0.0, 0.95), report.points().stream().map(ai.lethe.report.SweepReport.Point::sparsity).toList());
        var p0 = report.points().get(0).report().runs();
        assertEquals(List.of("retrain 0", "ssd 0", "ssd 1"), p0.stream().map(r -> r.method() + " " + r.seed()).toList());
        assertEquals(0.1, p0.get(1).metrics().ua(), 1e-12);
        assertEquals(2.0, p0.get(1).seconds());
        var p95 = report.points().get(1).report().runs();
        assertEquals(List.of("ssd 0", "ga[epochs=1] 1"), p95.stream().map(r -> r.method() + " " + r.seed()).toList());
        assertEquals(0.6, report.points().get(1).original().asr(), 1e-12);
        List<String> missingNumbers = merged.missing().stream().map(m -> m.substring(0, m.indexOf(' '))).toList();
        List<String> expected = new java.util.ArrayList<>();   // cell 7's result exists: not missing, though its sparsity is not merged
        for (int k = 0; k < 18; k++) if (!done.contains(k) && k != 7) expected.add(Integer.toString(k));
        assertEquals(expected, missingNumbers);
        assertTrue(report.setup().get("missing cells").startsWith("12 of 18: "), report.setup().toString());
        assertFalse(report.setup().containsKey("original model"), "the per-sparsity line is not the sweep's");
        for (String f : List.of("report.md", "report.json", "report.svg")) assertTrue(Files.isRegularFile(out.resolve(f)), f);
        assertEquals(report, ai.lethe.report.SweepReport.fromJson(Files.readString(out.resolve("report.json"))));
    }
}
