// The report of a sparsity sweep (the sparsity paper's Trojan-cleanse study: OMP to each sparsity, then every
// method forgets the poisoned samples): one point per sparsity with the original (pruned, backdoored) model's
// metrics before unlearning and that sparsity's own experiment Report. Rendered as
//   report.md   the setup, then one table: sparsity x (original, then each method) with SA (clean test accuracy =
//               TA), ASR, ASR non-target, UA, RA and RTE, mean ± std over seeds;
//   report.json {"format": "lethe-sweep/1", "title", "setup", "points": [{"sparsity", "folder", "original":
//               {MetricSet}, "report": {Report's JSON}}]};
//   report.svg  line charts of ASR, ASR non-target and SA against sparsity, one line per method and one for the
//               original model (<g class="lines" data-metric="asr">, <polyline data-method="...">), the sparsities
//               evenly spaced on the x axis.
package ai.lethe.report;

import ai.lethe.eval.MetricSet;
import ai.lethe.io.AtomicFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

public record SweepReport(String title, Map<String, String> setup, List<Point> points) {
    public static final String FORMAT = "lethe-sweep/1";
    /** The label of the original model's rows and lines. */
    public static final String ORIGINAL = "original (before unlearning)";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One sparsity: its folder (relative to the sweep's), the original model's metrics and the experiment's report. */
    public record Point(double sparsity, String folder, MetricSet original, Report report) {}

    public SweepReport {
        setup = Collections.unmodifiableMap(new LinkedHashMap<>(setup == null ? Map.of() : setup));
        points = List.copyOf(points);
    }

    static final List<String> HEADER = List.of("Sparsity", "Method", "Seeds", "SA (%)", "ASR (%)", "ASR non-target (%)", "UA (%)",
            "RA (%)", "RTE (s)");

    /** The rows of the table (see the header), the original first at each sparsity. */
    static List<List<String>> rows(SweepReport r) {
        List<List<String>> rows = new ArrayList<>();
        for (Point p : r.points) {
            String s = SvgReport.f("%.2f", p.sparsity());
            MetricSet o = p.original();
            rows.add(List.of(s, ORIGINAL, "-", Cells.percent(Stat.of(o.ta())), Cells.percent(Stat.of(o.asr())),
                    Cells.percent(Stat.of(o.asrNonTarget())), Cells.percent(Stat.of(o.ua())), Cells.percent(Stat.of(o.ra())), "-"));
            for (MethodSummary m : p.report().summary())
                rows.add(List.of(s, m.method(), Integer.toString(m.runs()), Cells.percent(m.ta()), Cells.percent(m.asr()),
                        Cells.percent(m.asrNonTarget()), Cells.percent(m.ua()), Cells.percent(m.ra()), Cells.plain(m.seconds(), 2)));
        }
        return rows;
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder("# ").append(title.replace("\n", " ")).append("\n\n");
        setup.forEach((k, v) -> sb.append("- **").append(k).append("**: ").append(v.replace("|", "\\|")).append('\n'));
        if (!setup.isEmpty()) sb.append('\n');
        sb.append(table());
        sb.append("""

                SA = clean test accuracy; ASR = accuracy on the whole test set with the trigger stamped and every label set \
                to the target (the reference's definition, so about 1/C without any backdoor); ASR non-target = the same \
                over the test images not of the target class; UA = 1 − accuracy on the poisoned samples with their poisoned \
                labels; RA = accuracy on the clean training samples; RTE = seconds of the unlearning call. Mean ± sample std \
                over seeds. The original row is the pruned, backdoored model before unlearning.
                """);
        sb.append("\nPer-sparsity reports:");
        for (Point p : points) sb.append(' ').append('[').append(SvgReport.f("%.2f", p.sparsity())).append("](").append(p.folder()).append("/report.md)");
        return sb.append('\n').toString();
    }

    /** The table alone, as in report.md. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        row(sb, HEADER);
        sb.append('|');
        for (int i = 0; i < HEADER.size(); i++) sb.append(i <= 1 ? " --- |" : " ---: |");
        sb.append('\n');
        for (List<String> r : rows(this)) row(sb, r);
        return sb.toString();
    }

    private static void row(StringBuilder sb, List<String> cells) {
        sb.append('|');
        for (String c : cells) sb.append(' ').append(c.replace("|", "\\|")).append(" |");
        sb.append('\n');
    }

    private record Chart(String key, String title, ToDoubleFunction<MetricSet> original, java.util.function.Function<MethodSummary, Stat> method) {}

    private static final List<Chart> CHARTS = List.of(new Chart("asr", "ASR (%) vs sparsity", MetricSet::asr, MethodSummary::asr),
            new Chart("asrNonTarget", "ASR non-target (%) vs sparsity", MetricSet::asrNonTarget, MethodSummary::asrNonTarget),
            new Chart("sa", "SA (%) vs sparsity", MetricSet::ta, MethodSummary::ta));
    private static final int W = 420, H = 320, LEFT = 50, TOP = 50, PLOT_W = 300, PLOT_H = 200;

    /** The series names: the original, then every method in order of first appearance. */
    List<String> series() {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        names.add(ORIGINAL);
        for (Point p : points) for (MethodSummary m : p.report().summary()) names.add(m.method());
        return List.copyOf(names);
    }

    /** The value of series {@code name} at point {@code p} as a fraction (NaN when absent). */
    private static double value(Chart c, Point p, String name) {
        if (name.equals(ORIGINAL)) return c.original().applyAsDouble(p.original());
        for (MethodSummary m : p.report().summary()) if (m.method().equals(name)) return c.method().apply(m).mean();
        return Double.NaN;
    }

    public String svg() {
        List<String> series = series();
        int legendH = 16 * series.size() + 20;
        int width = CHARTS.size() * W, height = 40 + H + legendH;
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(SvgReport.f("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">\n", width, height, width, height));
        sb.append(SvgReport.f("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height));
        sb.append(SvgReport.f("<text x=\"10\" y=\"24\" font-size=\"16\">%s</text>\n", SvgReport.xml(title)));
        for (int c = 0; c < CHARTS.size(); c++) chart(sb, CHARTS.get(c), series, c * W, 40);
        int y = 40 + H;
        for (int i = 0; i < series.size(); i++) {
            String color = SvgReport.COLORS[i % SvgReport.COLORS.length];
            sb.append(SvgReport.f("<g class=\"legend\"><line x1=\"20\" y1=\"%d\" x2=\"44\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>"
                    + "<text x=\"50\" y=\"%d\">%s</text></g>\n", y + 16 * i, y + 16 * i, color, i == 0 ? " stroke-dasharray=\"4 3\"" : "",
                    y + 16 * i + 4, SvgReport.xml(series.get(i))));
        }
        return sb.append("</svg>\n").toString();
    }

    private void chart(StringBuilder sb, Chart c, List<String> series, int x0, int y0) {
        int left = x0 + LEFT, top = y0 + TOP;
        sb.append(SvgReport.f("<g class=\"lines\" data-metric=\"%s\">\n", c.key()));
        sb.append(SvgReport.f("  <text x=\"%d\" y=\"%d\" font-size=\"13\">%s</text>\n", left, y0 + 20, SvgReport.xml(c.title())));
        sb.append(SvgReport.f("  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top + PLOT_H, left + PLOT_W, top + PLOT_H));
        sb.append(SvgReport.f("  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top, left, top + PLOT_H));
        for (int pct = 0; pct <= 100; pct += 25) {
            double y = top + PLOT_H - PLOT_H * pct / 100.0;
            sb.append(SvgReport.f("  <text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>\n", left - 4, y + 4, pct));
            if (pct > 0) sb.append(SvgReport.f("  <line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>\n", left, y, left + PLOT_W, y));
        }
        int n = points.size();
        for (int k = 0; k < n; k++)
            sb.append(SvgReport.f("  <text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", xAt(left, k, n), top + PLOT_H + 16,
                    SvgReport.f("%.2f", points.get(k).sparsity())));
        sb.append(SvgReport.f("  <text x=\"%d\" y=\"%d\" text-anchor=\"middle\">sparsity</text>\n", left + PLOT_W / 2, top + PLOT_H + 32));
        for (int i = 0; i < series.size(); i++) {
            String color = SvgReport.COLORS[i % SvgReport.COLORS.length];
            StringBuilder pts = new StringBuilder();
            for (int k = 0; k < n; k++) {
                double v = value(c, points.get(k), series.get(i));
                if (!Double.isFinite(v)) continue;
                double x = xAt(left, k, n), y = top + PLOT_H - PLOT_H * Math.max(0, Math.min(1, v));
                pts.append(SvgReport.f("%.1f,%.1f ", x, y));
                sb.append(SvgReport.f("  <circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"><title>%s at %.2f: %.1f%%</title></circle>\n", x, y,
                        color, SvgReport.xml(series.get(i)), points.get(k).sparsity(), 100 * v));
            }
            sb.append(SvgReport.f("  <polyline data-method=\"%s\" points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
                    SvgReport.xml(series.get(i)), pts.toString().trim(), color, i == 0 ? " stroke-dasharray=\"4 3\"" : ""));
        }
        sb.append("</g>\n");
    }

    private static double xAt(int left, int k, int n) { return n == 1 ? left + PLOT_W / 2.0 : left + 10 + (PLOT_W - 20) * k / (double) (n - 1); }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("title", title);
        ObjectNode s = root.putObject("setup");
        setup.forEach(s::put);
        var ps = root.putArray("points");
        for (Point p : points) {
            ObjectNode o = ps.addObject();
            o.put("sparsity", p.sparsity());
            o.put("folder", p.folder());
            o.set("original", p.original().toJsonNode());
            try {
                o.set("report", JSON.readTree(p.report().toJson()));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses {@link #toJson()}'s form. */
    public static SweepReport fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("SweepReport.fromJson: not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !FORMAT.equals(root.path("format").asText(null)))
            throw new IllegalArgumentException("SweepReport.fromJson: format is not '" + FORMAT + "'");
        Map<String, String> setup = new LinkedHashMap<>();
        root.path("setup").properties().forEach(e -> setup.put(e.getKey(), e.getValue().asText()));
        List<Point> points = new ArrayList<>();
        for (JsonNode p : root.path("points")) {
            if (!p.path("sparsity").isNumber()) throw new IllegalArgumentException("SweepReport.fromJson: a point has no \"sparsity\"");
            points.add(new Point(p.get("sparsity").asDouble(), p.path("folder").asText(""), MetricSet.fromJsonNode(p.get("original")),
                    Report.fromJson(p.path("report").toString())));
        }
        return new SweepReport(root.path("title").asText(""), setup, points);
    }

    /** Writes report.md, report.json and report.svg into {@code dir} (created if needed), each atomically. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve(Report.JSON_FILE), toJson().getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve(ReportWriter.MARKDOWN_FILE), markdown().getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve(ReportWriter.SVG_FILE), svg().getBytes(StandardCharsets.UTF_8));
    }

    @Override public String toString() { return "SweepReport[" + title + ", " + points.size() + " sparsities]"; }
}
