// Checks of an experiment's or demo's outputs by value, shared by DemoCommandTest and ExperimentCommandTest:
// every metric is a fraction in [0, 1]; the original model's metrics (the report's setup line "original model")
// are read back so that the runs can be related to them; a results table (console or report.md) shows exactly
// the JSON's values (one seed: "12.3 ± 0.0"); the SVG chart exists, parses, and names every method.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;

final class ReportChecks {
    private ReportChecks() {}

    /** The original model's metrics as fractions. */
    record Original(double ua, double miaEfficacy, double ra, double ta, double forgetTest) {}

    private static final Pattern ORIGINAL = Pattern.compile(
            "UA ([0-9.]+)%, MIA-efficacy ([0-9.]+)%, RA ([0-9.]+)%, TA ([0-9.]+)%, forget-test accuracy ([0-9.]+)%");

    /** The original's metrics from the report's setup (printed with one decimal: ±0.0005 of the measured). */
    static Original original(JsonNode report) {
        String line = report.path("setup").path("original model").asText();
        Matcher m = ORIGINAL.matcher(line);
        assertTrue(m.find(), "the report's setup has the original model's metrics: '" + line + "'");
        double[] v = new double[5];
        for (int i = 0; i < 5; i++) v[i] = Double.parseDouble(m.group(i + 1)) / 100;
        for (double x : v) assertTrue(x >= 0 && x <= 1, "original model: " + line);
        return new Original(v[0], v[1], v[2], v[3], v[4]);
    }

    /**
     * Class forgetting, related to the original in the same report: the original knows the class (forget-test
     * accuracy at least 0.5, so a drop is measurable), and Retrain — which never sees it — is at most a quarter of
     * that and keeps at least 75% of the original's test accuracy on the other classes.
     */
    static void assertRetrainForgetsAndKeeps(JsonNode report) {
        Original o = original(report);
        assertTrue(o.forgetTest() >= 0.5, "the original knows the forget class: forget-test accuracy " + o.forgetTest());
        JsonNode retrain = runs(report).get("retrain");
        assertNotNull(retrain, "the report has Retrain");
        double f = retrain.get("forgetTestAccuracy").asDouble(), ta = retrain.get("ta").asDouble();
        assertTrue(f <= 0.25 * o.forgetTest(), "retrain forget-test accuracy " + f + " against the original's " + o.forgetTest());
        assertTrue(retrain.get("ua").asDouble() > o.ua(), "retrain UA above the original's " + o.ua());
        assertTrue(ta >= 0.75 * o.ta(), "retrain TA " + ta + " against the original's " + o.ta());
    }

    /** Each run's metrics by method label. */
    static Map<String, JsonNode> runs(JsonNode report) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode run : report.get("runs")) out.put(run.get("method").asText(), run.get("metrics"));
        return out;
    }

    /** Every defined metric of every run lies in [0, 1]; UA, RA, TA, MIA-efficacy and forget-test accuracy are defined. */
    static void assertFractions(JsonNode report) {
        for (JsonNode run : report.get("runs")) {
            String m = run.get("method").asText();
            for (String k : List.of("ua", "ra", "ta", "miaEfficacy", "forgetTestAccuracy")) {
                JsonNode v = run.get("metrics").get(k);
                assertTrue(v != null && v.isNumber(), m + " " + k + " = " + v);
            }
            run.get("metrics").properties().forEach(e -> {
                if (e.getValue().isNull()) return;
                double x = e.getValue().asDouble();
                assertTrue(x >= 0 && x <= 1, m + " " + e.getKey() + " = " + x + " is not a fraction in [0, 1]");
            });
            assertTrue(run.get("seconds").asDouble() >= 0, m + " seconds");
        }
    }

    /**
     * The rows of a results table ({@code table}: the console table or report.md's) agree with the JSON: every
     * run's UA, MIA-efficacy, RA and TA, in percent with one decimal, ± 0.0 (one seed per method).
     */
    static void assertTableAgrees(String table, JsonNode report) {
        Map<String, List<String>> rows = new HashMap<>();
        for (String line : table.split("\n")) {
            String l = line.strip();
            if (l.startsWith("|")) l = l.substring(1, l.endsWith("|") ? l.length() - 1 : l.length());
            List<String> cells = new ArrayList<>();
            for (String c : l.split(l.contains("|") ? "\\|" : "\\s{2,}")) cells.add(c.strip());
            if (cells.size() >= 6) rows.put(cells.get(0).replace("**", "").replace("`", ""), cells);
        }
        for (JsonNode run : report.get("runs")) {
            String method = run.get("method").asText();
            List<String> cells = rows.get(method);
            assertNotNull(cells, "the table has a row for " + method + ":\n" + table);
            assertEquals("1", cells.get(1), method + ": seeds");
            String[] keys = {"ua", "miaEfficacy", "ra", "ta"};
            for (int i = 0; i < keys.length; i++) {
                String want = String.format(Locale.ROOT, "%.1f ± 0.0", 100 * run.get("metrics").get(keys[i]).asDouble());
                assertEquals(want, cells.get(2 + i), method + " " + keys[i] + ": the table shows what report.json holds");
            }
        }
    }

    /** The chart is a non-empty, well-formed SVG that names every method. */
    static void assertChart(Path svg, List<String> methods) throws Exception {
        assertTrue(Files.isRegularFile(svg) && Files.size(svg) > 0, svg + " exists and is not empty");
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        assertEquals("svg", doc.getDocumentElement().getTagName());
        String text = doc.getDocumentElement().getTextContent();
        for (String m : methods) assertTrue(text.contains(m), svg + " names " + m);
    }
}
