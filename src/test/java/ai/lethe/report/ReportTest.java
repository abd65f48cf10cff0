// The report writers on a hand-made experiment (Retrain and two methods over seeds): the Markdown and console
// tables show mean ± sample std computed here independently, the JSON round-trips, report.svg parses as XML and has
// exactly one radar group per method, and an interrupted experiment re-renders from report.json.
package ai.lethe.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.eval.MetricSet;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ReportTest {
    // method, seed, UA, RA, TA, forget-test, MIA-efficacy, SSD MIA, seconds
    private static final Object[][] RUNS = {
            {"retrain", 1L, 1.00, 0.99, 0.94, 0.0, 1.00, 0.05, 100.0},
            {"ssd", 1L, 0.97, 0.96, 0.92, 0.02, 0.99, 0.10, 4.0},
            {"retrain", 2L, 0.98, 0.995, 0.93, 0.01, 0.97, 0.04, 110.0},
            {"ssd", 2L, 0.91, 0.95, 0.90, 0.05, 0.93, 0.12, 5.0},
            {"finetune <x&y>", 1L, 0.20, 0.98, 0.93, 0.70, Double.NaN, 0.50, 12.5},
    };

    static Report report() {
        Map<String, String> setup = new LinkedHashMap<>();
        setup.put("dataset", "cifar10");
        setup.put("forget", "class=3");
        List<MethodRun> runs = Arrays.stream(RUNS).map(r -> new MethodRun((String) r[0], (long) r[1],
                new MetricSet((double) r[2], (double) r[3], (double) r[4], (double) r[5], (double) r[6], (double) r[7]), (double) r[8],
                Double.NaN)).toList();
        return new Report("Forgetting class 3", setup, runs);
    }

    private static double mean(double... v) { return Arrays.stream(v).sum() / v.length; }

    private static double std(double... v) {
        double m = mean(v), ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        return v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0;
    }

    private static String pct(double... v) { return String.format(Locale.ROOT, "%.1f ± %.1f", 100 * mean(v), 100 * std(v)); }

    /** |a − b| averaged over UA, MIA-efficacy, RA, TA of two rows of RUNS. */
    private static double gap(Object[] a, Object[] b) {
        int[] cols = {2, 6, 3, 4};
        double s = 0;
        for (int c : cols) s += Math.abs((double) a[c] - (double) b[c]);
        return s / cols.length;
    }

    private static String[] row(String text, String method) {
        for (String line : text.split("\n"))
            if (line.startsWith("| " + method + " |")) return Arrays.stream(line.split("\\|")).map(String::trim).skip(1).toArray(String[]::new);
        throw new AssertionError("no row for " + method + " in\n" + text);
    }

    @Test
    void markdownTableShowsMeanAndStdOverSeeds() {
        String md = MarkdownReport.render(report());
        String[] retrain = row(md, "retrain"), ssd = row(md, "ssd"), ft = row(md, "finetune <x&y>");
        assertTrue(md.indexOf("| retrain |") < md.indexOf("| ssd |"), "Retrain comes first");
        assertEquals("2", ssd[1]);
        assertEquals(pct(0.97, 0.91), ssd[2]);
        assertEquals(pct(0.99, 0.93), ssd[3]);
        assertEquals(pct(0.96, 0.95), ssd[4]);
        assertEquals(pct(0.92, 0.90), ssd[5]);
        assertEquals(String.format(Locale.ROOT, "%.2f ± %.2f", mean(4, 5), std(4, 5)), ssd[6]);
        assertEquals(String.format(Locale.ROOT, "%.3f ± %.3f", mean(4 / 100.0, 5 / 110.0), std(4 / 100.0, 5 / 110.0)), ssd[7]);
        assertEquals(pct(gap(RUNS[1], RUNS[0]), gap(RUNS[3], RUNS[2])), ssd[8]); // same-seed Retrain
        assertEquals(pct(1.00, 0.98), retrain[2]);
        assertEquals("0.0 ± 0.0", retrain[8]);
        assertEquals("-", ft[3]); // MIA-efficacy undefined for its only run
        // seed 1 has a Retrain run: the gap averages over the three defined metrics of the four
        double ftGap = (Math.abs(0.20 - 1.00) + Math.abs(0.98 - 0.99) + Math.abs(0.93 - 0.94)) / 3;
        assertEquals(pct(ftGap), ft[8]);
        assertEquals(String.format(Locale.ROOT, "%.3f ± %.3f", 0.125, 0.0), ft[7]);
    }

    @Test
    void consoleTableHasTheSameCells() {
        String text = ConsoleTable.render(report());
        String[] lines = text.split("\n");
        assertEquals(2 + 3, lines.length); // header, rule, three methods
        assertTrue(lines[0].startsWith("Method") && lines[1].matches("-+"));
        assertEquals(lines[0].length(), lines[2].length(), "columns are padded to one width");
        assertTrue(lines[3].startsWith("ssd ") && lines[3].contains(pct(0.97, 0.91)) && lines[3].endsWith(pct(gap(RUNS[1], RUNS[0]), gap(RUNS[3], RUNS[2]))));
    }

    @Test
    void jsonRoundTripsAndRerendersFromTheFolder(@TempDir Path dir) throws Exception {
        Report r = report();
        Report back = Report.fromJson(r.toJson());
        assertEquals(r.title(), back.title());
        assertEquals(List.copyOf(r.setup().entrySet()), List.copyOf(back.setup().entrySet()));
        assertEquals(r.runs().size(), back.runs().size());
        for (int i = 0; i < r.runs().size(); i++) {
            MethodRun a = r.runs().get(i), b = back.runs().get(i);
            assertEquals(a.method(), b.method());
            assertEquals(a.seed(), b.seed());
            assertEquals(a.seconds(), b.seconds());
            assertTrue(Double.isNaN(b.sparsity()));
            assertEquals(Arrays.toString(a.metrics().values()), Arrays.toString(b.metrics().values())); // NaN survives as null
        }
        ReportWriter.write(r, dir);
        for (String f : List.of("report.md", "report.json", "report.svg")) assertTrue(Files.size(dir.resolve(f)) > 0, f);
        assertEquals(r.toJson(), Report.read(dir).toJson());
        assertEquals(MarkdownReport.render(r), Files.readString(dir.resolve("report.md")));
        assertTrue(r.toJson().contains("\"summary\""));
    }

    @Test
    void svgIsXmlWithOneRadarPerMethodAndOneBarChartPerMetric() throws Exception {
        String svg = SvgReport.render(report());
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", doc.getDocumentElement().getLocalName());
        NodeList groups = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "g");
        List<String> radars = new java.util.ArrayList<>(), bars = new java.util.ArrayList<>();
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (g.getAttribute("class").equals("radar")) radars.add(g.getAttribute("data-method"));
            if (g.getAttribute("class").equals("bars")) bars.add(g.getAttribute("data-metric"));
        }
        assertEquals(List.of("retrain", "ssd", "finetune <x&y>"), radars);
        assertEquals(List.of("ua", "miaEfficacy", "ra", "ta", "seconds", "gap"), bars);
    }

    @Test
    void emptyReportStillRenders() throws Exception {
        Report empty = new Report("nothing yet", Map.of(), List.of());
        assertTrue(MarkdownReport.render(empty).contains("| Method |"));
        DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(SvgReport.render(empty).getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, Report.fromJson(empty.toJson()).runs().size());
    }
}
