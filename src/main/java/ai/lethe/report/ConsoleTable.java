// The results table of MarkdownReport as plain text for CLIs: the same cells, columns padded to their widest
// cell (method left-aligned, numbers right-aligned), a rule under the header.
package ai.lethe.report;

import java.util.ArrayList;
import java.util.List;

public final class ConsoleTable {
    private ConsoleTable() {}

    public static String render(Report report) {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = Cells.header(report);
        rows.add(header);
        rows.addAll(Cells.rows(report));
        int[] width = new int[header.size()];
        for (List<String> r : rows) for (int i = 0; i < r.size(); i++) width[i] = Math.max(width[i], r.get(i).length());
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < rows.size(); k++) {
            List<String> r = rows.get(k);
            for (int i = 0; i < r.size(); i++) {
                if (i > 0) sb.append("  ");
                String pad = " ".repeat(width[i] - r.get(i).length());
                sb.append(i == 0 ? r.get(i) + pad : pad + r.get(i));
            }
            sb.append('\n');
            if (k == 0) {
                int total = 0;
                for (int w : width) total += w;
                sb.append("-".repeat(total + 2 * (width.length - 1))).append('\n');
            }
        }
        return sb.toString();
    }
}
