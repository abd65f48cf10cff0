// The transfer study's output: a Markdown table (report.md; the same table on the console) and report.json with every
// number — the setup, the forgotten classes, the search's candidates (when the classes were searched), and per model
// the target test accuracy, the seconds spent making the model, extracting features and training the probe, the
// source test accuracy on the retained and forgotten classes, and how the probe's solver ended.
package ai.lethe.transfer;

import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

public final class TransferReport {
    private TransferReport() {}

    /** The results table, Markdown. */
    public static String table(TransferStudy.Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append("| Model | Target acc. (%) | Source acc., retained classes (%) | Source acc., forgotten classes (%) "
                + "| Unlearn/retrain (s) | Features (s) | Probe (s) | Total (s) | Probe iterations |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (TransferStudy.Row row : r.rows())
            sb.append(String.format(Locale.ROOT, "| %s | %.2f | %s | %s | %.2f | %.2f | %.2f | %.2f | %d%s |%n", row.model(),
                    100 * row.targetAccuracy(), pct(row.sourceRetainAccuracy()), pct(row.sourceForgetAccuracy()), row.prepareSeconds(),
                    row.featureSeconds(), row.probeSeconds(), row.totalSeconds(), row.probeIterations(),
                    row.probeConverged() ? "" : " (not converged)"));
        return sb.toString();
    }

    /** The search's table, Markdown (empty when the classes were given). */
    public static String searchTable(TransferStudy.Result r) {
        if (r.search().isEmpty()) return "";
        TransferStudy.Search s = r.search().get();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Original model: validation accuracy %.2f%% (probe trained on %d rows, scored on %d held-out rows of the target's training set).%n%n",
                100 * s.baselineValidationAccuracy(), s.trainRows(), s.validationRows()));
        sb.append("| Source class | Validation acc. after forgetting it (%) | Gain (points) | Kept | Unlearn (s) | Source acc. on it after (%) |\n");
        sb.append("| --- | ---: | ---: | :---: | ---: | ---: |\n");
        for (TransferStudy.Candidate c : s.candidates())
            sb.append(String.format(Locale.ROOT, "| %d (%s) | %.2f | %+.2f | %s | %.2f | %s |%n", c.sourceClass(), c.className(),
                    100 * c.validationAccuracy(), 100 * c.gain(), c.kept() ? "yes" : "no", c.unlearnSeconds(), pct(c.sourceForgetAccuracy())));
        return sb.toString();
    }

    private static String pct(double v) { return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.2f", 100 * v); }

    /** Writes report.md and report.json into {@code dir} (created); {@code setup} goes into both as given. */
    public static void write(Path dir, TransferStudy.Result r, Map<String, Object> setup) throws IOException {
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder("# Transfer study: unlearning source classes, then a linear probe\n\n");
        md.append("Setup:\n\n");
        setup.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append("\nForgotten source classes: ").append(r.forgotten().length == 0 ? "none" : r.forgottenNames()).append("\n\n");
        if (r.search().isPresent()) md.append("## Search\n\n").append(searchTable(r)).append('\n');
        md.append("## Target accuracy\n\n").append(table(r));
        if (!r.notes().isEmpty()) {
            md.append("\nNotes:\n\n");
            r.notes().forEach(n -> md.append("- ").append(n).append('\n'));
        }
        md.append("\nTarget acc. = accuracy of a linear probe (multinomial logistic regression on the frozen, standardised "
                + "penultimate features, trained to convergence) on the target's test set; Unlearn/retrain = seconds to make the model; "
                + "Total = those + feature extraction + probe training.\n");
        Files.writeString(dir.resolve("report.md"), md.toString(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("report.json"), JsonMapper.builder().build().writerWithDefaultPrettyPrinter()
                .writeValueAsString(toMap(r, setup)), StandardCharsets.UTF_8);
    }

    /** The result as JSON-ready maps (NaN accuracies as null). */
    public static Map<String, Object> toMap(TransferStudy.Result r, Map<String, Object> setup) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("setup", setup);
        m.put("forgotten_classes", r.forgotten());
        m.put("forgotten_names", r.forgottenNames());
        r.search().ifPresent(s -> {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("baseline_validation_accuracy", s.baselineValidationAccuracy());
            sm.put("probe_rows", s.trainRows());
            sm.put("validation_rows", s.validationRows());
            sm.put("seconds", s.seconds());
            List<Map<String, Object>> cs = new ArrayList<>();
            for (TransferStudy.Candidate c : s.candidates()) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("class", c.sourceClass());
                cm.put("name", c.className());
                cm.put("validation_accuracy", c.validationAccuracy());
                cm.put("gain", c.gain());
                cm.put("kept", c.kept());
                cm.put("unlearn_seconds", c.unlearnSeconds());
                cm.put("source_accuracy_after", num(c.sourceForgetAccuracy()));
                cs.add(cm);
            }
            sm.put("candidates", cs);
            m.put("search", sm);
        });
        List<Map<String, Object>> rows = new ArrayList<>();
        for (TransferStudy.Row row : r.rows()) {
            Map<String, Object> rm = new LinkedHashMap<>();
            rm.put("model", row.model());
            rm.put("target_accuracy", row.targetAccuracy());
            rm.put("prepare_seconds", row.prepareSeconds());
            rm.put("feature_seconds", row.featureSeconds());
            rm.put("probe_seconds", row.probeSeconds());
            rm.put("total_seconds", row.totalSeconds());
            rm.put("source_retain_accuracy", num(row.sourceRetainAccuracy()));
            rm.put("source_forget_accuracy", num(row.sourceForgetAccuracy()));
            rm.put("probe_iterations", row.probeIterations());
            rm.put("probe_converged", row.probeConverged());
            rm.put("config", row.config());
            rm.put("log", row.log());
            rows.add(rm);
        }
        m.put("rows", rows);
        m.put("notes", r.notes());
        return m;
    }

    private static Object num(double v) { return Double.isNaN(v) ? null : v; }
}
