// The table cells the Markdown and console tables share: the papers' columns (UA, MIA-efficacy, RA, TA as
// percentages with one decimal, mean ± std over seeds; RTE in seconds and as a ratio to Retrain; the average gap to
// Retrain in percentage points) for each method summary, and — for a backdoored model's data — the attack success
// rates over the whole triggered test set and over its non-target images; when the report records them, whether each
// method's hyper-parameters were its defaults, given, or tuned. An undefined value prints as "-".
package ai.lethe.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

final class Cells {
    static final List<String> HEADER = List.of("Method", "Seeds", "UA (%)", "MIA-Efficacy (%)", "RA (%)", "TA (%)", "RTE (s)",
            "RTE / Retrain", "Avg. Gap (pp)");

    private Cells() {}

    /** The column saying whether a method's hyper-parameters were its defaults, given, or tuned (when the report knows). */
    static final String HYPER_HEADER = "Hyper-parameters";

    static final List<String> ATTACK_HEADER = List.of("ASR (%)", "ASR non-target (%)");

    /** The header of {@code report}'s table: HEADER, with the ASR columns after TA when it has them. */
    static List<String> header(Report report) {
        List<String> h = new ArrayList<>(HEADER);
        if (report.hasAttackSuccess()) h.addAll(HEADER.indexOf("TA (%)") + 1, ATTACK_HEADER);
        if (!report.hyperParameters().isEmpty()) h.add(HYPER_HEADER);
        return List.copyOf(h);
    }

    static List<List<String>> rows(Report report) {
        boolean attack = report.hasAttackSuccess();
        List<List<String>> rows = new ArrayList<>();
        for (MethodSummary m : report.summary()) {
            List<String> r = new ArrayList<>(List.of(m.method(), Integer.toString(m.runs()), percent(m.ua()), percent(m.miaEfficacy()),
                    percent(m.ra()), percent(m.ta())));
            if (attack) {
                r.add(percent(m.asr()));
                r.add(percent(m.asrNonTarget()));
            }
            r.addAll(List.of(plain(m.seconds(), 2), plain(m.rteRatio(), 3), percent(m.gap())));
            if (!report.hyperParameters().isEmpty()) r.add(report.hyperParameters().getOrDefault(m.method(), "-"));
            rows.add(List.copyOf(r));
        }
        return rows;
    }

    /** "12.3 ± 0.4" for fractions 0.123 ± 0.004. */
    static String percent(Stat s) {
        if (!s.defined()) return "-";
        return String.format(Locale.ROOT, "%.1f ± %.1f", 100 * s.mean(), 100 * s.std());
    }

    static String plain(Stat s, int decimals) {
        if (!s.defined()) return "-";
        return String.format(Locale.ROOT, "%." + decimals + "f ± %." + decimals + "f", s.mean(), s.std());
    }
}
