// `lethe experiment --cell / --prepare / --report` on real Fashion-MNIST data (300 training images, a width-4
// ResNet18, one epoch; cells: retrain, ft, ga × seeds 0 and 1 = 6): (1) a whole run, then a copy of its folder with
// three cells' results removed merges (--report) into a report whose runs are exactly the whole run's runs of the
// cells present, same order and values, with the same setup and hyper-parameter lines plus a "missing cells" line
// naming the three; --cell then runs one missing cell into the folder (loading the original, not training it) and
// the next merge has it; (2) two cells started at once in a fresh folder without the prepare step train the original
// once (the other waits on the shared-state lock and loads it); (3) --prepare 0 makes the shared state and no run,
// and a later --cell finds it; (4) bad cell/prepare numbers and --report before anything ran are clear errors.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.experiment.Experiment;
import ai.lethe.experiment.ExperimentConfig;
import ai.lethe.experiment.SlurmSweep;
import ai.lethe.report.MethodRun;
import ai.lethe.report.Report;
import ai.lethe.unlearn.FashionForgetTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentSlurmTest {
    static final String CONFIG = """
            name: slurm-tiny
            dataset: fashion-mnist
            train_subset: 300
            test_subset: 200
            model: {arch: resnet18, width: 4}
            train: {preset: ssd, epochs: 1, optimizer: adamw, lr: 0.002, weight_decay: 0.01, batch_size: 32, augment: false}
            forget: class=3
            methods: [{name: ft, options: {epochs: 1}}, {name: ga, options: {epochs: 1}}]
            seeds: [0, 1]
            """;

    @Test void mergeOfPartialCellsEqualsTheWholeRunOnThePresentCells(@TempDir Path dir) throws Exception {
        FashionForgetTask.assumeAvailable();
        Path cfg = Files.writeString(dir.resolve("slurm-tiny.yaml"), CONFIG);
        Path whole = dir.resolve("whole");
        Cli.Result r = Cli.run("--device", "cpu", "experiment", cfg.toString(), "--out", whole.toString(), "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        Report full = Report.read(whole.resolve("report.json"));
        assertEquals(6, full.runs().size());

        // cells 1 (ft seed 0), 3 (retrain seed 1) and 5 (ga seed 1) have not finished
        Path part = dir.resolve("part");
        copyTree(whole, part);
        for (String f : List.of("report.json", "report.md", "report.svg")) Files.delete(part.resolve(f));
        for (String cell : List.of("runs/ft_epochs=1_/seed-0", "runs/retrain/seed-1", "runs/ga_epochs=1_/seed-1"))
            Files.delete(part.resolve(cell).resolve("unlearn.json"));
        Cli.Result m = Cli.run("--device", "cpu", "experiment", cfg.toString(), "--out", part.toString(), "--report");
        assertEquals(0, m.code(), m.out() + m.err());
        Report merged = Report.read(part.resolve("report.json"));
        List<MethodRun> present = new ArrayList<>(full.runs());
        present.removeIf(x -> (x.method().equals("ft[epochs=1]") && x.seed() == 0) || (x.method().equals("retrain") && x.seed() == 1)
                || (x.method().equals("ga[epochs=1]") && x.seed() == 1));
        assertEquals(present, merged.runs(), "the merged runs are the whole run's runs of the cells present, in order");
        assertEquals(full.hyperParameters(), merged.hyperParameters());
        var setup = new LinkedHashMap<>(merged.setup());
        String missing = setup.remove("missing cells");
        assertEquals("3 of 6: ft[epochs=1] seed 0, retrain seed 1, ga[epochs=1] seed 1", missing);
        assertEquals(full.setup(), setup);
        assertTrue(m.out().contains("missing cells (3): 1 (ft[epochs=1] seed 0), 3 (retrain seed 1), 5 (ga[epochs=1] seed 1)"), m.out());
        for (String f : List.of("report.md", "report.svg")) assertTrue(Files.isRegularFile(part.resolve(f)), f);
        assertTrue(Files.readString(part.resolve("report.md")).contains("missing cells"));
        ReportChecks.assertTableAgrees(m.out(), com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(part.resolve("report.json").toFile()));

        // --cell 1 runs ft seed 0 on the original trained earlier, into its own folder only
        Cli.Result c = Cli.run("--device", "cpu", "experiment", cfg.toString(), "--out", part.toString(), "--cell", "1", "--no-progress");
        assertEquals(0, c.code(), c.out() + c.err());
        assertTrue(c.out().contains("cell 1 of 6: ft[epochs=1] seed 0"), c.out());
        assertTrue(c.out().contains("trained earlier") && c.out().contains("evaluated earlier"), c.out());
        assertFalse(Files.exists(part.resolve("runs/retrain/seed-1/unlearn.json")), "only cell 1 ran");
        assertEquals(3, Report.read(part.resolve("report.json")).runs().size(), "the report is rewritten only by --report");
        Cli.Result m2 = Cli.run("--device", "cpu", "experiment", cfg.toString(), "--out", part.toString(), "--report");
        assertEquals(0, m2.code(), m2.out() + m2.err());
        Report merged2 = Report.read(part.resolve("report.json"));
        assertEquals(4, merged2.runs().size());
        MethodRun ft0 = merged2.runs().stream().filter(x -> x.method().equals("ft[epochs=1]") && x.seed() == 0).findFirst().orElseThrow();
        MethodRun ft0Whole = full.runs().stream().filter(x -> x.method().equals("ft[epochs=1]") && x.seed() == 0).findFirst().orElseThrow();
        System.out.println("ft seed 0, whole run: " + ft0Whole.metrics() + "\n          --cell 1:  " + ft0.metrics());
        assertEquals(ft0Whole.metrics().ta(), ft0.metrics().ta(), 0.02, "the same method, seed and original: the same test accuracy");
        assertEquals(ft0Whole.metrics().forgetTestAccuracy(), ft0.metrics().forgetTestAccuracy(), 0.05);
        assertEquals(1, merged2.runs().indexOf(ft0), "ft seed 0 is in its cell's place: " + merged2.runs());
    }

    @Test void concurrentCellsWithoutPrepareTrainTheOriginalOnce(@TempDir Path dir) throws Exception {
        FashionForgetTask.assumeAvailable();
        Path cfg = Files.writeString(dir.resolve("slurm-tiny.yaml"), CONFIG);
        ExperimentConfig config = ExperimentConfig.read(cfg);
        Path out = dir.resolve("out");
        StringWriter log0 = new StringWriter(), log1 = new StringWriter();
        var pool = Executors.newFixedThreadPool(2);
        try {
            Callable<MethodRun> a = () -> new SlurmSweep(config, out, Device.CPU, 0, new PrintWriter(log0), List::of).runCell(0);
            Callable<MethodRun> b = () -> new SlurmSweep(config, out, Device.CPU, 0, new PrintWriter(log1), List::of).runCell(2);
            Future<MethodRun> fa = pool.submit(a), fb = pool.submit(b);
            assertEquals("retrain", fa.get().method());
            assertEquals("ga[epochs=1]", fb.get().method());
        } finally {
            pool.shutdownNow();
        }
        String both = log0 + "\n" + log1;
        System.out.println(both);
        assertEquals(1, count(both, "starts training"), "the original is trained once:\n" + both);
        assertEquals(1, count(both, "original: trained earlier"), "the other cell loads it:\n" + both);
        assertEquals(1, count(both, "waiting for another run in this process"), both);
        assertTrue(Files.isRegularFile(out.resolve("runs/retrain/seed-0/unlearn.json")));
        assertTrue(Files.isRegularFile(out.resolve("runs/ga_epochs=1_/seed-0/unlearn.json")));
        try (Stream<Path> runs = Files.list(out.resolve("runs"))) {
            assertEquals(2, runs.count(), "only the two cells' folders");
        }
    }

    @Test void prepareMakesTheSharedStateAndNoRun(@TempDir Path dir) throws Exception {
        FashionForgetTask.assumeAvailable();
        Path cfg = Files.writeString(dir.resolve("slurm-tiny.yaml"), CONFIG);
        Path out = dir.resolve("out");
        Cli.Result early = Cli.run("--device", "cpu", "experiment", cfg.toString(), "--out", out.toString(), "--report");
        assertEquals(1, early.code(), early.out() + early.err());
        assertTrue(early.err().contains("the prepare step has not run"), early.err());
        for (String[] bad : List.of(new String[]{"--cell", "6"}, new String[]{"--prepare", "1"}, new String[]{"--cell", "0", "--report"})) {
            List<String> args = new ArrayList<>(List.of("--device", "cpu", "experiment", cfg.toString(), "--out", out.toString()));
            args.addAll(List.of(bad));
            Cli.Result e = Cli.run(args.toArray(String[]::new));
            assertEquals(2, e.code(), String.join(" ", bad) + ": " + e.out() + e.err());
            assertTrue(e.err().contains(bad[0].equals("--cell") && bad.length == 2 ? "has cells 0..5" : bad.length == 3 ? "at most one of"
                    : "has prepare units 0..0"), e.err());
        }
        Cli.Result p = Cli.run("--device", "cpu", "experiment", cfg.toString(), "--out", out.toString(), "--prepare", "0", "--no-progress");
        assertEquals(0, p.code(), p.out() + p.err());
        assertTrue(Files.isRegularFile(out.resolve(Experiment.PREPARED_FILE)));
        assertTrue(Files.isDirectory(out.resolve("original")));
        assertFalse(Files.exists(out.resolve("runs")), "prepare runs no cell");
        Cli.Result c = Cli.run("--device", "cpu", "experiment", cfg.toString(), "--out", out.toString(), "--cell", "4", "--no-progress");
        assertEquals(0, c.code(), c.out() + c.err());
        assertTrue(c.out().contains("original: trained earlier"), c.out());
        assertTrue(Files.isRegularFile(out.resolve("runs/ft_epochs=1_/seed-1/unlearn.json")));
        Cli.Result m = Cli.run("--device", "cpu", "experiment", cfg.toString(), "--out", out.toString(), "--report");
        assertEquals(0, m.code(), m.out() + m.err());
        assertEquals(1, Report.read(out.resolve("report.json")).runs().size());
    }

    static int count(String text, String what) { return text.split(java.util.regex.Pattern.quote(what), -1).length - 1; }

    static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }
}
