// A JUnit Platform listener (registered in META-INF/services) that writes what a test run covered, for
// ./run-tests to print and .ci/run to check: target/test-report/backends.tsv (each backend: name, whether it
// was available — and so ran the suites that run on every backend —, whether the run expected it, the detail
// or the reason it was missing), target/test-report/skipped.tsv (every skipped or aborted test and why) and
// target/test-report/known-missing.tsv (each conformance case that passed only because its backend still lacks an op
// listed in KnownMissing: backend, case, op) and target/test-report/missing-ops.tsv (each available backend's SPI ops
// listed in KnownMissing, reached by a test or not: backend, op).
// Surefire keeps one JVM for the run, so the files describe the whole run; a run of a few tests (-Dtest=...)
// describes those.
package ai.lethe.testing;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

public final class SuiteReport implements TestExecutionListener {
    /** Where the report goes, relative to the working directory (the project root under Maven). */
    /** target/test-report, or the folder the system property lethe.test.report names (DeviceCheck's output). */
    public static final Path DIR = Path.of(System.getProperty("lethe.test.report", "target/test-report"));

    /** Known-missing records of this JVM (backend, case, op), from knownMissing(). */
    private static final List<String> KNOWN_MISSING = new ArrayList<>();

    private final List<String> skipped = new ArrayList<>();
    private TestPlan plan;

    @Override public void testPlanExecutionStarted(TestPlan testPlan) { plan = testPlan; }

    /** Records that {@code test} on {@code backend} reached {@code op}, which the backend lacks (KnownMissing). */
    public static void knownMissing(String backend, String test, String op) {
        synchronized (KNOWN_MISSING) {
            KNOWN_MISSING.add(oneLine(backend) + "\t" + oneLine(test) + "\t" + oneLine(op));
        }
    }

    @Override public synchronized void executionSkipped(TestIdentifier id, String reason) {
        skipped.add(name(id) + "\t" + oneLine(reason));
    }

    @Override public synchronized void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED)
            skipped.add(name(id) + "\t" + oneLine(result.getThrowable().map(Throwable::getMessage).orElse("aborted")));
    }

    @Override public synchronized void testPlanExecutionFinished(TestPlan testPlan) {
        List<String> backends = new ArrayList<>();
        List<String> expected = TestBackends.expected();
        List<String> missingOps = new ArrayList<>();
        for (Backend b : Backends.all()) {
            Availability a = b.availability();
            if (a.available()) for (String op : KnownMissing.ops(b.name())) missingOps.add(b.name() + "\t" + op);
            backends.add(b.name() + "\t" + (a.available() ? "ran" : "absent") + "\t"
                    + (expected.contains(b.name()) ? "expected" : "optional") + "\t" + oneLine(a.reason())
                    + (a.fix() == null ? "" : ". Fix: " + oneLine(a.fix())));
        }
        try {
            Files.createDirectories(DIR);
            write(DIR.resolve("backends.tsv"), backends);
            write(DIR.resolve("skipped.tsv"), skipped);
            write(DIR.resolve("missing-ops.tsv"), missingOps);
            synchronized (KNOWN_MISSING) {
                write(DIR.resolve("known-missing.tsv"), KNOWN_MISSING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "class > test" from the test's path in the plan (its display names), or its legacy name. */
    private String name(TestIdentifier id) {
        List<String> parts = new ArrayList<>();
        for (TestIdentifier t = id; t != null; t = plan == null ? null : plan.getParent(t).orElse(null)) {
            if (t.getParentId().isEmpty()) break;   // the engine
            parts.addFirst(t.getDisplayName());
        }
        return oneLine(parts.isEmpty() ? id.getLegacyReportingName() : String.join(" > ", parts));
    }

    private static String oneLine(String s) { return s == null ? "" : s.replaceAll("[\\t\\r\\n]+", " ").strip(); }

    private static void write(Path file, List<String> lines) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".part");
        Files.write(temp, lines);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
