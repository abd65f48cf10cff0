// benchmarks/gpu/device-check --emulated, end to end, as a GPU machine would run it (without --emulated): the script
// finds Java and the classpath it is given, runs the CUDA test packages on cuda-emu through DeviceCheck, and leaves
// summary.json, tests.tsv, the suite report and its log in the output folder. Known to work before a GPU is lent.
package ai.lethe.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceCheckScriptTest {
    @TempDir Path out;

    private record Run(int code, String output) {}

    private Run script(String... args) throws Exception {
        var cmd = new java.util.ArrayList<>(List.of("bash", "benchmarks/gpu/device-check"));
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("JAVA", ProcessHandle.current().info().command().orElseThrow());
        pb.environment().put("LETHE_DEVICE_CHECK_CLASSPATH", System.getProperty("java.class.path"));
        Process p = pb.start();
        String o = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), o);
    }

    @Test
    void emulatedRunPassesAndWritesItsReport() throws Exception {
        Run r = script("--emulated", out.toString());
        assertEquals(0, r.code(), r.output());
        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals("cuda-emu", s.get("device").asText());
        assertEquals("passed", s.get("status").asText(), s.toPrettyString());
        assertEquals(0, s.get("failed").asInt());
        assertTrue(s.get("passed").asInt() > 200, "the CUDA packages and the conformance suite ran: " + s);
        List<String> tests = Files.readAllLines(out.resolve("tests.tsv"));
        assertEquals(s.get("tests").asInt() + 1, tests.size());
        assertTrue(tests.stream().anyMatch(l -> l.contains("ConformanceTest") && l.contains("cuda-emu") && l.contains("\tsuccessful\t")),
                "conformance cases on cuda-emu in tests.tsv");
        String backends = Files.readString(out.resolve("test-report/backends.tsv"));
        assertTrue(backends.contains("cuda-emu\tran"), backends);
        assertTrue(Files.readString(out.resolve("device-check.log")).contains("device-check: cuda-emu:"), "log written");
    }

    @Test
    void onAMachineWithoutAGpuTheCudaRunSaysWhyAndRunsNothing() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(ai.lethe.backend.cuda.NvidiaRuntime.availability().available(),
                "needs a GPU to be absent: this machine has one (the real run is benchmarks/gpu/device-check itself)");
        Run r = script(out.toString());
        assertEquals(2, r.code(), r.output());
        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals("device unavailable", s.get("status").asText());
        assertTrue(s.get("availability").asText().contains("libcuda.so.1"), s.toPrettyString());
    }
}
