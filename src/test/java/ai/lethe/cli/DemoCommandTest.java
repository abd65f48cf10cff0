// `lethe demo --fast` (issue 8's CI check): on Fashion-MNIST it finishes, prints the table, and its report has
// every method it ran — Retrain and the default methods. Checked by value: every metric is a fraction in [0, 1];
// the printed table shows exactly report.json's values; report.svg parses and names every method; against the
// original's metrics in the same report, the original knows class 3, Retrain erases it and keeps the rest, and
// FF with zero-class-row (which zeroes the class's output row) erases it too at a bounded cost. The other methods
// are not bounded here: --fast cuts them to a few steps on a one-epoch model ("its numbers only show that
// everything runs"); measured forget-test / TA from an original of 0.82 / 0.70: retrain 0.00/0.72, ff 0.00/0.62,
// ssd α 8 0.00/0.33, ft 0.02/0.45, l1-sparse 0.14/0.62, iu 0.18/0.71, ga 0.82/0.70 (one step), bad-teacher
// 0.82/0.68 (three steps) — their behaviour is asserted by the acceptance tests on the real task.
// A second call with other settings in the same folder is refused (use --fresh), and a bad --method is a usage
// error.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.unlearn.FashionForgetTask;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
    @Test void fastDemoReportsEveryMethodWithMetricsThatMeanSomething(@TempDir Path dir) throws Exception {
        FashionForgetTask.assumeAvailable();
        Path out = dir.resolve("demo");
        Cli.Result r = Cli.run("--device", "cpu", "demo", "--fast", "--out", out.toString(), "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        System.out.println(r.out());
        JsonNode report = JsonMapper.builder().build().readTree(out.resolve("report.json").toFile());
        ReportChecks.assertFractions(report);
        Map<String, JsonNode> runs = ReportChecks.runs(report);
        List<String> methods = new ArrayList<>();
        for (String label : runs.keySet()) methods.add(label.replaceFirst("\\[.*", ""));
        List<String> expected = new ArrayList<>(List.of("retrain"));
        expected.addAll(DemoCommand.DEFAULT_METHODS);
        assertEquals(expected.stream().sorted().toList(), methods.stream().sorted().toList());
        ReportChecks.assertTableAgrees(r.out(), report);
        ReportChecks.assertChart(out.resolve("report.svg"), List.copyOf(runs.keySet()));

        ReportChecks.Original original = ReportChecks.original(report);
        System.out.println("original: " + original);
        for (var e : runs.entrySet())
            System.out.printf("%s: forget-test %.3f UA %.3f RA %.3f TA %.3f%n", e.getKey(), e.getValue().get("forgetTestAccuracy").asDouble(),
                    e.getValue().get("ua").asDouble(), e.getValue().get("ra").asDouble(), e.getValue().get("ta").asDouble());

        ReportChecks.assertRetrainForgetsAndKeeps(report);
        JsonNode ff = runs.get("ff[fisher-samples=500,zero-class-row=true]");
        assertNotNull(ff, "the demo runs FF with zero-class-row: " + runs.keySet());
        assertTrue(ff.get("forgetTestAccuracy").asDouble() <= 0.25 * original.forgetTest(), "ff forget-test accuracy " + ff);
        assertTrue(ff.get("ta").asDouble() >= 0.75 * original.ta(), "ff TA against the original's " + original.ta() + ": " + ff);

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
