// `lethe demo --fast` (issue 8's CI check): on Fashion-MNIST it finishes, prints the table, and its report has
// every method it ran — Retrain and the default methods — with finite UA, MIA-efficacy, RA and TA; a second
// call with other settings in the same folder is refused (use --fresh), and a bad --method is a usage error.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.unlearn.FashionForgetTask;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
    @Test void fastDemoReportsEveryMethodWithFiniteMetrics(@TempDir Path dir) throws Exception {
        FashionForgetTask.assumeAvailable();
        Path out = dir.resolve("demo");
        Cli.Result r = Cli.run("--device", "cpu", "demo", "--fast", "--out", out.toString(), "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        System.out.println(r.out());
        JsonNode report = JsonMapper.builder().build().readTree(out.resolve("report.json").toFile());
        List<String> methods = new ArrayList<>();
        for (JsonNode run : report.get("runs")) {
            String m = run.get("method").asText().replaceFirst("\\[.*", "");
            methods.add(m);
            for (String k : List.of("ua", "ra", "ta", "miaEfficacy")) {
                JsonNode v = run.get("metrics").get(k);
                assertTrue(v != null && v.isNumber() && Double.isFinite(v.asDouble()), m + " " + k + " = " + v);
            }
        }
        List<String> expected = new ArrayList<>(List.of("retrain"));
        expected.addAll(DemoCommand.DEFAULT_METHODS);
        assertEquals(expected.stream().sorted().toList(), methods.stream().sorted().toList());
        for (String m : expected) assertTrue(r.out().contains(m), "the table lists " + m);
        assertTrue(Files.isRegularFile(out.resolve("report.svg")));

        Cli.Result other = Cli.run("--device", "cpu", "demo", "--fast", "--forget", "class=1", "--out", out.toString());
        assertEquals(2, other.code(), other.out() + other.err());
        assertTrue(other.err().contains("--fresh"), other.err());
    }

    @Test void anUnknownMethodIsAUsageError(@TempDir Path dir) {
        Cli.Result r = Cli.run("demo", "--fast", "--method", "ssd,forgetful", "--out", dir.resolve("d").toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("forgetful"), r.err());
    }
}
