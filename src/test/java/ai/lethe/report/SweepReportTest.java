// The sweep report of the Trojan-cleanse study on hand-made runs: report.md's table holds, per sparsity, the
// original's and each method's SA (= TA), ASR and ASR non-target as mean ± std over seeds; report.json round-trips;
// report.svg is valid XML with one line chart per metric (ASR, ASR non-target, SA) and one polyline per method
// plus the original, whose points sit at the values' heights. A single experiment's report with ASR runs gets the
// two ASR columns after TA; one without keeps the papers' table unchanged.
package ai.lethe.report;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.eval.MetricSet;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
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

class SweepReportTest {
    static MetricSet m(double ta, double asr, double asrNt) { return new MetricSet(0.5, 0.8, ta, 0.5, 0.5, 0.1).withAttackSuccess(asr, asrNt); }

    static SweepReport sweep() {
        List<SweepReport.Point> points = new ArrayList<>();
        double[] sparsities = {0, 0.9};
        for (int k = 0; k < 2; k++) {
            List<MethodRun> runs = List.of(new MethodRun("retrain", 0, m(0.70, 0.10, 0.0), 10, sparsities[k]),
                    new MethodRun("ft", 0, m(0.68, 0.50 - 0.2 * k, 0.44), 5, sparsities[k]),
                    new MethodRun("ft", 1, m(0.66, 0.60 - 0.2 * k, 0.54), 5, sparsities[k]));
            points.add(new SweepReport.Point(sparsities[k], "sparsity-" + k, m(0.72, 0.80, 0.78 - 0.1 * k), new Report("s" + k, Map.of(), runs)));
        }
        return new SweepReport("badnets", Map.of("dataset", "x"), points);
    }

    @Test void tableHoldsTheValues() {
        String md = sweep().markdown();
        assertTrue(md.contains("| 0.00 | original (before unlearning) | - | 72.0 ± 0.0 | 80.0 ± 0.0 | 78.0 ± 0.0 |"), md);
        assertTrue(md.contains("| 0.90 | original (before unlearning) | - | 72.0 ± 0.0 | 80.0 ± 0.0 | 68.0 ± 0.0 |"), md);
        assertTrue(md.contains("| 0.00 | ft | 2 | 67.0 ± 1.4 | 55.0 ± 7.1 | 49.0 ± 7.1 |"), md);
        assertTrue(md.contains("| 0.90 | ft | 2 | 67.0 ± 1.4 | 35.0 ± 7.1 | 49.0 ± 7.1 |"), md);
        assertTrue(md.contains("| 0.90 | retrain | 1 | 70.0 ± 0.0 | 10.0 ± 0.0 | 0.0 ± 0.0 |"), md);
        assertTrue(md.contains("(sparsity-1/report.md)"), md);
    }

    @Test void jsonRoundTripsAndFilesAreWritten(@TempDir Path dir) throws Exception {
        SweepReport s = sweep();
        SweepReport back = SweepReport.fromJson(s.toJson());
        assertEquals(s.markdown(), back.markdown());
        assertEquals(s.svg(), back.svg());
        s.write(dir);
        for (String f : List.of("report.md", "report.json", "report.svg")) assertTrue(Files.isRegularFile(dir.resolve(f)), f);
    }

    @Test void svgHasOneLinePerMethodAndMetric() throws Exception {
        String svg = sweep().svg();
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        NodeList groups = doc.getElementsByTagName("g");
        List<String> charts = new ArrayList<>();
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (!g.getAttribute("class").equals("lines")) continue;
            charts.add(g.getAttribute("data-metric"));
            NodeList lines = g.getElementsByTagName("polyline");
            List<String> names = new ArrayList<>();
            for (int k = 0; k < lines.getLength(); k++) {
                Element l = (Element) lines.item(k);
                names.add(l.getAttribute("data-method"));
                assertEquals(2, l.getAttribute("points").split(" ").length, "one point per sparsity");
            }
            assertEquals(List.of(SweepReport.ORIGINAL, "retrain", "ft"), names);
            if (g.getAttribute("data-metric").equals("asr")) {
                // the original's ASR is 0.8 at both sparsities: both points at the same height, 80% of the plot up
                String[] pts = ((Element) lines.item(0)).getAttribute("points").split(" ");
                double y0 = Double.parseDouble(pts[0].split(",")[1]), y1 = Double.parseDouble(pts[1].split(",")[1]);
                assertEquals(y0, y1, 1e-9);
                assertEquals(50 + 40 + 200 - 0.8 * 200, y0, 0.1);
            }
        }
        assertEquals(List.of("asr", "asrNonTarget", "sa"), charts);
    }

    @Test void singleReportsGetAsrColumnsOnlyWithAsrRuns() {
        Report withAsr = new Report("r", Map.of(), List.of(new MethodRun("retrain", 0, m(0.7, 0.1, 0.05), 1, 0)));
        String md = MarkdownReport.render(withAsr);
        assertTrue(md.contains("| TA (%) | ASR (%) | ASR non-target (%) | RTE (s) |"), md);
        assertTrue(md.contains("| 70.0 ± 0.0 | 10.0 ± 0.0 | 5.0 ± 0.0 |"), md);
        assertTrue(ConsoleTable.render(withAsr).contains("ASR non-target (%)"));
        assertTrue(SvgReport.render(withAsr).contains("data-metric=\"asr\""));
        Report plain = new Report("r", Map.of(), List.of(new MethodRun("retrain", 0, new MetricSet(1, 0.9, 0.8, 0, 1, 0), 1, 0)));
        assertFalse(MarkdownReport.render(plain).contains("ASR"));
        assertFalse(SvgReport.render(plain).contains("data-metric=\"asr\""));
        assertFalse(plain.toJson().contains("\"asr\" : {"), "no ASR stats in a report without ASR");
        assertTrue(withAsr.toJson().contains("\"asr\" : {"));
    }
}
