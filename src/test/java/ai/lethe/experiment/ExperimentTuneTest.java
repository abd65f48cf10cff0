// A tiny experiment with a tune: block (Fashion-MNIST, 1,000 training / 500 test images, the shared task's trained
// width-16 ResNet18 as the base model): GA (named in tune:) and SSD with alpha=auto are tuned first — OUT/tune/LABEL/
// holds one trials.jsonl line per trial (the budget, 2) and the chosen options —, the runs use the chosen options,
// and report.json / report.md state per method whether its hyper-parameters were defaults, given or tuned. The
// tune block's bad inputs are errors naming the key.
package ai.lethe.experiment;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.io.Checkpoint;
import ai.lethe.io.CheckpointInfo;
import ai.lethe.models.ImageModel;
import ai.lethe.report.Report;
import ai.lethe.tune.TuneResult;
import ai.lethe.unlearn.FashionForgetTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentTuneTest {
    static final String CONFIG = """
            name: tiny-tune
            dataset: fashion-mnist
            train_subset: 1000
            test_subset: 500
            base: base
            train: {preset: ssd, epochs: 1, optimizer: adamw, lr: 0.002, weight_decay: 0.01, batch_size: 64, augment: false}
            forget: class=3
            methods: [{name: ssd, options: {alpha: auto}}, {name: ga, options: {epochs: 1}}]
            tune: {methods: [ga], budget: 2}
            """;

    @Test void theTuneBlockParses(@TempDir Path dir) throws Exception {
        ExperimentConfig c = ExperimentConfig.read(Files.writeString(dir.resolve("t.yaml"), CONFIG));
        assertEquals(new ExperimentConfig.TuneSpec(List.of("ga"), 2, Double.NaN, 0), c.tune().orElseThrow());
        assertTrue(c.tune().get().covers("ga"));
        assertFalse(c.tune().get().covers("ssd"));
        assertFalse(c.tune().get().covers("retrain"));
        ExperimentConfig all = ExperimentConfig.read(Files.writeString(dir.resolve("a.yaml"), CONFIG.replace("tune: {methods: [ga], budget: 2}",
                "tune: {budget: 3, target: 0.2}")));
        assertTrue(all.tune().get().covers("ssd") && all.tune().get().covers("ga") && !all.tune().get().covers("retrain"));
        assertEquals(0.2, all.tune().get().target());
        assertTrue(ExperimentConfig.read(Files.writeString(dir.resolve("n.yaml"), CONFIG.replace("tune: {methods: [ga], budget: 2}\n", "")))
                .tune().isEmpty());
        Map<String, String> bad = Map.of(
                "tune: {methods: [ft], budget: 2}", "tune.methods",
                "tune: {methods: [retrain]}", "tune.methods",
                "tune: {budget: 0}", "budget",
                "tune: {target: 2}", "tune.target",
                "tune: {budgte: 2}", "budgte");
        for (var e : bad.entrySet()) {
            Path f = Files.writeString(dir.resolve("bad.yaml"), CONFIG.replace("tune: {methods: [ga], budget: 2}", e.getKey()));
            var x = assertThrows(IllegalArgumentException.class, () -> ExperimentConfig.read(f), e.getKey());
            assertTrue(x.getMessage().contains(e.getValue()), e.getKey() + ": " + x.getMessage());
        }
    }

    @Test void anExperimentTunesFirstAndReportsWhereItsHyperParametersCameFrom(@TempDir Path dir) throws Exception {
        FashionForgetTask task = FashionForgetTask.get();
        try (ImageModel m = task.original()) {
            Checkpoint.save(dir.resolve("base"), m, null, CheckpointInfo.of(m.config().toJson(), "fashion-mnist", 3, 0));
        }
        ExperimentConfig c = ExperimentConfig.read(Files.writeString(dir.resolve("t.yaml"), CONFIG));
        Path out = dir.resolve("out");
        StringWriter log = new StringWriter();
        Report r = new Experiment(c, out, new Device("cpu", 0), 2, new PrintWriter(log, true), List::of).run();
        System.out.println(log);
        for (String label : List.of("ssd[alpha=auto]", "ga[epochs=1]")) {
            Path t = out.resolve("tune").resolve(Experiment.folderName(label));
            assertEquals(2, Files.readAllLines(t.resolve(TuneResult.TRIALS_FILE)).size(), label + ": one line per trial, budget 2");
            assertTrue(Files.isRegularFile(t.resolve(TuneResult.OPTIONS_FILE)), label);
        }
        Map<String, String> chosenSsd = TuneResult.readChosen(out.resolve("tune").resolve(Experiment.folderName("ssd[alpha=auto]")));
        Map<String, String> chosenGa = TuneResult.readChosen(out.resolve("tune").resolve(Experiment.folderName("ga[epochs=1]")));
        assertEquals("1", chosenGa.get("epochs"), "a given option is held");
        assertTrue(chosenGa.containsKey("lr"));
        assertNotEquals("auto", chosenSsd.get("alpha"));
        Map<String, String> h = r.hyperParameters();
        assertEquals("defaults", h.get("retrain"));
        assertEquals("tuned (alpha=" + chosenSsd.get("alpha") + ")", h.get("ssd[alpha=auto]"));
        assertEquals("tuned (lr=" + chosenGa.get("lr") + ")", h.get("ga[epochs=1]"));
        // the runs used the chosen options
        String ssdRun = Files.readString(out.resolve("runs").resolve(Experiment.folderName("ssd[alpha=auto]")).resolve("seed-0").resolve("unlearn.json"));
        assertTrue(ssdRun.contains("\\\"alpha\\\":" + Double.parseDouble(chosenSsd.get("alpha"))), ssdRun);
        String gaRun = Files.readString(out.resolve("runs").resolve(Experiment.folderName("ga[epochs=1]")).resolve("seed-0").resolve("unlearn.json"));
        assertTrue(gaRun.contains("\\\"lr\\\":" + Double.parseDouble(chosenGa.get("lr"))), gaRun);
        // the report says so, and reads back
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("Hyper-parameters") && md.contains("tuned (lr="), md);
        assertEquals(h, Report.read(out).hyperParameters());
        // a second run reads the tuning back instead of tuning again
        StringWriter again = new StringWriter();
        new Experiment(c, out, new Device("cpu", 0), 2, new PrintWriter(again, true), List::of).run();
        assertTrue(again.toString().contains("done earlier"), again.toString());
        assertFalse(again.toString().contains("trial 1"), again.toString());
    }
}
