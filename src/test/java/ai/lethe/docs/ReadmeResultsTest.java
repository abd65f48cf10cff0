// The README's results tables are generated from the committed experiment reports: after each
// "<!-- results: benchmarks/results/NAME -->" line, the table must be MarkdownReport.table of that folder's
// report.json. Its speed block ("<!-- speed: begin ... -->" to "<!-- speed: end -->": the machine and the ratios to
// PyTorch) must be the one benchmarks/report.py wrote into benchmarks/RESULTS.md, so no speed figure is typed.
// Run with -Dlethe.updateReadme=true to rewrite the README's tables and speed block from their sources.
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

    static final String SPEED_BEGIN = "<!-- speed: begin", SPEED_END = "<!-- speed: end -->";

    /** The lines from the speed block's begin marker to its end marker, both included. */
    static List<String> speedBlock(List<String> lines, Path from) {
        int a = -1, b = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (a < 0 && lines.get(i).startsWith(SPEED_BEGIN)) a = i;
            else if (a >= 0 && lines.get(i).equals(SPEED_END)) {
                b = i;
                break;
            }
        }
        assertTrue(a >= 0 && b > a, from + " has no speed block (" + SPEED_BEGIN + " ... " + SPEED_END + ")");
        return lines.subList(a, b + 1);
    }

    @Test void theReadmesSpeedFiguresAreThoseOfResultsMd() throws Exception {
        Path readme = Path.of("README.md"), results = Path.of("benchmarks", "RESULTS.md");
        List<String> lines = new ArrayList<>(Files.readAllLines(readme));
        List<String> expected = List.copyOf(speedBlock(Files.readAllLines(results), results));
        List<String> shown = speedBlock(lines, readme);
        if (Boolean.getBoolean("lethe.updateReadme")) {
            shown.clear();
            shown.addAll(expected);
            Files.write(readme, lines);
            return;
        }
        assertEquals(expected, shown, "README's speed block is not benchmarks/RESULTS.md's (update: "
                + "./run-tests -Dtest=ReadmeResultsTest -Dlethe.updateReadme=true)");
        assertTrue(expected.stream().anyMatch(l -> l.startsWith("Measured ") && l.contains(" on ")),
                "the block names the machine it was measured on");
    }
}
