// The README's results tables are generated from the committed experiment reports: after each
// "<!-- results: benchmarks/results/NAME -->" line, the table must be MarkdownReport.table of that folder's
// report.json. Run with -Dlethe.updateReadme=true to rewrite the README's tables from the reports.
package ai.lethe.docs;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.report.MarkdownReport;
import ai.lethe.report.Report;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadmeResultsTest {
    static final String MARK = "<!-- results: ";

    @Test void theReadmesResultTablesAreTheCommittedReports() throws Exception {
        Path readme = Path.of("README.md");
        List<String> lines = Files.readAllLines(readme);
        List<String> updated = new ArrayList<>();
        int tables = 0;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            updated.add(l);
            if (!l.startsWith(MARK)) continue;
            Path folder = Path.of(l.substring(MARK.length(), l.indexOf(" -->")).strip());
            List<String> expected = MarkdownReport.table(Report.read(folder.resolve("report.json"))).lines().toList();
            int j = i + 1;
            List<String> shown = new ArrayList<>();
            while (j < lines.size() && lines.get(j).startsWith("|")) shown.add(lines.get(j++));
            tables++;
            updated.addAll(expected);
            if (!Boolean.getBoolean("lethe.updateReadme"))
                assertEquals(expected, shown, "README's table after '" + l + "' is not " + folder + "/report.json's (update: "
                        + "./run-tests -Dtest=ReadmeResultsTest -Dlethe.updateReadme=true)");
            i = j - 1;
        }
        assertTrue(tables >= 1, "the README shows at least one committed result table");
        if (Boolean.getBoolean("lethe.updateReadme")) Files.write(readme, updated);
    }
}
