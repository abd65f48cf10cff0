// The Lethe half of the GPU benchmark against PyTorch (issue 15; benchmarks/gpu/device-check runs it after the
// tests, benchmarks/gpu/peer_gpu.py is the other half, benchmarks/gpu/report.py renders both). Measures on one
// device — cuda, or cuda-emu at scaled-down sizes — the anchors and writes them as JSON lines, one per
// case as it finishes (a run cut short keeps what it did):
//   {"record": "header", "side": "lethe", "device", "emulated", "gpu", "cuda", "preset", "timing", ...}
//   {"record": "case", "case": ID, "status": "ok", "value", "unit", "better", "median_ms", "min_ms", "max_ms", "runs", ...}
//   {"record": "case", "case": ID, "status": "not available" | "skipped" | "failed", "reason": ...}
//   {"record": "counts", "model", "sizes", "launches", "host_syncs", "allocations", ...}   (CUDA devices only)
//   {"record": "bytes", "name", "kernel", "read", "written", "min_read", "min_written", "ratio", "bound"}   (cuda-emu only)
//   {"record": "end", "seconds", "failed"}
// Cases, in run order: copy (GB/s, a large device-to-device copy); kernel:NAME (lethe bench's kernel cases at the
// preset's size: GB/s and % of the copy bandwidth of the same size); ssd-dampen, global-topk, sgd-masked (ms);
// the steady training step's device counters (TrainingStepProxiesTest's models, then the benchmark's); the bytes each
// memory-bound kernel moves against its minimum (BytesMoved, counted by the emulator: cuda-emu only);
// resnet18-train-{fp32,tf32,bf16} and vit-s4-train-{fp32,tf32,bf16} (images/s; TF32 and bf16 are the same step
// under Precision.autocast: conv/GEMM inputs rounded); forward-backward, fisher-batch-mean, fisher-per-sample (s per pass).
// Times: CUDA events on the backend's stream (Clock), medians of the timed runs after warm-up; a case stops taking
// runs after the preset's per-case budget, and no case starts after --budget-s (those are written "skipped").
//
//   java -cp CLASSPATH ai.lethe.kernelbench.GpuBench cuda|cuda-emu|cpu OUT.jsonl [--preset full|emulated|smoke]
//        [--budget-s SECONDS] [--cases ID,...]
// Default preset: full on cuda, emulated on cuda-emu, smoke elsewhere. Exit 0 when no case failed, 1 when one did,
// 2 on bad arguments or an unavailable device (the header then says why).
package ai.lethe.kernelbench;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Precision;
import ai.lethe.backend.cuda.BytesMoved;
import ai.lethe.backend.cuda.CountingRuntime;
import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.backend.cuda.DeviceCounters;
import ai.lethe.backend.cuda.EmulatedRuntime;
import ai.lethe.backend.cuda.NvidiaRuntime;
import ai.lethe.core.Device;
import ai.lethe.fisher.FisherKind;
import ai.lethe.train.StepCounts;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

public final class GpuBench implements AutoCloseable {
    /** Every case id, in run order ("kernels", "counts" and "bytes" name groups of records). */
    public static final List<String> CASES = List.of("copy", "kernels", "ssd-dampen", "global-topk", "sgd-masked", "counts", "bytes",
            "resnet18-train-fp32", "resnet18-train-tf32", "resnet18-train-bf16", "vit-s4-train-fp32", "vit-s4-train-tf32",
            "vit-s4-train-bf16", "forward-backward", "fisher-batch-mean", "fisher-per-sample");
    /** The kernel cases of lethe bench that run under "kernels" (train-step is measured as the anchors' training steps). */
    static final List<String> KERNELS = BenchSettings.CASES.stream().filter(c -> !c.equals("train-step") && !c.equals("copy")).toList();
    static final long SEED = 7;

    private final Device device;
    private final GpuPreset preset;
    private final long deadline;
    private final List<String> cases;
    private final BufferedWriter out;
    private final ObjectMapper json = new ObjectMapper();
    private final long t0 = System.nanoTime();
    private int failed;

    GpuBench(Device device, GpuPreset preset, double budgetS, List<String> cases, Path file) throws IOException {
        this.device = device;
        this.preset = preset;
        this.deadline = t0 + (long) (budgetS * 1e9);
        this.cases = cases;
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out::println));
    }

    /** Parses the arguments, runs the benchmark, returns the exit code; {@code log} sees one line per case. */
    static int run(String[] args, java.util.function.Consumer<String> log) throws IOException {
        if (args.length < 2) return usage(log, "expected a device and an output file");
        Device device;
        try {
            device = Device.parse(args[0]);
            Backends.byName(device.type());   // a known device, available or not
        } catch (IllegalArgumentException e) {
            return usage(log, e.getMessage());
        }
        String presetName = switch (device.type()) {
            case "cuda" -> "full";
            case CudaBackend.EMULATED -> "emulated";
            default -> "smoke";
        };
        double budget = 600;
        List<String> cases = CASES;
        for (int i = 2; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) return usage(log, a + " needs a value");
            String v = args[++i];
            switch (a) {
                case "--preset" -> presetName = v;
                case "--budget-s" -> {
                    try {
                        budget = Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        return usage(log, "--budget-s: not a number: " + v);
                    }
                    if (!(budget > 0)) return usage(log, "--budget-s: must be positive, got " + v);
                }
                case "--cases" -> {
                    cases = Arrays.stream(v.split(",")).map(String::strip).toList();
                    for (String c : cases) if (!CASES.contains(c)) return usage(log, "--cases: unknown case '" + c + "'; known: " + String.join(", ", CASES));
                }
                default -> { return usage(log, "unknown option " + a); }
            }
        }
        GpuPreset preset;
        try {
            preset = GpuPreset.of(presetName);
        } catch (IllegalArgumentException e) {
            return usage(log, "--preset: " + e.getMessage());
        }
        try (GpuBench bench = new GpuBench(device, preset, budget, cases, Path.of(args[1]))) {
            return bench.all(log);
        }
    }

    private static int usage(java.util.function.Consumer<String> log, String problem) {
        log.accept("GpuBench: " + problem);
        log.accept("usage: GpuBench cuda|cuda-emu|cpu OUT.jsonl [--preset full|emulated|smoke] [--budget-s SECONDS] [--cases ID,...]");
        return 2;
    }

    /** Runs the selected cases; the exit code. */
    int all(java.util.function.Consumer<String> log) {
        Backend named = Backends.byName(device.type());
        Availability a = named.availability();
        write(header(named, a));
        if (!a.available()) {
            log.accept("GpuBench: " + device + " is not available: " + a.reason());
            return 2;
        }
        Backend backend = Backends.of(device);
        log.accept("GpuBench: " + device + ", preset " + preset.name() + ", writing JSON lines");
        try (Clock clock = Clock.of(backend)) {
            for (String c : cases) one(c, clock, log);
        }
        Map<String, Object> end = record("end");
        end.put("seconds", round((System.nanoTime() - t0) / 1e9));
        end.put("failed", failed);
        write(end);
        return failed == 0 ? 0 : 1;
    }

    private void one(String id, Clock clock, java.util.function.Consumer<String> log) {
        if (System.nanoTime() > deadline) {
            write(status(id, "skipped", "the benchmark's time budget was spent before this case"));
            log.accept("  " + id + ": skipped (time budget)");
            return;
        }
        try {
            switch (id) {
                case "copy" -> copy(log);
                case "kernels" -> kernels(log);
                case "counts" -> counts(log);
                case "bytes" -> bytes(log);
                case "ssd-dampen" -> timed(() -> AnchorCases.ssdDampen(preset, device, SEED), preset.kernelRuns(), clock, log);
                case "global-topk" -> timed(() -> AnchorCases.globalTopK(preset, device, SEED), preset.kernelRuns(), clock, log);
                case "sgd-masked" -> timed(() -> AnchorCases.sgdMasked(preset, device, SEED), preset.kernelRuns(), clock, log);
                case "resnet18-train-fp32" -> timed(() -> AnchorCases.trainStep(id, preset.resnet(), device, SEED), preset.trainRuns(), clock, log);
                case "vit-s4-train-fp32" -> timed(() -> AnchorCases.trainStep(id, preset.vit(), device, SEED), preset.trainRuns(), clock, log);
                case "resnet18-train-tf32", "resnet18-train-bf16" -> {
                    try (var _ = Precision.autocast(id.endsWith("-tf32") ? Precision.TF32 : Precision.BF16)) {
                        timed(() -> AnchorCases.trainStep(id, preset.resnet(), device, SEED), preset.trainRuns(), clock, log);
                    }
                }
                case "vit-s4-train-tf32", "vit-s4-train-bf16" -> {
                    try (var _ = Precision.autocast(id.endsWith("-tf32") ? Precision.TF32 : Precision.BF16)) {
                        timed(() -> AnchorCases.trainStep(id, preset.vit(), device, SEED), preset.trainRuns(), clock, log);
                    }
                }
                case "forward-backward" -> timed(() -> AnchorCases.fisher(id, preset.fisher(), null, device, SEED), preset.fisherRuns(), clock, log);
                case "fisher-batch-mean" -> timed(() -> AnchorCases.fisher(id, preset.fisher(), FisherKind.BATCH_MEAN, device, SEED), preset.fisherRuns(), clock, log);
                case "fisher-per-sample" -> timed(() -> AnchorCases.fisher(id, preset.fisher(), FisherKind.PER_SAMPLE, device, SEED), preset.fisherRuns(), clock, log);
                default -> throw new IllegalArgumentException("unknown case " + id);
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            failed++;
            write(status(id, "failed", firstLine(e)));
            log.accept("  " + id + ": FAILED " + firstLine(e));
        }
    }

    /** Builds the case, warms it up, times up to runs.max() runs within the per-case budget, writes its record. */
    private void timed(Supplier<AnchorCases.Case> build, GpuPreset.Runs runs, Clock clock, java.util.function.Consumer<String> log) {
        try (AnchorCases.Case c = build.get()) {
            for (int w = 0; w < runs.warmup(); w++) {
                int i = w;
                clock.millis(() -> c.warm().accept(i));
            }
            List<Double> ms = new ArrayList<>();
            long start = System.nanoTime(), budget = (long) (preset.caseBudgetS() * 1e9);
            for (int r = 0; r < runs.max(); r++) {
                long now = System.nanoTime();
                if (r > 0 && (now - start > budget || now > deadline)) break;
                int i = runs.warmup() + r;
                ms.add(clock.millis(() -> c.run().accept(i)));
            }
            clock.finish();
            KernelBench.Stats st = KernelBench.Stats.of(ms.stream().mapToDouble(Double::doubleValue).toArray());
            if (!(st.medianMs() > 0) || !Double.isFinite(st.maxMs()))
                throw new IllegalStateException(c.id() + ": the device timed " + ms + " ms (expected positive, finite times)");
            double seconds = st.medianMs() / 1e3;
            double value = switch (c.unit()) {
                case IMAGES_PER_S -> c.images() / seconds;
                case SECONDS -> seconds;
                case MILLIS -> st.medianMs();
                case GB_PER_S -> c.bytes() / seconds / 1e9;
            };
            Map<String, Object> m = record("case");
            m.put("case", c.id());
            m.put("status", "ok");
            m.put("value", value);
            m.put("unit", c.unit().label);
            m.put("better", c.unit().higherIsBetter ? "higher" : "lower");
            m.put("what", c.what());
            m.put("sizes", c.sizes());
            m.put("parameters", c.parameters());
            if (c.images() > 0) {
                m.put("images", c.images());
                m.put("images_per_s", c.images() / seconds);
            }
            if (c.bytes() > 0) {
                m.put("bytes", c.bytes());
                m.put("gb_per_s", c.bytes() / seconds / 1e9);
            }
            stats(m, st, ms, runs.warmup());
            write(m);
            log.accept(String.format(java.util.Locale.ROOT, "  %-20s %12.4g %-8s (median of %d, %s)", c.id(), value, c.unit().label, ms.size(), c.sizes()));
        }
    }

    private static void stats(Map<String, Object> m, KernelBench.Stats st, List<Double> ms, int warmup) {
        m.put("median_ms", st.medianMs());
        m.put("min_ms", st.minMs());
        m.put("max_ms", st.maxMs());
        m.put("runs", ms.size());
        m.put("warmup", warmup);
        m.put("times_ms", ms);
    }

    /** The copy bandwidth: lethe bench's copy case (device to device, 8 bytes an element) at the preset's copy size. */
    private void copy(java.util.function.Consumer<String> log) {
        KernelBench.Report r = KernelBench.run(kernelSettings(preset.copySize(), List.of()), device, device.toString(), x -> {});
        KernelBench.CaseResult c = r.cases().getFirst();
        if (c.gbPerSecond() == null) throw new IllegalStateException("copy: the device timed a zero median");
        Map<String, Object> m = record("case");
        m.put("case", "copy");
        m.put("status", "ok");
        m.put("value", c.gbPerSecond());
        m.put("unit", "GB/s");
        m.put("better", "higher");
        m.put("what", "device-to-device copy, bytes read + written (8 per float) over the median time");
        m.put("sizes", c.info().sizes() + " floats (" + c.info().buffers() + " rotating buffer sets)");
        m.put("bytes", c.info().bytes());
        m.put("gb_per_s", c.gbPerSecond());
        stats(m, c.stats(), c.millis(), preset.kernelRuns().warmup());
        write(m);
        log.accept(String.format(java.util.Locale.ROOT, "  %-20s %12.4g GB/s", "copy", c.gbPerSecond()));
    }

    /** lethe bench's kernel cases at the preset's kernel size, each with GB/s and % of that size's copy. */
    private void kernels(java.util.function.Consumer<String> log) {
        KernelBench.Report r = KernelBench.run(kernelSettings(preset.kernelSize(), KERNELS), device, device.toString(), x -> {});
        for (KernelBench.CaseResult c : r.cases()) {
            Map<String, Object> m = record("case");
            m.put("case", "kernel:" + c.info().name());
            m.put("status", "ok");
            m.put("value", c.gbPerSecond());
            m.put("unit", "GB/s");
            m.put("better", "higher");
            m.put("what", c.info().what());
            m.put("sizes", c.info().sizes());
            m.put("bytes", c.info().bytes());
            m.put("bytes_formula", c.info().bytesFormula());
            m.put("gb_per_s", c.gbPerSecond());
            m.put("percent_of_copy", c.percentOfCopy());
            if (c.gflopPerSecond() != null) m.put("gflop_per_s", c.gflopPerSecond());
            stats(m, c.stats(), c.millis(), preset.kernelRuns().warmup());
            write(m);
            log.accept(String.format(java.util.Locale.ROOT, "  %-20s %12.4g GB/s %s%% of copy", "kernel:" + c.info().name(),
                    c.gbPerSecond(), c.percentOfCopy() == null ? "—" : String.format(java.util.Locale.ROOT, "%.1f", c.percentOfCopy())));
        }
    }

    private BenchSettings kernelSettings(long size, List<String> kernels) {
        boolean full = preset == GpuPreset.FULL;
        return new BenchSettings(size, preset.kernelRuns().max(), preset.kernelRuns().warmup(), 0, kernels,
                full ? BenchSettings.GemmShape.FULL : BenchSettings.GemmShape.QUICK,
                full ? BenchSettings.ConvShape.FULL : BenchSettings.ConvShape.QUICK,
                new BenchSettings.TrainShape(preset.resnet().label(), preset.resnet().config(), preset.resnet().batch(),
                        preset.resnet().channels(), preset.resnet().side(), preset.resnet().classes()), SEED);
    }

    /** The steady training step's device counters (StepCounts: the trainer's own step) of each of the preset's count models. */
    private void counts(java.util.function.Consumer<String> log) {
        if (!(Backends.implementation(Backends.of(device)) instanceof CudaBackend)) {
            write(status("counts", "not available", device + " has no device counters (CUDA devices only)"));
            return;
        }
        for (GpuPreset.Model model : preset.counts()) {
            StepCounts.Result r = StepCounts.measure(model.config(), model.batch(), model.channels(), model.side(), model.classes(), device, 3);
            DeviceCounters s = r.steady();
            Map<String, Object> m = record("counts");
            m.put("model", model.label());
            m.put("sizes", model.sizes());
            m.put("launches", s.launches());
            m.put("gemm_calls", s.gemmCalls());
            m.put("host_syncs", s.hostSynchronizations());
            m.put("event_waits", s.eventWaits());
            m.put("allocations", s.deviceAllocations());
            m.put("h2d_copies", s.hostToDeviceCopies());
            m.put("h2d_bytes", s.hostToDeviceBytes());
            m.put("d2h_copies", s.deviceToHostCopies());
            m.put("d2h_bytes", s.deviceToHostBytes());
            m.put("repeats", r.repeats());
            m.put("first_step_launches", r.first().launches());
            m.put("first_step_allocations", r.first().deviceAllocations());
            m.put("window_read_syncs", r.flush().hostSynchronizations());
            write(m);
            log.accept(String.format(java.util.Locale.ROOT, "  counts %-45s %d launches, %d GEMMs, %d syncs, %d allocations a step",
                    model.label(), s.launches(), s.gemmCalls(), s.hostSynchronizations(), s.deviceAllocations()));
        }
    }

    /** The bytes each memory-bound kernel reads and writes against its minimum (BytesMoved: the emulator counts them). */
    private void bytes(java.util.function.Consumer<String> log) {
        if (!(Backends.implementation(Backends.of(device)) instanceof CudaBackend c)
                || !(CountingRuntime.unwrap(c.context().runtime()) instanceof EmulatedRuntime)) {
            write(status("bytes", "not available", device + ": bytes moved are counted by the CUDA emulator only (cuda-emu)"));
            return;
        }
        for (BytesMoved.Result r : BytesMoved.measure(BytesMoved.TEST_ELEMENTS)) {
            Map<String, Object> m = record("bytes");
            m.put("name", r.name());
            m.put("kernel", r.kernel());
            m.put("launches", r.launches());
            m.put("read", r.read());
            m.put("written", r.written());
            m.put("min_read", r.minRead());
            m.put("min_written", r.minWritten());
            m.put("ratio", Math.round(r.ratio() * 1e4) / 1e4);
            m.put("bound", r.listed() ? 1.1 : null);
            write(m);
            log.accept(String.format(java.util.Locale.ROOT, "  bytes  %-40s %.4fx the minimum", r.name(), r.ratio()));
        }
    }

    private Map<String, Object> header(Backend backend, Availability a) {
        Map<String, Object> h = record("header");
        h.put("side", "lethe");
        h.put("format", 1);
        h.put("device", device.toString());
        h.put("emulated", device.type().equals(CudaBackend.EMULATED));
        h.put("available", a.available());
        if (!a.available()) h.put("availability", a.reason());
        h.put("preset", preset.name());
        h.put("date", Instant.now().toString());
        h.put("java", Runtime.version().toString());
        h.put("cpu", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        h.put("load_1min", loadAverage());
        String gpu = null, cuda = null;
        if (a.available() && Backends.implementation(backend) instanceof CudaBackend c) {
            gpu = c.context().runtime().description();
            if (c.context().runtime() instanceof NvidiaRuntime n) {
                gpu = n.device().name();
                cuda = n.device().driverCuda();
                h.put("gpu_detail", n.device().toString());
            }
        }
        h.put("gpu", gpu);
        h.put("driver_cuda", cuda);
        h.put("timing", a.available() ? timing(backend) : null);
        h.put("budget_s", round((deadline - t0) / 1e9));
        return h;
    }

    private static String timing(Backend backend) {
        try (Clock c = Clock.of(backend)) {
            return c.method() + "; median of the timed runs after warm-up";
        }
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).strip();
        } catch (IOException | RuntimeException e) {
            // not Linux: the architecture will do
        }
        return System.getProperty("os.arch");
    }

    /** The 1-minute load average at the start (other work on the machine skews every time), or null off Linux. */
    static Double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Map<String, Object> record(String kind) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("record", kind);
        return m;
    }

    private static Map<String, Object> status(String id, String status, String reason) {
        Map<String, Object> m = record("case");
        m.put("case", id);
        m.put("status", status);
        m.put("reason", reason);
        return m;
    }

    private static String firstLine(Throwable e) {
        String s = e.toString();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static double round(double v) { return Math.round(v * 100) / 100.0; }

    private void write(Map<String, Object> m) {
        try {
            out.write(json.writeValueAsString(m));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override public void close() throws IOException { out.close(); }
}
