// Writes a report's three files into a folder (created if needed), each atomically (AtomicFiles): report.md (the
// papers' table), report.json (every run and the per-method summary; Report.read re-renders from it) and
// report.svg (radar and bar charts). Re-running write after each finished run keeps the folder current.
package ai.lethe.report;

import ai.lethe.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

public final class ReportWriter {
    public static final String MARKDOWN_FILE = "report.md", SVG_FILE = "report.svg";

    private ReportWriter() {}

    public static void write(Report report, Path dir) throws IOException {
        if (report == null) throw new IllegalArgumentException("ReportWriter.write: report must not be null");
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve(Report.JSON_FILE), report.toJson().getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve(MARKDOWN_FILE), MarkdownReport.render(report).getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve(SVG_FILE), SvgReport.render(report).getBytes(StandardCharsets.UTF_8));
    }
}
