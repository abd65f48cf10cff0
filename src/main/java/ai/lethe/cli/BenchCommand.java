// `lethe bench`: times the unlearning and pruning kernels and one training step on the chosen device (--device, the
// global option) and prints a table — time (median, min, spread), bytes per run, GB/s and % of the measured
// device-to-device copy bandwidth, GFLOP/s — with --json FILE writing every number and the settings (atomically).
// The measuring itself is ai.lethe.kernelbench; this file holds the options, their checks (usage errors, exit code
// 2, before anything runs), the machine's name, the table and the JSON document.
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.core.Device;
import ai.lethe.data.ImageShape;
import ai.lethe.experiment.ExperimentConfig.ModelSpec;
import ai.lethe.io.AtomicFiles;
import ai.lethe.kernelbench.BenchSettings;
import ai.lethe.kernelbench.KernelBench;
import ai.lethe.models.ModelConfig;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Time the unlearning and pruning kernels and a training step on the device (--device): median,"
                + " min and spread of the timed runs (CUDA events on a GPU, wall time on cpu/ref), GB/s from the minimum"
                + " bytes each run moves, %% of the measured device-to-device copy bandwidth, GFLOP/s.",
                "Cases: " + "copy, add-squared, ssd-dampen, gaussian-noise, sgd-masked, adam-masked, topk-mask,"
                        + " per-sample-gemm, per-sample-conv, train-step (copy always runs: it is the reference)."})
final class BenchCommand implements Callable<Integer> {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)([kKmMgG]?)");

    @Spec CommandSpec spec;

    @Option(names = {"--size", "--params"}, paramLabel = "N",
            description = "Elements of the elementwise, optimizer and top-k cases: a count or 4M, 11.17M (default: 11.17M,"
                    + " ResNet18's parameters; 1M with --quick).")
    String size;

    @Option(names = "--quick", description = "Small sizes and fewer runs (a minute or two on cuda-emu).")
    boolean quick;

    @Option(names = "--repeat", paramLabel = "R", description = "Timed runs per case (default: 10; 5 with --quick).")
    Integer repeat;

    @Option(names = "--warmup", paramLabel = "W", description = "Untimed runs before them (default: 3; 1 with --quick).")
    Integer warmup;

    @Option(names = "--rotate", paramLabel = "K",
            description = "Buffer sets the runs rotate over (default: per case, enough to span 256 MiB, 2 to 8).")
    Integer rotate;

    @Option(names = "--cases", paramLabel = "LIST", split = ",", description = "The cases to run (default: all).")
    List<String> cases;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "resnet18",
            description = "The training step's model: resnet18, vit (= vit-tiny), vit-tiny, vit-small, vit-base (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--width", paramLabel = "N", description = "ResNet width of the training step (default: 16; 8 with --quick).")
    Integer width;

    @Option(names = "--batch", paramLabel = "B", description = "Batch of the training step (default: 32; 4 with --quick).")
    Integer batch;

    @Option(names = "--image-size", paramLabel = "N", description = "Image side of the training step (default: 32; 16 with --quick).")
    Integer imageSize;

    @Option(names = "--patch", paramLabel = "N", defaultValue = "4", description = "ViT patch size (default: ${DEFAULT-VALUE}).")
    int patch;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the random inputs.")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write every number and the settings to FILE (JSON).")
    Path json;

    @Override public Integer call() throws IOException {
        BenchSettings settings = settings();
        if (json != null) {
            if (Files.isDirectory(json)) throw usage("--json: " + json + " is a folder; name a file");
            Path parent = json.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) throw usage("--json: the folder of " + json + " does not exist");
        }
        Device device = Backends.defaultDevice();
        String machine = machine(device);
        PrintWriter out = spec.commandLine().getOut();
        if (device.type().equals(CudaBackend.EMULATED) && !quick && size == null) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("lethe bench: cuda-emu runs the CUDA kernels in a CPU emulator, slow by design: the full sizes take"
                    + " many minutes there; --quick runs small sizes in a minute or two");
            err.flush();
        }
        out.printf(Locale.ROOT, "lethe bench: %d cases on %s%n", KernelBench.order(settings.cases()).size(), device);
        out.flush();
        KernelBench.Report report = KernelBench.run(settings, device, machine, r -> {});
        out.print(BenchTable.text(report));
        out.flush();
        if (json != null) {
            AtomicFiles.write(json, Json.write(BenchTable.document(report, quick)).getBytes(StandardCharsets.UTF_8));
            out.println("wrote " + json);
            out.flush();
        }
        return 0;
    }

    /** The settings from the options and the preset (full, or --quick), every value checked (a usage error naming it). */
    BenchSettings settings() {
        long n = size == null ? (quick ? BenchSettings.QUICK_SIZE : BenchSettings.FULL_SIZE) : parseSize(size);
        int r = repeat == null ? (quick ? 5 : 10) : repeat;
        if (r < 1) throw usage("--repeat: must be >= 1, got " + r);
        int w = warmup == null ? (quick ? 1 : 3) : warmup;
        if (w < 0) throw usage("--warmup: must be >= 0, got " + w);
        if (rotate != null && (rotate < 1 || rotate > BenchSettings.MAX_ROTATION))
            throw usage("--rotate: must be in [1, " + BenchSettings.MAX_ROTATION + "], got " + rotate);
        List<String> names = new ArrayList<>();
        if (cases == null || cases.isEmpty()) names.addAll(BenchSettings.CASES);
        else for (String c : cases) {
            String name = c.strip();
            if (name.equals("all")) names.addAll(BenchSettings.CASES);
            else if (BenchSettings.CASES.contains(name)) names.add(name);
            else throw usage("--cases: unknown case '" + name + "'; known: " + String.join(", ", BenchSettings.CASES) + " (or all)");
        }
        int wd = width == null ? (quick ? 8 : 16) : width;
        if (wd <= 0) throw usage("--width: must be positive, got " + wd);
        int b = batch == null ? (quick ? 4 : 32) : batch;
        if (b <= 0) throw usage("--batch: must be positive, got " + b);
        int side = imageSize == null ? (quick ? 16 : 32) : imageSize;
        if (side <= 0) throw usage("--image-size: must be positive, got " + side);
        if (patch <= 0) throw usage("--patch: must be positive, got " + patch);
        String arch = model.equals("vit") ? "vit-tiny" : model;
        if (!ModelSpec.ARCHS.contains(arch))
            throw usage("--model: unknown model '" + model + "'; known: resnet18, vit, " + String.join(", ", ModelSpec.ARCHS.subList(1, ModelSpec.ARCHS.size())));
        int channels = 3, classes = 10;
        ModelConfig config;
        try {
            config = new ModelSpec(arch, wd, "cifar", patch, 0).config(new ImageShape(channels, side, side), classes);
        } catch (IllegalArgumentException e) {
            throw usage("--model: " + arch + " on " + side + "×" + side + " images: " + e.getMessage());
        }
        String label = arch.equals("resnet18") ? "resnet18 width " + wd : arch + " patch " + patch;
        try {
            return new BenchSettings(n, r, w, rotate == null ? 0 : rotate, names,
                    quick ? BenchSettings.GemmShape.QUICK : BenchSettings.GemmShape.FULL,
                    quick ? BenchSettings.ConvShape.QUICK : BenchSettings.ConvShape.FULL,
                    new BenchSettings.TrainShape(label, config, b, channels, side, classes), seed);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** "11.17M" → 11170000: a positive whole count, optionally with k (10^3), M (10^6) or G (10^9). */
    private long parseSize(String text) {
        Matcher m = SIZE.matcher(text.strip());
        String expected = "--size: expected a positive count such as 1048576, 4M or 11.17M, got '" + text + "'";
        if (!m.matches()) throw usage(expected);
        double unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 1e3;
            case "m" -> 1e6;
            case "g" -> 1e9;
            default -> 1;
        };
        double v = Double.parseDouble(m.group(1)) * unit;
        if (!(v >= 1) || v > (1L << 40) || v != Math.rint(v))
            throw usage(v >= 1 && v <= (1L << 40) ? "--size: " + text + " is not a whole number of elements" : expected);
        return (long) v;
    }

    /** What the device runs on: the GPU's description, or the CPU's model and cores (the emulator: both). */
    static String machine(Device device) {
        String cpu = (SystemReport.cpuModel() == null ? "unknown CPU" : SystemReport.cpuModel()) + ", "
                + Runtime.getRuntime().availableProcessors() + " cores";
        if (Backends.implementation(Backends.of(device)) instanceof CudaBackend cuda) {
            String gpu = cuda.context().runtime().description();
            return device.type().equals(CudaBackend.EMULATED) ? gpu + " on " + cpu : gpu;
        }
        return cpu;
    }

    private ParameterException usage(String message) { return new ParameterException(spec.commandLine(), message); }

    /** The settings as the JSON document records them. */
    static Map<String, Object> settingsMap(BenchSettings s, boolean quick) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("preset", quick ? "quick" : "full");
        m.put("size", s.size());
        m.put("repeat", s.repeat());
        m.put("warmup", s.warmup());
        m.put("rotate", s.rotate() == 0 ? "auto" : s.rotate());
        m.put("cases", KernelBench.order(s.cases()));
        var g = s.gemm();
        Map<String, Object> gemm = new LinkedHashMap<>();
        gemm.put("B", g.b());
        gemm.put("T", g.t());
        gemm.put("M", g.m());
        gemm.put("N", g.n());
        m.put("gemm", gemm);
        var c = s.conv();
        Map<String, Object> conv = new LinkedHashMap<>();
        conv.put("N", c.n());
        conv.put("C", c.c());
        conv.put("K", c.k());
        conv.put("H", c.h());
        conv.put("W", c.w());
        conv.put("kernel", c.kernel());
        conv.put("padding", c.pad());
        m.put("conv", conv);
        var t = s.train();
        Map<String, Object> train = new LinkedHashMap<>();
        train.put("model", t.label());
        try {
            train.put("config", JsonMapper.builder().build().readValue(t.config().toJson(), LinkedHashMap.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        train.put("batch", t.batch());
        train.put("channels", t.channels());
        train.put("imageSize", t.imageSize());
        train.put("classes", t.classes());
        m.put("train", train);
        m.put("seed", s.seed());
        return m;
    }

    static String date(KernelBench.Report r) {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).format(r.date().atOffset(ZoneOffset.UTC));
    }
}
