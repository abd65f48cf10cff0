// report.md: the title, the setup as a list, and the papers' results table (Cells): one row per method, Retrain
// first, mean ± std over seeds; then how the columns are defined.
package ai.lethe.report;

import java.util.List;

public final class MarkdownReport {
    private MarkdownReport() {}

    public static String render(Report report) {
        StringBuilder sb = new StringBuilder("# ").append(escape(report.title())).append("\n\n");
        if (!report.setup().isEmpty()) {
            report.setup().forEach((k, v) -> sb.append("- **").append(escape(k)).append("**: ").append(escape(v)).append('\n'));
            sb.append('\n');
        }
        sb.append(table(report));
        sb.append("""

                UA = 1 − accuracy on the forget set; MIA-Efficacy = share of the forget set an RBF-SVM membership attack \
                calls non-member; RA / TA = accuracy on the retain set / the retain-test set; RTE = wall-clock seconds of \
                the unlearning call; Avg. Gap = mean |metric − Retrain's| over UA, MIA-Efficacy, RA, TA (same seed). \
                Mean ± sample std over seeds.
                """);
        if (report.hasAttackSuccess())
            sb.append("""

                    ASR = accuracy on the whole test set with the trigger stamped and every label set to the target (the \
                    reference's definition; about 1/C for a model without the backdoor, from the target class's own images); \
                    ASR non-target = the same over the test images whose class is not the target. With `forget: poisoned`, \
                    TA is the clean test accuracy (SA).
                    """);
        return sb.toString();
    }

    /** The results table alone (header, alignment row, one row per method), as in report.md. */
    public static String table(Report report) {
        StringBuilder sb = new StringBuilder();
        List<String> header = Cells.header(report);
        row(sb, header);
        sb.append('|');
        for (int i = 0; i < header.size(); i++) sb.append(i == 0 ? " --- |" : " ---: |");
        sb.append('\n');
        for (List<String> r : Cells.rows(report)) row(sb, r);
        return sb.toString();
    }

    private static void row(StringBuilder sb, List<String> cells) {
        sb.append('|');
        for (String c : cells) sb.append(' ').append(escape(c)).append(" |");
        sb.append('\n');
    }

    private static String escape(String s) { return s.replace("|", "\\|").replace("\n", " "); }
}
