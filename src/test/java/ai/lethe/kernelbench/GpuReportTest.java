// benchmarks/gpu/report.py on fixed JSON-lines inputs (written here; the numbers are test inputs, not measurements):
// two real-GPU runs at the full sizes give ratios (Lethe's speed / PyTorch's) and targets met or not; an emulated
// Lethe run and a CPU peer give no ratio and say "not yet measured"; no input at all gives "not yet measured" and
// no figure; different GPUs or presets give no ratio; a run without its end record is "cut short"; --into replaces
// only the marked section (and appends it when missing), and benchmarks/report.py keeps that section when it
// rewrites RESULTS.md; an emulated run's bytes-moved records become a table of ratios against their bound. Needs
// python3 (CI installs it).
package ai.lethe.kernelbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuReportTest {
    @TempDir Path dir;

    static final String LETHE_H200 = """
            {"record":"header","side":"lethe","device":"cuda:0","emulated":false,"available":true,"preset":"full","gpu":"NVIDIA H200","driver_cuda":"13.0","java":"25","timing":"CUDA events"}
            {"record":"case","case":"copy","status":"ok","value":4000.0,"unit":"GB/s","better":"higher","sizes":"N=268435456"}
            {"record":"case","case":"kernel:ssd-dampen","status":"ok","value":3800.0,"unit":"GB/s","better":"higher","sizes":"N=11173962","gb_per_s":3800.0,"percent_of_copy":95.0,"median_ms":0.047}
            {"record":"case","case":"ssd-dampen","status":"ok","value":0.1,"unit":"ms","better":"lower","sizes":"62 tensors"}
            {"record":"counts","model":"resnet18","sizes":"resnet18 width 4, batch 8","launches":276,"gemm_calls":3,"host_syncs":0,"event_waits":2,"allocations":0,"h2d_copies":2,"d2h_copies":0,"repeats":true}
            {"record":"case","case":"resnet18-train-fp32","status":"ok","value":10000.0,"unit":"images/s","better":"higher","sizes":"resnet18, batch 256"}
            {"record":"case","case":"resnet18-train-tf32","status":"not available","reason":"no TF32 option yet"}
            {"record":"case","case":"forward-backward","status":"ok","value":1.6,"unit":"s","better":"lower","sizes":"10240 images"}
            {"record":"case","case":"fisher-batch-mean","status":"ok","value":0.5,"unit":"s","better":"lower","sizes":"10240 images"}
            {"record":"case","case":"fisher-per-sample","status":"ok","value":2.0,"unit":"s","better":"lower","sizes":"10240 images"}
            {"record":"end","seconds":90,"failed":0}
            """;
    static final String PEER_H200 = """
            {"record":"header","side":"pytorch","device":"cuda","emulated":false,"preset":"full","gpu":"NVIDIA H200","driver":"580.159.03","cuda":"13.0","cudnn":91500,"torch":"2.11.0+cu130"}
            {"record":"case","case":"copy","status":"ok","value":4200.0,"unit":"GB/s","better":"higher"}
            {"record":"case","case":"ssd-dampen","status":"ok","value":20.0,"unit":"ms","better":"lower"}
            {"record":"case","case":"ssd-dampen-where","status":"ok","value":5.0,"unit":"ms","better":"lower"}
            {"record":"case","case":"resnet18-train-fp32","status":"ok","value":8000.0,"unit":"images/s","better":"higher"}
            {"record":"case","case":"resnet18-train-tf32","status":"ok","value":25000.0,"unit":"images/s","better":"higher"}
            {"record":"case","case":"forward-backward","status":"ok","value":1.2,"unit":"s","better":"lower"}
            {"record":"case","case":"fisher-batch-mean","status":"ok","value":1.5,"unit":"s","better":"lower"}
            {"record":"case","case":"fisher-per-sample","status":"ok","value":6.0,"unit":"s","better":"lower"}
            {"record":"end","seconds":60,"failed":0}
            """;

    private record Out(int code, String output) {}

    private Out python(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3"));
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("python3 is needed to test benchmarks/gpu/report.py (apt-get install python3): " + e.getMessage(), e);
        }
        String o = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 finished");
        return new Out(p.exitValue(), o);
    }

    private Path file(String name, String text) throws Exception { return Files.writeString(dir.resolve(name), text); }

    private String report(String lethe, String peer) throws Exception {
        List<String> args = new ArrayList<>(List.of("benchmarks/gpu/report.py", "--out", dir.resolve("out.md").toString()));
        if (lethe != null) args.addAll(List.of("--lethe", file("lethe.jsonl", lethe).toString()));
        if (peer != null) args.addAll(List.of("--peer", file("peer.jsonl", peer).toString()));
        Out o = python(args.toArray(String[]::new));
        assertEquals(0, o.code(), o.output());
        return Files.readString(dir.resolve("out.md"));
    }

    private static void contains(String text, String... parts) {
        for (String p : parts) assertTrue(text.contains(p), "expected «" + p + "» in:\n" + text);
    }

    @Test void twoGpuRunsGiveRatiosAndTargets() throws Exception {
        String r = report(LETHE_H200, PEER_H200);
        contains(r, "<!-- gpu: begin", "<!-- gpu: end -->", "NVIDIA H200", "driver 580.159.03", "CUDA 13.0", "PyTorch 2.11.0+cu130",
                "driver CUDA 13.0", "cuDNN 91500");
        contains(r, "| device-to-device copy (bandwidth reference) | 4,000 GB/s | 4,200 GB/s | **0.95** | — | 2,990 GB/s |");
        contains(r, "| ResNet18 CIFAR training step, fp32 | 10,000 images/s | 8,000 images/s | **1.25** | ≥ 1.2× (met) |");
        contains(r, "| ResNet18 training step, TF32 (PyTorch: + channels-last) | not available: no TF32 option yet | 25,000 images/s | — |");
        contains(r, "| batch-mean Fisher (batch 64) vs SSD's reference loop | 0.500 s | 1.50 s | **3.00** | ≥ 3× (met) |");
        contains(r, "| per-sample (exact) Fisher vs torch.func vmap | 2.00 s | 6.00 s | **3.00** | ≥ 4× (not met) |");
        contains(r, "| SSD selection + dampening vs the reference modify_weight | 100 µs | 20.0 ms | **200.00** | ≤ 120 µs (Lethe) (met) |");
        contains(r, "| SSD selection + dampening vs a fused torch.where | 100 µs | 5.00 ms | **50.00** |");
        contains(r, "| per-sample Fisher time / plain forward + backward time (Lethe) | 1.25 | | | ≤ 1.3 (met) |");
        contains(r, "| `ssd-dampen` | N=11173962 | 3,800 | 95% |");
        contains(r, "| resnet18 width 4, batch 8 | 276 | 3 | 0 | 2 | 0 | 2 | 0 | yes |");
        contains(r, "| ViT-S/4 training step, fp32 | not run | not run | — |");
        assertFalse(r.contains("not yet measured"), r);
        assertFalse(r.contains("cut short"), r);
    }

    @Test void anEmulatedRunIsMarkedAndComparedWithNothing() throws Exception {
        String lethe = LETHE_H200.replace("\"device\":\"cuda:0\",\"emulated\":false", "\"device\":\"cuda-emu\",\"emulated\":true")
                .replace("\"preset\":\"full\"", "\"preset\":\"emulated\"").replace("NVIDIA H200", "cuda-emu (liblethe_cudaemu.so)");
        String peer = PEER_H200.replace("\"device\":\"cuda\"", "\"device\":\"cpu\"").replace("\"preset\":\"full\"", "\"preset\":\"smoke\"");
        String r = report(lethe, peer);
        contains(r, "**GPU: not yet measured.**", "cuda-emu (the CUDA emulator on a CPU: emulated, not a GPU)",
                "no ratios here: not both on a real GPU", "10,000 images/s (emulated)", "8,000 images/s (cpu)",
                "(emulated: shares of the emulator's copy, not of a GPU's)", "| resnet18 width 4, batch 8 | 276 |");
        assertFalse(r.contains("**1.25**") || r.contains("(met)") || r.contains("(not met)"), "no ratio, no verdict:\n" + r);
        // a real GPU's run against a CPU peer: still no ratio
        String mixed = report(LETHE_H200, peer);
        assertFalse(mixed.contains("**1.25**"), mixed);
        assertFalse(mixed.contains("not yet measured"), "the Lethe side is a GPU run:\n" + mixed);
    }

    @Test void anEmulatedRunRecordsTheBytesMovedAgainstTheirBound() throws Exception {
        String lethe = LETHE_H200.replace("\"device\":\"cuda:0\",\"emulated\":false", "\"device\":\"cuda-emu\",\"emulated\":true")
                .replace("{\"record\":\"end\"", """
                        {"record":"bytes","name":"binary ADD","kernel":"binary_f32_strided","launches":1,"read":2000,"written":1000,"min_read":2000,"min_written":1000,"ratio":1.0,"bound":1.1}
                        {"record":"bytes","name":"bias + GELU 4x4","kernel":"bias_gelu_f32","launches":1,"read":1200,"written":1000,"min_read":1000,"min_written":1000,"ratio":1.1,"bound":1.1}
                        {"record":"bytes","name":"cross-entropy backward","kernel":"cross_entropy_backward_f32","launches":1,"read":3000,"written":1000,"min_read":1000,"min_written":1000,"ratio":2.0,"bound":1.1}
                        {"record":"bytes","name":"layer norm","kernel":"layer_norm_onepass_f32","launches":1,"read":1060,"written":1000,"min_read":1000,"min_written":1000,"ratio":1.03,"bound":null}
                        {"record":"end""");
        String r = report(lethe, null);
        contains(r, "### Bytes moved by the memory-bound kernels", "Counted exactly on `cuda-emu`",
                "| binary ADD | `binary_f32_strided` | 2,000 | 1,000 | 3,000 | 1.000 | ≤ 1.1 ✓ |",
                "| bias + GELU 4x4 | `bias_gelu_f32` | 1,200 | 1,000 | 2,000 | 1.100 | ≤ 1.1 ✓ |",
                "| cross-entropy backward | `cross_entropy_backward_f32` | 3,000 | 1,000 | 2,000 | 2.000 | ≤ 1.1 ✗ |",
                "| layer norm | `layer_norm_onepass_f32` | 1,060 | 1,000 | 2,000 | 1.030 | recorded |");
        // a GPU run counts no bytes: the section says where they come from
        contains(report(LETHE_H200, PEER_H200), "### Bytes moved by the memory-bound kernels", "a `--emulated` run records them");
    }

    @Test void withoutJsonNothingIsMeasuredAndNoFigureAppears() throws Exception {
        Out o = python("benchmarks/gpu/report.py", "--lethe", dir.resolve("missing.jsonl").toString(), "--out", dir.resolve("out.md").toString());
        assertEquals(0, o.code(), o.output());
        String r = Files.readString(dir.resolve("out.md"));
        contains(r, "**GPU: not yet measured.**", "- Lethe: not yet measured", "- PyTorch: not yet measured", "Not recorded");
        assertFalse(r.matches("(?s).*\\d+(\\.\\d+)? (images/s|GB/s|ms|s|µs) .*"), "no figure:\n" + r);
        assertFalse(r.contains("| Case |"), r);
    }

    @Test void differentGpusOrSizesAreNotCompared() throws Exception {
        String r = report(LETHE_H200, PEER_H200.replace("NVIDIA H200", "NVIDIA H100 80GB HBM3"));
        contains(r, "different GPUs (NVIDIA H200 / NVIDIA H100 80GB HBM3)");
        assertFalse(r.contains("**1.25**"), r);
        String s = report(LETHE_H200, PEER_H200.replace("\"preset\":\"full\"", "\"preset\":\"smoke\""));
        contains(s, "not both at the full sizes");
    }

    @Test void differentNetworksAreFlagged() throws Exception {
        String lethe = LETHE_H200.replace("\"sizes\":\"resnet18, batch 256\"", "\"sizes\":\"resnet18, batch 256\",\"parameters\":11173962");
        String same = report(lethe, PEER_H200.replace("\"value\":8000.0,", "\"value\":8000.0,\"parameters\":11173962,"));
        assertFalse(same.contains("Warning"), same);
        String other = report(lethe, PEER_H200.replace("\"value\":8000.0,", "\"value\":8000.0,\"parameters\":11181642,"));
        contains(other, "**Warning:** `resnet18-train-fp32`: Lethe's model has 11,173,962 parameters, PyTorch's 11,181,642: not the same network.");
    }

    @Test void aRunWithoutItsEndIsCutShort() throws Exception {
        String cut = LETHE_H200.substring(0, LETHE_H200.indexOf("{\"record\":\"case\",\"case\":\"resnet18-train-fp32\""))
                + "{\"record\":\"case\",\"case\":\"resnet18-tr";   // killed mid-line
        String r = report(cut, PEER_H200);
        contains(r, "**cut short**", "| ResNet18 CIFAR training step, fp32 | not reached (run cut short) | 8,000 images/s | — |",
                "| device-to-device copy (bandwidth reference) | 4,000 GB/s | 4,200 GB/s | **0.95** |");
    }

    @Test void intoReplacesOnlyTheSectionAndTheCpuReportKeepsIt() throws Exception {
        Path results = file("RESULTS.md", "# Results\n\nCPU table\n\n<!-- gpu: begin (old) -->\nold GPU text\n<!-- gpu: end -->\n\n## After\nmore\n");
        Out o = python("benchmarks/gpu/report.py", "--lethe", file("lethe.jsonl", LETHE_H200).toString(), "--into", results.toString());
        assertEquals(0, o.code(), o.output());
        String once = Files.readString(results);
        assertTrue(once.startsWith("# Results\n\nCPU table\n\n<!-- gpu: begin (generated by benchmarks/gpu/report.py"), once);
        assertTrue(once.endsWith("<!-- gpu: end -->\n\n## After\nmore\n"), once);
        assertFalse(once.contains("old GPU text"), once);
        contains(once, "10,000 images/s");
        assertEquals(1, once.split("<!-- gpu: begin", -1).length - 1, "one section");
        o = python("benchmarks/gpu/report.py", "--lethe", dir.resolve("lethe.jsonl").toString(), "--into", results.toString());
        assertEquals(0, o.code(), o.output());
        assertEquals(once, Files.readString(results), "rendering again changes nothing");

        Path bare = file("bare.md", "# Results\n\nCPU only\n");
        assertEquals(0, python("benchmarks/gpu/report.py", "--into", bare.toString()).code());
        String appended = Files.readString(bare);
        assertTrue(appended.startsWith("# Results\n\nCPU only\n\n<!-- gpu: begin"), appended);
        contains(appended, "**GPU: not yet measured.**");

        Path broken = file("broken.md", "x\n<!-- gpu: begin\nno end\n");
        Out b = python("benchmarks/gpu/report.py", "--into", broken.toString());
        assertEquals(2, b.code(), b.output());
        contains(b.output(), "without its '<!-- gpu: end -->'");
        assertEquals("x\n<!-- gpu: begin\nno end\n", Files.readString(broken), "left as it was");

        // benchmarks/report.py (the CPU report) rewrites RESULTS.md but keeps the GPU section it finds there
        Out kept = python("-c", "import sys; sys.path.insert(0, 'benchmarks'); import report; "
                + "sys.stdout.write(report.kept_gpu_section(sys.argv[1]))", results.toString());
        assertEquals(0, kept.code(), kept.output());
        String section = once.substring(once.indexOf("<!-- gpu: begin"), once.indexOf("<!-- gpu: end -->") + "<!-- gpu: end -->".length());
        assertEquals(section + "\n", kept.output());
        Out none = python("-c", "import sys; sys.path.insert(0, 'benchmarks'); import report; "
                + "sys.stdout.write(repr(report.kept_gpu_section(sys.argv[1])))", bare.resolveSibling("nothing.md").toString());
        assertEquals("''", none.output());
    }

    @Test void usage() throws Exception {
        Out o = python("benchmarks/gpu/report.py", "--lethe", "x.jsonl");
        assertEquals(2, o.code(), o.output());
        contains(o.output(), "give --out FILE and/or --into FILE");
    }
}
