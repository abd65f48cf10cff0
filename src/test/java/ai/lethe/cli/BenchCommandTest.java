// `lethe bench` on cpu and on cuda-emu with tiny sizes: exit 0, a table row for every case, and a JSON document whose
// numbers agree with each other and with the sizes — each case's bytes (and FLOPs) recomputed here from the recorded
// sizes, GB/s = bytes / median, % of copy against the copy case, GFLOP/s and images/s from the median, the median/min/
// max from the recorded runs — with no NaN and nulls only where a case has no such figure; the document round-trips
// through Jackson. Bad options are usage errors (exit 2) naming the option, with nothing printed or written. Timings
// themselves are never asserted (the machine is shared).
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.kernelbench.BenchSettings;
import ai.lethe.kernelbench.KernelBench;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final String[] TINY = {"--size", "3001", "--repeat", "3", "--warmup", "1", "--quick", "--batch", "2",
            "--width", "4", "--image-size", "8"};

    @TempDir Path dir;
    private final Device before = Backends.defaultDevice();

    @AfterEach void restoreDefaultDevice() { Backends.setDefaultDevice(before); }

    private static String[] args(String device, Path json, String... extra) {
        List<String> a = new ArrayList<>(List.of("--device", device, "bench"));
        a.addAll(List.of(TINY));
        a.addAll(List.of(extra));
        if (json != null) a.addAll(List.of("--json", json.toString()));
        return a.toArray(String[]::new);
    }

    @Test void cpuTableAndConsistentJson() throws Exception {
        Path json = dir.resolve("bench.json");
        Cli.Result r = Cli.run(args("cpu", json, "--rotate", "2"));
        assertEquals(0, r.code(), r.out() + r.err());
        checkRun(r.out(), json, "cpu", 3001, 2);
    }

    @Test void cudaEmuTableAndConsistentJson() throws Exception {
        Backend emu = Backends.byName("cuda-emu");
        if (!emu.availability().available()) {
            String reason = "cuda-emu is not available: " + emu.availability().reason();
            assumeTrue("optional".equals(System.getProperty("lethe.cuda")), reason);
            fail(reason);
        }
        Path json = dir.resolve("emu.json");
        Cli.Result r = Cli.run(args("cuda-emu", json, "--rotate", "3"));
        assertEquals(0, r.code(), r.out() + r.err());
        JsonNode root = checkRun(r.out(), json, "cuda-emu", 3001, 3);
        assertTrue(root.get("timing").asText().contains("CUDA events"), root.get("timing").asText());
        assertTrue(root.get("machine").asText().contains("cuda-emu"), root.get("machine").asText());
    }

    /** A subset of cases still runs copy first (the reference of % of copy), and a repeated name runs once. */
    @Test void casesSubsetRunsCopyFirst() throws Exception {
        Path json = dir.resolve("subset.json");
        Cli.Result r = Cli.run(args("cpu", json, "--cases", "adam-masked,add-squared,adam-masked"));
        assertEquals(0, r.code(), r.out() + r.err());
        JsonNode root = MAPPER.readTree(json.toFile());
        List<String> names = new ArrayList<>();
        root.get("cases").forEach(c -> names.add(c.get("name").asText()));
        assertEquals(List.of("copy", "adam-masked", "add-squared"), names);
        assertEquals(names, MAPPER.convertValue(root.get("settings").get("cases"), List.class));
        checkCases(root, 3001);
        assertEquals("auto", root.get("settings").get("rotate").asText());
        // automatic rotation: enough sets to span 256 MiB, 2 to 8 (these tiny buffers: 8)
        for (JsonNode c : root.get("cases")) assertEquals(8, c.get("buffers").asInt(), c.toString());
    }

    @Test void badOptionsAreUsageErrors() throws Exception {
        Path json = dir.resolve("never.json");
        String[][] bad = {{"--size", "0"}, {"--size", "abc"}, {"--size", "1.5"}, {"--size", "-4"}, {"--params", "2x"},
                {"--repeat", "0"}, {"--warmup", "-1"}, {"--rotate", "0"}, {"--rotate", "65"}, {"--cases", "copy,nope"},
                {"--batch", "0"}, {"--width", "0"}, {"--image-size", "0"}, {"--patch", "0"}, {"--model", "resnet50"},
                {"--model", "vit", "--image-size", "10", "--patch", "4"}};
        for (String[] b : bad) {
            String option = b[0].equals("--params") ? "--size" : b[0].equals("--model") ? "--model" : b[0];
            Cli.Result r = Cli.run(args("cpu", json, b));
            assertEquals(2, r.code(), Arrays.toString(b) + "\n" + r.out() + r.err());
            assertTrue(r.err().contains(option), Arrays.toString(b) + ": '" + r.err() + "' should name " + option);
            assertEquals("", r.out(), Arrays.toString(b));
            assertFalse(Files.exists(json), Arrays.toString(b) + " wrote " + json);
        }
        for (Path target : List.of(dir.resolve("no-such-folder/b.json"), dir)) {
            Cli.Result r = Cli.run(args("cpu", target));
            assertEquals(2, r.code(), target + "\n" + r.out() + r.err());
            assertTrue(r.err().contains("--json"), r.err());
            assertEquals("", r.out());
        }
        assertFalse(Files.exists(dir.resolve("no-such-folder")));
    }

    @Test void helpNamesEveryCase() {
        Cli.Result r = Cli.run("bench", "--help");
        assertEquals(0, r.code(), r.err());
        String help = r.out().replaceAll("\\s+", " ");
        for (String c : BenchSettings.CASES) assertTrue(help.contains(c), c + " in " + help);
        assertTrue(help.contains("% of the measured device-to-device copy"), help);
        assertFalse(r.err().contains("WARN"), r.err());
    }

    @Test void statsOfRuns() {
        assertEquals(new KernelBench.Stats(2, 1, 9, 400), KernelBench.Stats.of(new double[] {9, 1, 2}));
        assertEquals(new KernelBench.Stats(2.5, 1, 4, 120), KernelBench.Stats.of(new double[] {4, 1, 3, 2}));
        assertEquals(new KernelBench.Stats(0, 0, 0, 0), KernelBench.Stats.of(new double[] {0}));
    }

    // ---- the checks ------------------------------------------------------------------------------------------

    /** Checks the table on stdout and the JSON file of a run with every case; returns the parsed document. */
    private static JsonNode checkRun(String out, Path json, String device, long size, int rotate) throws Exception {
        String text = Files.readString(json);
        JsonNode root = MAPPER.readTree(text);
        // round trip: Jackson reads what Json wrote, and writes it back to the same tree
        assertEquals(root, MAPPER.readTree(MAPPER.writeValueAsString(root)));
        assertEquals(root, MAPPER.readTree(Json.write(MAPPER.convertValue(root, Map.class))));
        assertFalse(text.contains("NaN") || text.contains("Infinity"), text);
        assertEquals(device, root.get("device").asText());
        assertFalse(root.get("machine").asText().isBlank());
        JsonNode s = root.get("settings");
        assertEquals(size, s.get("size").asLong());
        assertEquals(3, s.get("repeat").asInt());
        assertEquals(1, s.get("warmup").asInt());
        assertEquals(rotate, s.get("rotate").asInt());
        List<String> names = new ArrayList<>();
        root.get("cases").forEach(c -> names.add(c.get("name").asText()));
        assertEquals(BenchSettings.CASES, names, "every case, copy first");
        checkCases(root, size);
        for (JsonNode c : root.get("cases")) assertEquals(rotate, c.get("buffers").asInt(), c.toString());

        List<String> lines = out.lines().toList();
        int header = -1;
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith("case ")) header = i;
        assertTrue(header >= 0, out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("device " + device + ": ")), out);
        for (String col : BenchTable.HEADER) assertTrue(lines.get(header).contains(col), lines.get(header));
        int row = header + 2;
        for (JsonNode c : root.get("cases")) {
            String line = lines.get(row++);
            List<String> cells = Arrays.asList(line.split("\\s{2,}"));
            assertEquals(c.get("name").asText(), cells.get(0), line);
            assertEquals(c.get("sizes").asText(), cells.get(1), line);
            assertEquals(c.get("buffers").asText(), cells.get(2), line);
            JsonNode bytes = c.get("bytes");
            assertEquals(bytes.isNull() ? "—" : String.format(java.util.Locale.ROOT, "%.2f", bytes.asLong() / 1e6), cells.get(6), line);
            JsonNode gbps = c.get("gbPerSecond");
            assertEquals(gbps.isNull() ? "—" : String.format(java.util.Locale.ROOT, "%.2f", gbps.asDouble()), cells.get(7), line);
        }
        assertTrue(out.contains("wrote " + json), out);
        return root;
    }

    /** Every case's figures against the sizes in the settings and against each other. */
    private static void checkCases(JsonNode root, long n) {
        JsonNode s = root.get("settings");
        JsonNode g = s.get("gemm"), c = s.get("conv"), t = s.get("train");
        long gb = g.get("B").asLong(), gt = g.get("T").asLong(), gm = g.get("M").asLong(), gn = g.get("N").asLong();
        long cn = c.get("N").asLong(), cc = c.get("C").asLong(), ck = c.get("K").asLong(), ch = c.get("H").asLong(),
                cw = c.get("W").asLong(), kk = c.get("kernel").asLong(), pad = c.get("padding").asLong();
        long oh = ch + 2 * pad - kk + 1, ow = cw + 2 * pad - kk + 1, weights = ck * cc * kk * kk;
        Map<String, Long> bytes = new java.util.HashMap<>(Map.of(
                "copy", 2 * 4 * n, "add-squared", 3 * 4 * n, "ssd-dampen", 4 * 4 * n, "gaussian-noise", 3 * 4 * n,
                "sgd-masked", 6 * 4 * n, "adam-masked", 8 * 4 * n, "topk-mask", 2 * 4 * n,
                "per-sample-gemm", 4 * (gb * gm * gt + gb * gt * gn + 2 * gm * gn),
                "per-sample-conv", 4 * (cn * ck * oh * ow + cn * cc * ch * cw + 2 * weights)));
        Map<String, Long> flops = Map.of("add-squared", 3 * n, "per-sample-gemm", gb * gm * gn * (2 * gt + 3),
                "per-sample-conv", cn * weights * (2 * oh * ow + 3));
        double copyGbps = Double.NaN;
        int repeat = s.get("repeat").asInt();
        for (JsonNode k : root.get("cases")) {
            String name = k.get("name").asText();
            double[] ms = new double[repeat];
            assertEquals(repeat, k.get("millis").size(), name);
            for (int i = 0; i < repeat; i++) {
                ms[i] = k.get("millis").get(i).asDouble();
                assertTrue(Double.isFinite(ms[i]) && ms[i] >= 0, name + ": " + ms[i]);
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            double median = repeat % 2 == 1 ? sorted[repeat / 2] : (sorted[repeat / 2 - 1] + sorted[repeat / 2]) / 2;
            assertEquals(median, k.get("medianMs").asDouble(), 1e-12, name);
            assertEquals(sorted[0], k.get("minMs").asDouble(), 1e-12, name);
            assertEquals(sorted[repeat - 1], k.get("maxMs").asDouble(), 1e-12, name);
            assertTrue(median > 0, name + ": a zero median leaves no rate to check");
            assertEquals(100 * (sorted[repeat - 1] - sorted[0]) / median, k.get("spreadPercent").asDouble(), 1e-9, name);
            assertTrue(k.get("buffers").asInt() >= 1, name);
            if (name.equals("train-step")) {
                for (String f : List.of("bytes", "bytesFormula", "gbPerSecond", "percentOfCopy", "flops", "gflopPerSecond"))
                    assertTrue(k.get(f).isNull(), name + " " + f);
                long batch = t.get("batch").asLong();
                assertEquals("images", k.get("unit").asText());
                assertEquals(batch, k.get("unitsPerRun").asLong());
                assertEquals(batch / (median / 1e3), k.get("unitsPerSecond").asDouble(), 1e-9 * batch / (median / 1e3));
                continue;
            }
            assertEquals((long) bytes.get(name), k.get("bytes").asLong(), name + " bytes vs " + k.get("bytesFormula"));
            double gbps = bytes.get(name) / (median * 1e6);
            assertEquals(gbps, k.get("gbPerSecond").asDouble(), 1e-9 * gbps, name);
            if (name.equals("copy")) copyGbps = gbps;
            assertTrue(Double.isFinite(copyGbps), "copy runs first");
            assertEquals(100 * gbps / copyGbps, k.get("percentOfCopy").asDouble(), 1e-9 * 100 * gbps / copyGbps, name);
            if (flops.containsKey(name)) {
                assertEquals((long) flops.get(name), k.get("flops").asLong(), name);
                double gf = flops.get(name) / (median * 1e6);
                assertEquals(gf, k.get("gflopPerSecond").asDouble(), 1e-9 * gf, name);
            } else {
                assertTrue(k.get("flops").isNull() && k.get("gflopPerSecond").isNull(), name);
            }
            assertTrue(k.get("unitsPerSecond").isNull(), name);
        }
    }
}
