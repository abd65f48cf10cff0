// The Lethe half of the GPU benchmark (GpuBench) run end to end on cuda-emu at the smallest sizes (preset smoke):
// every case of the anchors is in the JSON lines, measured ones with positive, finite times whose value follows
// from the median (images/s = images / median, s = median, GB/s = bytes / median), TF32 and bf16 marked "not
// available"; the training step's counts equal what StepCounts measures afresh (StepCountsTest holds that equal to
// TrainingStepProxiesTest's steadyStep) and keep TrainingStepProxiesTest's invariants: no host synchronisation, no
// new allocation, two uploads. Also: a device without counters (cpu), the time budget, and bad arguments.
package ai.lethe.kernelbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.cuda.DeviceCounters;
import ai.lethe.models.Models;
import ai.lethe.testing.TestBackends;
import ai.lethe.train.StepCounts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuBenchTest {
    @TempDir Path dir;

    /** The records of a JSON-lines file. */
    static List<JsonNode> read(Path file) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) if (!line.isBlank()) out.add(json.readTree(line));
        return out;
    }

    static Map<String, JsonNode> cases(List<JsonNode> records) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (JsonNode r : records) if (r.get("record").asText().equals("case")) m.put(r.get("case").asText(), r);
        return m;
    }

    private int run(List<String> log, String... args) throws Exception { return GpuBench.run(args, log::add); }

    @Test void smokeOnTheEmulatorWritesEveryCase() throws Exception {
        var a = ai.lethe.backend.Backends.byName("cuda-emu").availability();
        if (!a.available()) {
            org.junit.jupiter.api.Assumptions.assumeTrue(TestBackends.optional("cuda-emu"), "cuda-emu is optional in this run: " + a.reason());
            throw new AssertionError("cuda-emu must be available: " + a.reason());
        }
        Path file = dir.resolve("lethe.jsonl");
        List<String> log = new ArrayList<>();
        assertEquals(0, run(log, "cuda-emu", file.toString(), "--preset", "smoke"), String.join("\n", log));
        List<JsonNode> records = read(file);
        JsonNode header = records.getFirst();
        assertEquals("header", header.get("record").asText());
        assertEquals("lethe", header.get("side").asText());
        assertEquals("cuda-emu", header.get("device").asText());
        assertTrue(header.get("emulated").asBoolean());
        assertEquals("smoke", header.get("preset").asText());
        assertTrue(header.get("timing").asText().contains("CUDA events"), header.toString());
        JsonNode end = records.getLast();
        assertEquals("end", end.get("record").asText());
        assertEquals(0, end.get("failed").asInt());

        Map<String, JsonNode> cases = cases(records);
        List<String> expected = new ArrayList<>();
        for (String c : GpuBench.CASES)
            switch (c) {
                case "kernels" -> {
                    expected.add("kernel:copy");
                    for (String k : GpuBench.KERNELS) expected.add("kernel:" + k);
                }
                case "counts", "bytes" -> { }
                default -> expected.add(c);
            }
        assertEquals(expected, List.copyOf(cases.keySet()), "every case, in run order");
        for (JsonNode c : cases.values()) {
            String id = c.get("case").asText();
            assertEquals("ok", c.get("status").asText(), c.toString());
            double median = c.get("median_ms").asDouble(), value = c.get("value").asDouble();
            assertTrue(median > 0 && Double.isFinite(median) && value > 0 && Double.isFinite(value), c.toString());
            assertTrue(c.get("min_ms").asDouble() <= median && median <= c.get("max_ms").asDouble(), c.toString());
            assertEquals(c.get("runs").asInt(), c.get("times_ms").size(), c.toString());
            assertTrue(c.get("runs").asInt() >= 1, c.toString());
            double expectedValue = switch (c.get("unit").asText()) {
                case "images/s" -> c.get("images").asDouble() / (median / 1e3);
                case "s" -> median / 1e3;
                case "ms" -> median;
                case "GB/s" -> c.get("bytes").asDouble() / (median / 1e3) / 1e9;
                default -> throw new AssertionError("unit of " + c);
            };
            assertEquals(expectedValue, value, 1e-9 * expectedValue, c.toString());
            assertEquals(c.get("unit").asText().equals("images/s") || c.get("unit").asText().equals("GB/s") ? "higher" : "lower",
                    c.get("better").asText(), c.toString());
        }
        assertEquals(Models.parameterCount(GpuPreset.SMOKE.resnet().config()), cases.get("resnet18-train-fp32").get("parameters").asLong());
        assertEquals(Models.parameterCount(GpuPreset.SMOKE.vit().config()), cases.get("vit-s4-train-fp32").get("parameters").asLong());
        assertEquals(GpuPreset.SMOKE.fisher().images(), cases.get("fisher-per-sample").get("images").asInt());
        assertEquals(100.0, cases.get("kernel:copy").get("percent_of_copy").asDouble(), 1e-9);

        List<JsonNode> counts = records.stream().filter(r -> r.get("record").asText().equals("counts")).toList();
        assertEquals(GpuPreset.SMOKE.counts().size(), counts.size());
        for (int i = 0; i < counts.size(); i++) {
            GpuPreset.Model m = GpuPreset.SMOKE.counts().get(i);
            JsonNode c = counts.get(i);
            assertEquals(m.label(), c.get("model").asText());
            DeviceCounters fresh = StepCounts.measure(m.config(), m.batch(), m.channels(), m.side(), m.classes(),
                    ai.lethe.core.Device.parse("cuda-emu"), 3).steady();
            assertEquals(fresh.launches(), c.get("launches").asLong(), c.toString());
            assertEquals(fresh.gemmCalls(), c.get("gemm_calls").asLong(), c.toString());
            assertEquals(fresh.eventWaits(), c.get("event_waits").asLong(), c.toString());
            assertTrue(fresh.launches() > 0, fresh.toString());
            // TrainingStepProxiesTest's invariants of a steady step
            assertEquals(0, c.get("host_syncs").asLong(), c.toString());
            assertEquals(0, c.get("allocations").asLong(), c.toString());
            assertEquals(2, c.get("h2d_copies").asLong(), c.toString());
            assertEquals(4L * m.batch() * m.channels() * m.side() * m.side() + 8L * m.batch(), c.get("h2d_bytes").asLong(), c.toString());
            assertEquals(0, c.get("d2h_copies").asLong(), c.toString());
            assertTrue(c.get("repeats").asBoolean(), c.toString());
            assertEquals(1, c.get("window_read_syncs").asLong(), c.toString());
        }
        List<JsonNode> bytes = records.stream().filter(r -> r.get("record").asText().equals("bytes")).toList();
        assertTrue(bytes.size() >= 20, "a bytes record per memory-bound kernel case: " + bytes.size());
        for (JsonNode r : bytes) {
            double minimum = r.get("min_read").asDouble() + r.get("min_written").asDouble();
            assertEquals((r.get("read").asDouble() + r.get("written").asDouble()) / minimum, r.get("ratio").asDouble(), 1e-4, r.toString());
            if (!r.get("bound").isNull()) assertTrue(r.get("ratio").asDouble() <= r.get("bound").asDouble(), r.toString());
        }
        assertTrue(log.stream().anyMatch(l -> l.contains("resnet18-train-fp32")), String.join("\n", log));
    }

    @Test void onTheCpuThereAreNoCounters() throws Exception {
        Path file = dir.resolve("cpu.jsonl");
        List<String> log = new ArrayList<>();
        assertEquals(0, run(log, "cpu", file.toString(), "--cases", "copy,counts,bytes,resnet18-train-bf16"), String.join("\n", log));
        List<JsonNode> records = read(file);
        assertFalse(records.getFirst().get("emulated").asBoolean());
        assertTrue(records.getFirst().get("timing").asText().contains("wall clock"), records.getFirst().toString());
        Map<String, JsonNode> cases = cases(records);
        assertEquals(List.of("copy", "counts", "bytes", "resnet18-train-bf16"), List.copyOf(cases.keySet()));
        assertEquals("not available", cases.get("bytes").get("status").asText());
        assertTrue(cases.get("bytes").get("reason").asText().contains("emulator"), cases.get("bytes").toString());
        assertEquals("ok", cases.get("copy").get("status").asText());
        assertEquals("not available", cases.get("counts").get("status").asText());
        assertTrue(cases.get("counts").get("reason").asText().contains("no device counters"), cases.get("counts").toString());
        assertEquals("ok", cases.get("resnet18-train-bf16").get("status").asText(), "bf16 autocast runs on cpu too (emulated rounding)");
    }

    @Test void casesAfterTheBudgetAreSkippedNotDropped() throws Exception {
        Path file = dir.resolve("budget.jsonl");
        List<String> log = new ArrayList<>();
        assertEquals(0, run(log, "cpu", file.toString(), "--cases", "copy,ssd-dampen", "--budget-s", "1e-9"), String.join("\n", log));
        Map<String, JsonNode> cases = cases(read(file));
        for (String c : List.of("copy", "ssd-dampen")) {
            assertNotNull(cases.get(c), c);
            assertEquals("skipped", cases.get(c).get("status").asText());
            assertTrue(cases.get(c).get("reason").asText().contains("time budget"), cases.get(c).toString());
        }
    }

    @Test void badArgumentsAreUsageErrors() throws Exception {
        for (String[] args : List.of(new String[] {"cuda-emu"}, new String[] {"cuda-emu", "x.jsonl", "--preset", "huge"},
                new String[] {"cuda-emu", "x.jsonl", "--cases", "copy,warp"}, new String[] {"cuda-emu", "x.jsonl", "--budget-s", "-1"},
                new String[] {"cuda-emu", "x.jsonl", "--budget-s"}, new String[] {"gpu9", "x.jsonl"})) {
            List<String> log = new ArrayList<>();
            assertEquals(2, GpuBench.run(args, log::add), String.join(" ", args));
            assertTrue(log.getFirst().startsWith("GpuBench: "), log.toString());
            assertTrue(log.getLast().startsWith("usage: "), log.toString());
        }
        List<String> log = new ArrayList<>();
        GpuBench.run(new String[] {"cuda-emu", "x.jsonl", "--cases", "copy,warp"}, log::add);
        assertTrue(log.getFirst().contains("unknown case 'warp'"), log.toString());
        assertFalse(Files.exists(Path.of("x.jsonl")), "nothing written on a usage error");
    }
}
