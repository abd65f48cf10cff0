// `lethe experiment` end to end on a CI-sized protocol (Fashion-MNIST, 1,000 training images, a width-8
// ResNet18, one epoch): it trains the original, runs Retrain and the listed methods, writes report.md/json/svg
// (the SVG is valid XML with one radar per method; every run has finite metrics), and a second run resumes —
// nothing is recomputed and the report is the same. Bad configs are usage errors naming the key; nothing is
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
                train: {preset: ssd, epochs: 1, optimizer: adamw, lr: 0.002, weight_decay: 0.01, batch_size: 64, augment: false}
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
        List<String> seen = new ArrayList<>();
        for (JsonNode run : report.get("runs")) {
            seen.add(run.get("method").asText());
            for (String k : List.of("ua", "ra", "ta", "miaEfficacy")) {
                JsonNode v = run.get("metrics").get(k);
                assertTrue(v != null && v.isNumber() && Double.isFinite(v.asDouble()), run.get("method") + " " + k + " = " + v);
            }
            assertTrue(run.get("seconds").asDouble() > 0);
        }
        assertEquals(METHODS.stream().sorted().toList(), seen.stream().sorted().toList());

        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(out.resolve("report.svg").toFile());
        NodeList groups = doc.getElementsByTagName("g");
        int radars = 0;
        for (int i = 0; i < groups.getLength(); i++)
            if (((Element) groups.item(i)).getAttribute("class").equals("radar")) radars++;
        assertEquals(METHODS.size(), radars, "one radar per method");

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
