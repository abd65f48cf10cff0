// benchmarks/gpu/device-check --emulated, end to end, as a GPU machine would run it (without --emulated): the script
// finds Java and the classpath it is given, runs the CUDA test packages on cuda-emu through DeviceCheck, and leaves
// summary.json, tests.tsv, the suite report and its log in the output folder; then the GPU benchmark (GpuBench, every
// case on cuda-emu), the PyTorch peer in --smoke mode when a python3 here imports torch, and report.py, which renders
// the GPU section (marked emulated, no ratios) into the same folder. Known to work before a GPU is lent.
package ai.lethe.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        benchmarksRanAndRendered();
    }

    /** After the tests, GpuBench ran every case on cuda-emu, the peer ran on CPU PyTorch (or says why not), report.py rendered. */
    private void benchmarksRanAndRendered() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode b = json.readTree(out.resolve("benchmarks.json").toFile());
        assertEquals("cuda-emu", b.get("device").asText());
        assertEquals(0, b.get("lethe").get("exit").asInt(), b.toPrettyString());
        assertEquals(0, b.get("report").get("exit").asInt(), b.toPrettyString());
        List<JsonNode> lethe = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("gpu-lethe.jsonl"))) lethe.add(json.readTree(line));
        JsonNode header = lethe.getFirst();
        assertEquals("lethe", header.get("side").asText());
        assertTrue(header.get("emulated").asBoolean(), header.toString());
        assertEquals("emulated", header.get("preset").asText(), "--emulated's default preset");
        assertEquals("end", lethe.getLast().get("record").asText());
        assertEquals(0, lethe.getLast().get("failed").asInt());
        java.util.Map<String, JsonNode> cases = new java.util.HashMap<>();
        for (JsonNode r : lethe) if (r.get("record").asText().equals("case")) cases.put(r.get("case").asText(), r);
        for (String c : ai.lethe.kernelbench.GpuBench.CASES) {
            if (c.equals("kernels") || c.equals("counts") || c.equals("bytes")) continue;
            assertTrue(cases.containsKey(c), "case " + c + " in gpu-lethe.jsonl");
            String expected = "ok";   // TF32 and bf16 too: Precision.autocast
            assertEquals(expected, cases.get(c).get("status").asText(), cases.get(c).toString());
        }
        assertTrue(cases.keySet().stream().filter(c -> c.startsWith("kernel:")).count() >= 5, cases.keySet().toString());
        List<JsonNode> counts = lethe.stream().filter(r -> r.get("record").asText().equals("counts")).toList();
        assertEquals(4, counts.size(), "the proxies test's two models and the benchmark's two");
        for (JsonNode c : counts) {
            assertEquals(0, c.get("host_syncs").asInt(), c.toString());
            assertEquals(0, c.get("allocations").asInt(), c.toString());
            assertTrue(c.get("launches").asInt() > 0, c.toString());
        }
        List<JsonNode> bytes = lethe.stream().filter(r -> r.get("record").asText().equals("bytes")).toList();
        assertTrue(bytes.size() >= 20, "the bytes moved by each memory-bound kernel (cuda-emu counts them): " + bytes.size());

        String report = Files.readString(out.resolve("gpu-report.md"));
        assertTrue(report.startsWith("<!-- gpu: begin") && report.strip().endsWith("<!-- gpu: end -->"), report);
        for (String part : List.of("**GPU: not yet measured.**", "cuda-emu (the CUDA emulator on a CPU", "(emulated)",
                "| ResNet18 CIFAR training step, fp32 |", "| launches |", "(TrainingStepProxiesTest), batch 8, 1×12×12, 4 classes | ",
                "### Bytes moved by the memory-bound kernels", "| SSD dampening | `ssd_dampen_f32` |"))
            assertTrue(report.contains(part), "«" + part + "» in gpu-report.md:\n" + report);
        assertTrue(!report.contains("(met)") && !report.matches("(?s).*\\*\\*\\d+\\.\\d\\d\\*\\*.*"), "no ratio, no verdict for an emulated run:\n" + report);

        java.nio.file.Path peer = out.resolve("gpu-peer.jsonl");
        if (Files.exists(peer)) {   // a python3 here imports torch: the peer ran its smoke sizes on the CPU
            assertEquals(0, b.get("peer").get("exit").asInt(), b.toPrettyString());
            List<String> lines = Files.readAllLines(peer);
            JsonNode ph = json.readTree(lines.getFirst());
            assertEquals("pytorch", ph.get("side").asText());
            assertEquals("cpu", ph.get("device").asText());
            assertEquals("smoke", ph.get("preset").asText());
            assertEquals("end", json.readTree(lines.getLast()).get("record").asText());
            assertTrue(report.contains("(cpu)"), report);
        } else {
            assertTrue(b.get("peer").get("not_run").asText().contains("imports torch"), b.toPrettyString());
            assertTrue(report.contains("- PyTorch: not yet measured"), report);
        }
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
        JsonNode b = new ObjectMapper().readTree(out.resolve("benchmarks.json").toFile());
        assertEquals("skipped", b.get("lethe").get("exit").asText(), "no benchmark on an unavailable device: " + b);
        assertFalse(Files.exists(out.resolve("gpu-lethe.jsonl")));
    }
}
