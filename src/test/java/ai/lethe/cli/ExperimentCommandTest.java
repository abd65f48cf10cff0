// `lethe experiment` end to end on a CI-sized protocol (Fashion-MNIST, 1,000 training images, a width-8
// ResNet18, two epochs at batch 16 — one epoch at 64, 16 steps, left a model that never predicted the forget
// class, so no forgetting could be measured): it trains the original, runs Retrain and the listed methods, writes
// report.md/json/svg, and a second run resumes — nothing is recomputed and the report is the same. Checked by
// value: every metric is a fraction in [0, 1]; report.md's table and the printed one show exactly report.json's
// values; the SVG is valid XML with one radar per method and names each; against the original's metrics in the
// same report (measured forget-test / TA 0.78 / 0.73): Retrain erases the class and keeps the rest (0.00 / 0.71);
// SSD at its default α 10, where the forget class is 10% of D (the structural limit, see
// FisherMethodsAcceptanceTest), leaves every metric as it was; one epoch of FT or GA does not make the class better
// known (0.72, 0.74) and keeps the test accuracy (0.77, 0.74). Bad configs are usage errors naming the key; nothing is
// written. `lethe unlearn` on the experiment's original writes a new folder and refuses to overwrite.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.unlearn.FashionForgetTask;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ExperimentCommandTest {
    static final List<String> METHODS = List.of("retrain", "ssd", "ga[epochs=1]", "ft[epochs=1]");

    static String config() {
        return """
                name: tiny
                dataset: fashion-mnist
                train_subset: 1000
                test_subset: 500
                model: {arch: resnet18, width: 8}
                train: {preset: ssd, epochs: 2, optimizer: adamw, lr: 0.002, weight_decay: 0.01, batch_size: 16, augment: false}
                forget: class=3
                methods: [ssd, {name: ga, options: {epochs: 1}}, {name: ft, options: {epochs: 1}}]
                seeds: [0]
                """;
    }

    @Test void runsEndToEndWritesTheReportAndResumes(@TempDir Path dir) throws Exception {
        FashionForgetTask.assumeAvailable();
        Path cfg = Files.writeString(dir.resolve("tiny.yaml"), config());
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("--device", "cpu", "experiment", cfg.toString(), "--out", out.toString(), "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        for (String f : List.of("report.md", "report.json", "report.svg")) assertTrue(Files.isRegularFile(out.resolve(f)), f);

        String md = Files.readString(out.resolve("report.md"));
        for (String m : METHODS) assertTrue(md.contains(m), "report.md lists " + m + ":\n" + md);

        JsonNode report = JsonMapper.builder().build().readTree(out.resolve("report.json").toFile());
        ReportChecks.assertFractions(report);
        Map<String, JsonNode> runs = ReportChecks.runs(report);
        assertEquals(METHODS.stream().sorted().toList(), runs.keySet().stream().sorted().toList());
        for (JsonNode run : report.get("runs")) assertTrue(run.get("seconds").asDouble() > 0);
        ReportChecks.assertTableAgrees(md, report);
        ReportChecks.assertTableAgrees(r.out(), report);
        ReportChecks.assertChart(out.resolve("report.svg"), METHODS);

        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(out.resolve("report.svg").toFile());
        NodeList groups = doc.getElementsByTagName("g");
        int radars = 0;
        for (int i = 0; i < groups.getLength(); i++)
            if (((Element) groups.item(i)).getAttribute("class").equals("radar")) radars++;
        assertEquals(METHODS.size(), radars, "one radar per method");

        ReportChecks.Original original = ReportChecks.original(report);
        System.out.println("original: " + original);
        for (var e : runs.entrySet())
            System.out.printf("%s: forget-test %.3f UA %.3f RA %.3f TA %.3f%n", e.getKey(), e.getValue().get("forgetTestAccuracy").asDouble(),
                    e.getValue().get("ua").asDouble(), e.getValue().get("ra").asDouble(), e.getValue().get("ta").asDouble());

        ReportChecks.assertRetrainForgetsAndKeeps(report);
        JsonNode ssd = runs.get("ssd");
        for (String k : List.of("ua", "ra", "ta", "forgetTestAccuracy")) {
            double o = switch (k) {
                case "ua" -> original.ua();
                case "ra" -> original.ra();
                case "ta" -> original.ta();
                default -> original.forgetTest();
            };
            assertEquals(o, ssd.get(k).asDouble(), 0.01, "ssd at alpha 10 (the structural limit) leaves " + k + " as it was");
        }
        for (String m : List.of("ft[epochs=1]", "ga[epochs=1]")) {
            JsonNode x = runs.get(m);
            assertTrue(x.get("forgetTestAccuracy").asDouble() <= original.forgetTest(), m + " forget-test accuracy against the original's "
                    + original.forgetTest() + ": " + x);
            assertTrue(x.get("ta").asDouble() >= original.ta() - 0.10, m + " TA against the original's " + original.ta() + ": " + x);
        }

        String before = Files.readString(out.resolve("report.json"));
        Cli.Result again = Cli.run("--device", "cpu", "experiment", cfg.toString(), "--out", out.toString(), "--no-progress");
        assertEquals(0, again.code(), again.out() + again.err());
        assertTrue(again.out().contains("trained earlier"), again.out());
        assertEquals(METHODS.size(), again.out().split("done earlier", -1).length - 1, again.out());
        assertEquals(before, Files.readString(out.resolve("report.json")));

        // lethe unlearn on the experiment's original: a new folder with the model, metrics and split
        Path u = dir.resolve("unlearned");
        Cli.Result un = Cli.run("--device", "cpu", "unlearn", "--model", out.resolve("original").toString(), "--forget", "class=3",
                "--method", "ssd", "--alpha", "10", "--lambda", "1", "--fisher-cache", dir.resolve("fisher.safetensors").toString(),
                "--out", u.toString());
        assertEquals(0, un.code(), un.out() + un.err());
        for (String f : List.of("checkpoint/model.safetensors", "unlearn.json", "split.json"))
            assertTrue(Files.isRegularFile(u.resolve(f)), f);
        assertTrue(Files.isRegularFile(dir.resolve("fisher.safetensors")));
        Cli.Result twice = Cli.run("--device", "cpu", "unlearn", "--model", out.resolve("original").toString(), "--forget", "class=3",
                "--method", "ssd", "--out", u.toString());
        assertEquals(2, twice.code());
        assertTrue(twice.err().contains("already exists"), twice.err());
    }

    @Test void badConfigsAreUsageErrorsAndWriteNothing(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Path unknownMethod = Files.writeString(dir.resolve("m.yaml"), config().replace("[ssd,", "[forgetful,"));
        Cli.Result r = Cli.run("experiment", unknownMethod.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("unknown unlearning method 'forgetful'"), r.err());
        Path badOption = Files.writeString(dir.resolve("o.yaml"), config().replace("{epochs: 1}}, {name: ft", "{epochs: -1}}, {name: ft"));
        r = Cli.run("experiment", badOption.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("epochs"), r.err());
        Path badKey = Files.writeString(dir.resolve("k.yaml"), config() + "colour: blue\n");
        r = Cli.run("experiment", badKey.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown key 'colour'"), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test void unlearnRefusesBadRequestsNamingTheOption(@TempDir Path dir) throws Exception {
        FashionForgetTask.assumeAvailable();
        Path base = dir.resolve("base");
        Cli.Result t = Cli.run("--device", "cpu", "train", "--model", "resnet18", "--width", "4", "--dataset", "fashion-mnist",
                "--subset", "200", "--epochs", "1", "--batch-size", "50", "--no-augment", "--out", base.toString());
        assertEquals(0, t.code(), t.out() + t.err());
        String[][] cases = {
                {"--forget", "class=10", "--method", "ssd"},
                {"--forget", "class=3", "--method", "nope"},
                {"--forget", "class=3", "--method", "ssd", "--alpha", "-1"},
                {"--forget", "indices=" + Files.writeString(dir.resolve("dup.txt"), "1\n1\n"), "--method", "ssd"},
                {"--forget", "random=200", "--method", "ssd"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("--device", "cpu", "unlearn", "--model", base.toString(), "--out", dir.resolve("u").toString()));
            args.addAll(List.of(c));
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.out() + r.err());
            assertFalse(Files.exists(dir.resolve("u")), "nothing written for " + String.join(" ", c));
        }
    }
}
