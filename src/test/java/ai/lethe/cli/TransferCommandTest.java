// Acceptance of `lethe transfer` on real data: a disjoint class split of Fashion-MNIST (source task: classes 0-5,
// trained with `lethe train --dataset fashion-mnist@0-5`; target task: classes 6-9). Checks that the probe learns from
// the features (trained features beat a randomly initialised model's, both far above chance), that the command runs end
// to end with given classes (original, SSD-unlearned and retrained rows; the forgotten classes' source accuracy falls,
// the retrained model never learnt them) and with the search (every candidate scored, the kept ones are those whose
// gain exceeds the threshold), writing report.md and report.json; and that bad arguments are usage errors.
// Needs Debian's dataset-fashion-mnist and the cpu backend; skips with the reason otherwise.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.experiment.TaskData;
import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.tensor.Generator;
import ai.lethe.testing.TestBackends;
import ai.lethe.transfer.FeatureSet;
import ai.lethe.transfer.LinearProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferCommandTest {
    @TempDir static Path dir;
    static Path run;

    @BeforeAll static void trainSource() {
        FashionMnistTrainingTest.requireData();
        TestBackends.requireCpu();
        run = dir.resolve("source");
        Cli.Result r = Cli.run("--device", "cpu", "train", "--model", "resnet18", "--width", "8", "--dataset", "fashion-mnist@0-5",
                "--subset", "3000", "--epochs", "2", "--batch-size", "64", "--optimizer", "adamw", "--lr", "0.002",
                "--weight-decay", "0.01", "--no-augment", "--seed", "0", "--workers", "1", "--out", run.toString());
        assertEquals(0, r.code(), r.out() + r.err());
    }

    @Test void trainedFeaturesProbeBetterThanRandomOnes() throws Exception {
        Pipeline target = Pipeline.load("fashion-mnist@6-9", false, 0);
        Dataset train = TaskData.balanced(target.data().train(), 1000, 0, "train"), test = TaskData.balanced(target.data().test(), 800, 0, "test");
        try (ImageModel trained = Checkpoint.openModel(run.resolve("checkpoint"), Device.CPU);
             ImageModel random = Models.create(trained.config(), new Generator(7)).to(Device.CPU)) {
            double[] acc = new double[2];
            ImageModel[] models = {trained, random};
            for (int m = 0; m < 2; m++) {
                FeatureSet f = FeatureSet.extract(models[m], train, target.evalTransform(), Device.CPU, 256, 1);
                LinearProbe.Fit fit = LinearProbe.fit(f, LinearProbe.Options.defaults());
                assertTrue(fit.converged(), fit.toString());
                acc[m] = fit.accuracy(FeatureSet.extract(models[m], test, target.evalTransform(), Device.CPU, 256, 1));
            }
            System.out.printf("probe on Fashion-MNIST 6-9: trained source features %.3f, random features %.3f%n", acc[0], acc[1]);
            assertTrue(acc[1] > 0.5, "random features " + acc[1] + " (chance 0.25)");
            assertTrue(acc[0] > acc[1], "trained " + acc[0] + " vs random " + acc[1]);
        }
    }

    @Test void givenClassesRunEndToEnd() throws Exception {
        Path out = dir.resolve("given");
        Cli.Result r = Cli.run("--device", "cpu", "transfer", "--model", run.toString(), "--forget-classes", "1,2", "--target-classes", "6-9",
                "--target-train-subset", "800", "--target-test-subset", "400", "--retrain-epochs", "2", "--workers", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("| original |") && r.out().contains("| unlearned (ssd) |") && r.out().contains("| retrained |"), r.out());
        JsonNode rep = JsonMapper.builder().build().readTree(out.resolve("report.json").toFile());
        assertTrue(Files.readString(out.resolve("report.md")).contains("Target acc."));
        assertEquals("[1,2]", rep.get("forgotten_classes").toString());
        JsonNode rows = rep.get("rows");
        assertEquals(3, rows.size());
        for (JsonNode row : rows) {
            double a = row.get("target_accuracy").asDouble();
            assertTrue(a > 0.5 && a <= 1, row.toString());
            assertTrue(row.get("probe_converged").asBoolean(), row.toString());
        }
        assertEquals(0, rows.get(0).get("prepare_seconds").asDouble());
        double originalForget = rows.get(0).get("source_forget_accuracy").asDouble();
        double unlearnedForget = rows.get(1).get("source_forget_accuracy").asDouble(), retrainedForget = rows.get(2).get("source_forget_accuracy").asDouble();
        assertTrue(rows.get(1).get("prepare_seconds").asDouble() > 0 && rows.get(2).get("prepare_seconds").asDouble() > 0);
        System.out.println(r.out());
        assertTrue(retrainedForget < 0.05, "the retrained model never saw classes 1 and 2, yet classifies " + retrainedForget + " of them");
        assertTrue(originalForget > 0.8, "the original classifies " + originalForget + " of classes 1 and 2");
        // SSD at the default alpha = 0.8·|D|/|Df| = 2.4 forgets part of them; how much depends on the trained model
        // (61% left in the first run; 0.88 -> 0.77 after the cpu batch-norm kernels' rounding changed): the bound is
        // relative to the original measured here, and a no-op (no change) fails it
        assertTrue(unlearnedForget < originalForget - 0.05, "SSD: " + originalForget + " -> " + unlearnedForget + " on the forgotten classes");
    }

    @Test void searchScoresEveryCandidate() throws Exception {
        Path out = dir.resolve("search");
        Cli.Result r = Cli.run("--device", "cpu", "transfer", "--model", run.toString(), "--search-classes", "--candidates", "0,3",
                "--target-classes", "6-9", "--target-train-subset", "600", "--target-test-subset", "300", "--no-retrain", "--workers", "1",
                "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        JsonNode s = JsonMapper.builder().build().readTree(out.resolve("report.json").toFile()).get("search");
        assertEquals(2, s.get("candidates").size());
        assertEquals(120, s.get("validation_rows").asInt());
        StringBuilder kept = new StringBuilder();
        for (JsonNode c : s.get("candidates")) {
            double gain = c.get("validation_accuracy").asDouble() - s.get("baseline_validation_accuracy").asDouble();
            assertEquals(gain, c.get("gain").asDouble(), 1e-12);
            assertEquals(gain > 0, c.get("kept").asBoolean(), c.toString());
            if (c.get("kept").asBoolean()) kept.append(kept.isEmpty() ? "" : ",").append(c.get("class").asInt());
        }
        JsonNode rep = JsonMapper.builder().build().readTree(out.resolve("report.json").toFile());
        assertEquals("[" + kept + "]", rep.get("forgotten_classes").toString());
        assertEquals(kept.isEmpty() ? 1 : 2, rep.get("rows").size());
    }

    @Test void badArgumentsAreUsageErrors() {
        String[][] bad = {
                {"--forget-classes", "1,9", "--target-classes", "6-9", "class 9 is outside [0, 6)"},
                {"--forget-classes", "0-5", "--target-classes", "6-9", "leaves nothing to retain"},
                {"--forget-classes", "1", "--target-classes", "5-7", "class 5 of fashion-mnist is also a source class"},
                {"--forget-classes", "1", "--target-classes", "6-9", "--method", "nope", "unknown method 'nope'"},
                {"--forget-classes", "1", "--validation-fraction", "1.5", "--target-classes", "6-9", "--validation-fraction"},
                {"--forget-classes", "1", "--target-classes", "x", "not a class list"},
        };
        for (String[] b : bad) {
            Path out = dir.resolve("bad");
            String[] args = new String[b.length - 1 + 7];
            String[] head = {"--device", "cpu", "transfer", "--model", run.toString(), "--out", out.toString()};
            System.arraycopy(head, 0, args, 0, head.length);
            System.arraycopy(b, 0, args, head.length, b.length - 1);
            Cli.Result r = Cli.run(args);
            assertEquals(2, r.code(), String.join(" ", b) + ": " + r.out() + r.err());
            assertTrue(r.err().contains(b[b.length - 1]), String.join(" ", b) + ": " + r.err());
            assertFalse(Files.exists(out), "nothing written");
        }
    }
}
