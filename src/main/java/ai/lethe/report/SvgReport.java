// report.svg, hand-written SVG 1.1 text: one radar chart per method (<g class="radar" data-method="...">) and one
// bar chart per metric across methods (<g class="bars" data-metric="...">), from the per-method means.
// Radar axes, each from 0 (centre) to 1 (rim), higher is better for all but the forgetting metrics:
//   UA, MIA-Efficacy, RA, TA (fractions as measured) and Efficiency = 1 − mean RTE / the largest mean RTE of any
//   method in the report (so the slowest method, usually Retrain, sits at 0). An undefined value is drawn at 0.
// Bar charts: UA, MIA-Efficacy, RA, TA (in %), RTE (s) and Avg. Gap (pp), each bar with a ± std whisker; for a
// backdoored model's data also ASR and ASR non-target (in %).
package ai.lethe.report;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

public final class SvgReport {
    static final List<String> RADAR_AXES = List.of("UA", "MIA-Efficacy", "RA", "TA", "Efficiency");
    static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896"};
    private static final int RADAR = 240, RADAR_R = 70, BAR_W = 320, BAR_H = 240, PER_ROW = 4;

    private SvgReport() {}

    private record Bar(String key, String title, Function<MethodSummary, Stat> stat, double scale) {}

    private static final List<Bar> BARS = List.of(new Bar("ua", "UA (%)", MethodSummary::ua, 100),
            new Bar("miaEfficacy", "MIA-Efficacy (%)", MethodSummary::miaEfficacy, 100), new Bar("ra", "RA (%)", MethodSummary::ra, 100),
            new Bar("ta", "TA (%)", MethodSummary::ta, 100), new Bar("seconds", "RTE (s)", MethodSummary::seconds, 1),
            new Bar("gap", "Avg. Gap (pp)", MethodSummary::gap, 100));
    private static final List<Bar> ATTACK_BARS = List.of(new Bar("asr", "ASR (%)", MethodSummary::asr, 100),
            new Bar("asrNonTarget", "ASR non-target (%)", MethodSummary::asrNonTarget, 100));

    public static String render(Report report) {
        List<MethodSummary> methods = report.summary();
        List<Bar> charts = new java.util.ArrayList<>(BARS);
        if (report.hasAttackSuccess()) charts.addAll(ATTACK_BARS);
        double maxRte = 0;
        for (MethodSummary m : methods) if (m.seconds().defined()) maxRte = Math.max(maxRte, m.seconds().mean());
        int radarRows = Math.max(1, (methods.size() + PER_ROW - 1) / PER_ROW);
        int barTop = 40 + radarRows * RADAR;
        int barRows = (charts.size() + 2) / 3;
        int width = Math.max(PER_ROW * RADAR, 3 * BAR_W), height = barTop + barRows * BAR_H + 20;
        StringBuilder sb = new StringBuilder();
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(f("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">\n", width, height, width, height));
        sb.append(f("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height));
        sb.append(f("<text x=\"10\" y=\"24\" font-size=\"16\">%s</text>\n", xml(report.title())));
        for (int i = 0; i < methods.size(); i++) {
            MethodSummary m = methods.get(i);
            double efficiency = m.seconds().defined() && maxRte > 0 ? 1 - m.seconds().mean() / maxRte : Double.NaN;
            double[] values = {m.ua().mean(), m.miaEfficacy().mean(), m.ra().mean(), m.ta().mean(), efficiency};
            radar(sb, m.method(), values, COLORS[i % COLORS.length], (i % PER_ROW) * RADAR, 40 + (i / PER_ROW) * RADAR);
        }
        for (int b = 0; b < charts.size(); b++) bars(sb, charts.get(b), methods, (b % 3) * BAR_W, barTop + (b / 3) * BAR_H);
        return sb.append("</svg>\n").toString();
    }

    private static void radar(StringBuilder sb, String method, double[] values, String color, int x0, int y0) {
        double cx = x0 + RADAR / 2.0, cy = y0 + RADAR / 2.0 + 5;
        sb.append(f("<g class=\"radar\" data-method=\"%s\">\n", xml(method)));
        sb.append(f("  <text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\"><title>%s</title>%s</text>\n", cx, y0 + 12,
                xml(method), xml(shortLabel(method, 30))));
        for (double ring : new double[] {0.25, 0.5, 0.75, 1.0}) {
            StringBuilder pts = new StringBuilder();
            for (int k = 0; k < values.length; k++) pts.append(point(cx, cy, k, values.length, ring)).append(' ');
            sb.append(f("  <polygon points=\"%s\" fill=\"none\" stroke=\"#ddd\"/>\n", pts.toString().trim()));
        }
        StringBuilder pts = new StringBuilder();
        for (int k = 0; k < values.length; k++) {
            double[] end = xy(cx, cy, k, values.length, 1.0), label = xy(cx, cy, k, values.length, 1.25);
            sb.append(f("  <line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\"/>\n", cx, cy, end[0], end[1]));
            String shown = Double.isFinite(values[k]) ? f("%.1f", 100 * values[k]) : "-";
            // two lines (axis name, value) keep the side labels inside the chart's cell
            sb.append(f("  <text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s<tspan x=\"%.1f\" dy=\"12\">%s</tspan></text>\n",
                    label[0], label[1] - 2, RADAR_AXES.get(k), label[0], shown));
            double v = Double.isFinite(values[k]) ? Math.max(0, Math.min(1, values[k])) : 0;
            pts.append(point(cx, cy, k, values.length, v)).append(' ');
        }
        sb.append(f("  <polygon class=\"values\" points=\"%s\" fill=\"%s\" fill-opacity=\"0.3\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                pts.toString().trim(), color, color));
        sb.append("</g>\n");
    }

    private static double[] xy(double cx, double cy, int k, int n, double r) {
        double angle = -Math.PI / 2 + 2 * Math.PI * k / n;
        return new double[] {cx + RADAR_R * r * Math.cos(angle), cy + RADAR_R * r * Math.sin(angle)};
    }

    private static String point(double cx, double cy, int k, int n, double r) {
        double[] p = xy(cx, cy, k, n, r);
        return f("%.1f,%.1f", p[0], p[1]);
    }

    private static void bars(StringBuilder sb, Bar bar, List<MethodSummary> methods, int x0, int y0) {
        int left = x0 + 40, top = y0 + 30, plotW = BAR_W - 60, plotH = BAR_H - 90;
        double max = 0;
        for (MethodSummary m : methods) {
            Stat s = bar.stat().apply(m);
            if (s.defined()) max = Math.max(max, bar.scale() * (s.mean() + s.std()));
        }
        if (max <= 0) max = 1;
        sb.append(f("<g class=\"bars\" data-metric=\"%s\">\n", bar.key()));
        sb.append(f("  <text x=\"%d\" y=\"%d\" font-size=\"13\">%s</text>\n", left, y0 + 16, xml(bar.title())));
        sb.append(f("  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top + plotH, left + plotW, top + plotH));
        sb.append(f("  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top, left, top + plotH));
        sb.append(f("  <text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 4, top + 4, f("%.3g", max)));
        sb.append(f("  <text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", left - 4, top + plotH));
        double slot = (double) plotW / Math.max(1, methods.size());
        for (int i = 0; i < methods.size(); i++) {
            Stat s = bar.stat().apply(methods.get(i));
            double x = left + i * slot + slot * 0.15, w = slot * 0.7;
            if (s.defined()) {
                double h = plotH * Math.max(0, bar.scale() * s.mean()) / max;
                sb.append(f("  <rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %s</title></rect>\n",
                        x, top + plotH - h, w, h, COLORS[i % COLORS.length], xml(methods.get(i).method()),
                        f("%.3g ± %.3g", bar.scale() * s.mean(), bar.scale() * s.std())));
                double hi = top + plotH - plotH * bar.scale() * (s.mean() + s.std()) / max;
                double lo = top + plotH - plotH * Math.max(0, bar.scale() * (s.mean() - s.std())) / max;
                sb.append(f("  <line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", x + w / 2, hi, x + w / 2, lo));
            }
            sb.append(f("  <text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" transform=\"rotate(-40 %.1f %d)\">%s</text>\n", x + w / 2,
                    top + plotH + 14, x + w / 2, top + plotH + 14, xml(shortLabel(methods.get(i).method(), 14))));
        }
        sb.append("</g>\n");
    }

    /** A label that fits: the method label, or its name with the options elided ("ff[…]") when longer than max. */
    static String shortLabel(String label, int max) {
        if (label.length() <= max) return label;
        int bracket = label.indexOf('[');
        String name = bracket > 0 ? label.substring(0, bracket) + "[…]" : label;
        return name.length() <= max ? name : name.substring(0, max - 1) + "…";
    }

    static String f(String format, Object... args) { return String.format(Locale.ROOT, format, args); }

    /** Text escaped for XML character data and attribute values; characters XML 1.0 forbids are dropped. */
    static String xml(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> {
                    if (c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000)
                        out.appendCodePoint(c);
                }
            }
        });
        return out.toString();
    }
}
