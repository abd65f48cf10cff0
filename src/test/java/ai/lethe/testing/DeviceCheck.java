// The test half of benchmarks/gpu/device-check: runs the CUDA test packages with the JUnit Platform launcher (no
// Maven, no console launcher: a GPU machine has only the bundled runtime and the test classpath) and writes what a
// person reading the run afterwards needs: tests.tsv (every test: status, seconds, first line of the failure) and
// summary.json (device, its availability, counts, failures). The device must be available, or nothing runs and
// the summary says why.
//
// SuiteReport's backends.tsv and skipped.tsv go to OUTDIR/test-report.
//
//   java -cp CLASSPATH ai.lethe.testing.DeviceCheck cuda|cuda-emu OUTDIR [package ...]
//   default packages: ai.lethe.backend.cuda ai.lethe.conformance
// Exit 0 when every test found passed (skips aside) and at least one ran; 1 on a failure; 2 when the device is
// unavailable or the arguments are wrong. On "cuda" the run expects the cuda backend (lethe.expect.cuda), so its
// unavailability fails the suites instead of shrinking them.
package ai.lethe.testing;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Backends;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

public final class DeviceCheck {
    private static final List<String> DEFAULT_PACKAGES = List.of("ai.lethe.backend.cuda", "ai.lethe.conformance");

    private DeviceCheck() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || !(args[0].equals("cuda") || args[0].equals("cuda-emu"))) {
            System.err.println("usage: DeviceCheck cuda|cuda-emu OUTDIR [package ...]");
            System.exit(2);
        }
        System.exit(run(args[0], Path.of(args[1]), args.length > 2 ? List.of(args).subList(2, args.length) : DEFAULT_PACKAGES));
    }

    /** Runs the packages on {@code device}, writes OUTDIR/tests.tsv and OUTDIR/summary.json; the exit code. */
    public static int run(String device, Path out, List<String> packages) throws IOException {
        Files.createDirectories(out);
        if (device.equals("cuda")) System.setProperty("lethe.expect.cuda", "true");
        // SuiteReport (loaded with the launcher) writes backends.tsv and skipped.tsv here, not into target/
        System.setProperty("lethe.test.report", out.resolve("test-report").toString());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("device", device);
        summary.put("started", Instant.now().toString());
        summary.put("java", Runtime.version().toString());
        summary.put("packages", packages);
        summary.put("benchmarks", "run by benchmarks/gpu/device-check after the tests: see benchmarks.json, gpu-lethe.jsonl, gpu-peer.jsonl, gpu-report.md");
        Availability a = Backends.byName(device).availability();
        summary.put("available", a.available());
        summary.put("availability", a.reason());
        if (!a.available()) {
            summary.put("status", "device unavailable");
            write(out.resolve("summary.json"), summary);
            System.out.println("device-check: " + device + " is not available: " + a.reason());
            return 2;
        }
        Results results = new Results(out.resolve("tests.tsv"));
        long t0 = System.nanoTime();
        try (results) {
            var request = LauncherDiscoveryRequestBuilder.request()
                    .selectors(packages.stream().map(p -> selectPackage(p)).toList()).build();
            LauncherFactory.create().execute(request, results);
        }
        summary.put("seconds", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
        summary.put("tests", results.count);
        summary.put("passed", results.passed);
        summary.put("failed", results.failures.size());
        summary.put("skipped", results.skipped);
        summary.put("failures", results.failures);
        boolean ok = results.failures.isEmpty() && results.passed > 0;
        summary.put("status", ok ? "passed" : results.passed == 0 && results.failures.isEmpty() ? "no tests ran" : "failed");
        write(out.resolve("summary.json"), summary);
        System.out.printf("device-check: %s: %d tests, %d passed, %d failed, %d skipped in %.1f s%n", device, results.count,
                results.passed, results.failures.size(), results.skipped, (System.nanoTime() - t0) / 1e9);
        for (Map<String, String> f : results.failures) System.out.println("  FAILED " + f.get("test") + ": " + f.get("message"));
        return ok ? 0 : 1;
    }

    private static void write(Path file, Map<String, Object> summary) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), summary);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Every test's outcome, one line each in tests.tsv as it finishes (so a run cut short keeps what it did). */
    private static final class Results implements TestExecutionListener, AutoCloseable {
        private final PrintWriter tsv;
        private final Map<String, Long> started = new LinkedHashMap<>();
        private TestPlan plan;
        int count, passed, skipped;
        final List<Map<String, String>> failures = new ArrayList<>();

        Results(Path file) {
            try {
                tsv = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            tsv.println("test\tstatus\tseconds\tmessage");
        }

        @Override public void testPlanExecutionStarted(TestPlan testPlan) { plan = testPlan; }

        private String name(TestIdentifier id) {
            List<String> parts = new ArrayList<>();
            for (TestIdentifier t = id; t != null; t = plan.getParent(t).orElse(null)) {
                if (t.getParentId().isEmpty()) break;  // the engine
                parts.addFirst(t.getDisplayName());
            }
            return String.join(" > ", parts);
        }

        @Override public void executionStarted(TestIdentifier id) { started.put(id.getUniqueId(), System.nanoTime()); }

        @Override public void executionSkipped(TestIdentifier id, String reason) {
            if (!id.isTest()) return;
            count++;
            skipped++;
            tsv.println(name(id) + "\tskipped\t0\t" + firstLine(reason));
        }

        @Override public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            Long t = started.remove(id.getUniqueId());
            double seconds = t == null ? 0 : (System.nanoTime() - t) / 1e9;
            String message = result.getThrowable().map(e -> firstLine(e.toString())).orElse("");
            if (!id.isTest()) {
                // a container that fails (e.g. a @BeforeAll) fails its tests without running them
                if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                    failures.add(Map.of("test", name(id), "message", message));
                    tsv.println(name(id) + "\tfailed\t" + String.format("%.3f", seconds) + "\t" + message);
                }
                return;
            }
            count++;
            switch (result.getStatus()) {
                case SUCCESSFUL -> passed++;
                case ABORTED -> skipped++;
                case FAILED -> failures.add(Map.of("test", name(id), "message", message));
            }
            tsv.println(name(id) + "\t" + result.getStatus().name().toLowerCase() + "\t" + String.format("%.3f", seconds) + "\t" + message);
        }

        private static String firstLine(String s) {
            if (s == null) return "";
            int nl = s.indexOf('\n');
            return (nl < 0 ? s : s.substring(0, nl)).replace('\t', ' ');
        }

        @Override public void close() { tsv.close(); }
    }
}
