// The output of `lethe bench`: the aligned table (one row per case: sizes, K buffer sets, median/min time, spread,
// megabytes per run, GB/s, % of copy, GFLOP/s, and the training step's images/s; then each case's bytes formula) and
// the JSON document of --json (the device, machine, date, timing method, settings, and every case's numbers with
// its formulas and every timed run). A figure a case does not have is "—" in the table and null in the JSON.
package ai.lethe.cli;

import ai.lethe.kernelbench.BenchCase;
import ai.lethe.kernelbench.KernelBench;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

final class BenchTable {
    static final String[] HEADER = {"case", "sizes", "K", "median ms", "min ms", "spread", "MB/run", "GB/s", "% copy",
            "GFLOP/s", "rate"};

    private BenchTable() {}

    static String text(KernelBench.Report r) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (KernelBench.CaseResult c : r.cases()) {
            BenchCase.Info i = c.info();
            rows.add(new String[] {i.name(), i.sizes(), Integer.toString(i.buffers()), ms(c.stats().medianMs()), ms(c.stats().minMs()),
                    String.format(Locale.ROOT, "%.1f%%", c.stats().spreadPercent()),
                    i.bytes() == null ? "—" : String.format(Locale.ROOT, "%.2f", i.bytes() / 1e6), fixed(c.gbPerSecond(), 2),
                    fixed(c.percentOfCopy(), 1), fixed(c.gflopPerSecond(), 2),
                    c.unitsPerSecond() == null ? "—" : String.format(Locale.ROOT, "%.1f %s/s", c.unitsPerSecond(), i.unit())});
        }
        int[] width = new int[HEADER.length];
        for (String[] row : rows) for (int j = 0; j < row.length; j++) width[j] = Math.max(width[j], row[j].length());
        StringBuilder b = new StringBuilder();
        var s = r.settings();
        b.append(String.format(Locale.ROOT, "device %s: %s; %s%n", r.device(), r.machine(), BenchCommand.date(r)));
        b.append(String.format(Locale.ROOT, "timing: %s; %d warm-up + %d timed runs per case over K rotating buffer sets;"
                + " spread = (max - min) / median%n", r.timing(), s.warmup(), s.repeat()));
        for (int k = 0; k < rows.size(); k++) {
            String[] row = rows.get(k);
            for (int j = 0; j < row.length; j++) {
                boolean left = j < 2;
                String cell = left ? pad(row[j], width[j]) : " ".repeat(width[j] - row[j].length()) + row[j];
                b.append(j == 0 ? "" : "  ").append(j == row.length - 1 ? cell.stripTrailing() : cell);
            }
            b.append('\n');
            if (k == 0) b.append("-".repeat(Math.max(0, sum(width) + 2 * (width.length - 1)))).append('\n');
        }
        b.append("bytes per run (float32, each input read once and each output written once; GB/s = bytes / median,"
                + " % copy = GB/s / copy's GB/s):\n");
        for (KernelBench.CaseResult c : r.cases()) {
            BenchCase.Info i = c.info();
            b.append(String.format(Locale.ROOT, "  %-16s %s%s%n", i.name(), i.bytesFormula() == null ? "—" : i.bytesFormula(),
                    i.flopsFormula() == null ? "" : "; FLOPs " + i.flopsFormula()));
        }
        return b.toString();
    }

    /** The JSON document of a run. */
    static Map<String, Object> document(KernelBench.Report r, boolean quick) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("command", "lethe bench");
        d.put("device", r.device());
        d.put("machine", r.machine());
        d.put("date", r.date().toString());
        d.put("timing", r.timing());
        d.put("settings", BenchCommand.settingsMap(r.settings(), quick));
        List<Map<String, Object>> cases = new ArrayList<>();
        for (KernelBench.CaseResult c : r.cases()) {
            BenchCase.Info i = c.info();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", i.name());
            m.put("what", i.what());
            m.put("sizes", i.sizes());
            m.put("buffers", i.buffers());
            m.put("bytesFormula", i.bytesFormula());
            m.put("bytes", i.bytes());
            m.put("flopsFormula", i.flopsFormula());
            m.put("flops", i.flops());
            m.put("medianMs", c.stats().medianMs());
            m.put("minMs", c.stats().minMs());
            m.put("maxMs", c.stats().maxMs());
            m.put("spreadPercent", c.stats().spreadPercent());
            m.put("gbPerSecond", c.gbPerSecond());
            m.put("percentOfCopy", c.percentOfCopy());
            m.put("gflopPerSecond", c.gflopPerSecond());
            m.put("unit", i.unit());
            m.put("unitsPerRun", i.unit() == null ? null : i.unitsPerRun());
            m.put("unitsPerSecond", c.unitsPerSecond());
            m.put("millis", c.millis());
            cases.add(m);
        }
        d.put("cases", cases);
        return d;
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.1f" : v >= 1 ? "%.3f" : "%.4f", v);
    }

    private static String fixed(Double v, int digits) { return v == null ? "—" : String.format(Locale.ROOT, "%." + digits + "f", v); }

    private static String pad(String s, int w) { return s + " ".repeat(Math.max(0, w - s.length())); }

    private static int sum(int[] a) {
        int t = 0;
        for (int x : a) t += x;
        return t;
    }
}
