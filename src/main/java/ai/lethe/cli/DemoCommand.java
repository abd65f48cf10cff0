// `lethe demo`: what Lethe is for, in one command — train a ResNet18 on Fashion-MNIST (a subset sized for the
// device), forget one class with SSD and the baselines, evaluate them against Retrain, print the papers' table
// and write runs/demo/report.md/json/svg. Finds the dataset (installs Debian's package where it can, else
// downloads the official files with checksums, else says what to do). Re-running resumes; --fresh restarts.
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.source.DatasetNotFoundException;
import ai.lethe.data.source.Datasets;
import ai.lethe.data.source.LoadOptions;
import ai.lethe.experiment.Experiment;
import ai.lethe.experiment.ExperimentConfig;
import ai.lethe.report.ConsoleTable;
import ai.lethe.report.Report;
import ai.lethe.train.ProgressDisplay;
import ai.lethe.train.TrainListener;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Train a ResNet18, make it forget one class with SSD and the baselines, and print the papers' table.",
                "About 10 minutes on 2 CPU cores (--fast: about 1 minute); writes runs/demo/report.md, .json and .svg."})
final class DemoCommand implements Callable<Integer> {
    /** The methods run by default: SSD and the baselines that fit the CPU budget (Retrain is always run). */
    static final List<String> DEFAULT_METHODS = List.of("ssd", "ft", "ga", "l1-sparse", "ff", "iu", "bad-teacher", "salun",
            "neggrad+", "scrub", "boundary-shrink", "boundary-expand");

    @Spec CommandSpec spec;

    @Option(names = "--method", split = ",", paramLabel = "NAME",
            description = "Methods to run (repeatable or comma-separated; default: ssd, ft, ga, l1-sparse, ff, iu, bad-teacher, salun, "
                    + "neggrad+, scrub, boundary-shrink, boundary-expand).")
    List<String> methods = new ArrayList<>();

    @Option(names = "--forget", defaultValue = "class=3", paramLabel = "REQUEST",
            description = "What to forget (default: ${DEFAULT-VALUE}, Fashion-MNIST's 'Dress').")
    String forget;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", paramLabel = "NAME", description = "Dataset (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--fast", description = "A 1-minute smoke run (2,000 images, a width-8 ResNet18, 1 epoch).")
    boolean fast;

    @Option(names = "--seeds", defaultValue = "1", paramLabel = "N", description = "Seeds per method (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "DIR", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--fresh", description = "Start over: delete the output folder's earlier demo first.")
    boolean fresh;

    @Option(names = "--no-progress", description = "No progress bars (log lines only).")
    boolean noProgress;

    @Override public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        if (seeds < 1) throw usage("--seeds: must be >= 1, got " + seeds);
        Device device = Backends.defaultDevice();
        boolean gpu = device.type().equals("cuda");
        List<String> chosen = methods.isEmpty() ? DEFAULT_METHODS : methods;
        ObjectNode config = config(chosen, gpu);
        ExperimentConfig parsed;
        try {
            parsed = ExperimentConfig.parse(config, "demo", Path.of("."), "demo");
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage().replaceFirst("^demo: ", ""));
        }
        String json = JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(config);
        Path saved = out.resolve("demo-config.json");
        if (!fresh && Files.isRegularFile(saved) && !Files.readString(saved).equals(json))
            throw usage("--out: " + out + " holds a demo with other settings; add --fresh to start over or choose another --out");
        Experiment experiment;
        try {
            experiment = new Experiment(parsed, out, device, DataLoader.defaultWorkers(), o,
                    () -> noProgress ? List.<TrainListener>of() : List.of(new ProgressDisplay()));
        } catch (IllegalArgumentException e) {
            throw usage("--method: " + e.getMessage());
        }
        if (!ensureDataset(o)) return 1;
        if (fresh && Files.exists(out)) ai.lethe.io.AtomicFiles.deleteTree(out);
        o.printf(Locale.ROOT, "Lethe demo on %s: %s, %s (%,d training / %,d test images), forget %s; methods: retrain (gold standard), %s.%n",
                device, parsed.model().orElseThrow().arch() + " width " + parsed.model().orElseThrow().width(), dataset,
                parsed.trainSubset(), parsed.testSubset(), forget, String.join(", ", chosen));
        o.println(fast ? "--fast: a smoke run sized for about 1 minute on 2 CPU cores; its numbers only show that everything runs."
                : gpu ? "Sized for a GPU: a few minutes."
                : "Sized (subset, width, epochs, method epochs) to finish in about 10 minutes on 2 CPU cores; use --fast for a 1-minute run.");
        o.flush();
        Files.createDirectories(out);
        ai.lethe.io.AtomicFiles.write(saved, json.getBytes(StandardCharsets.UTF_8));
        Report report = experiment.run();
        o.println();
        o.print(ConsoleTable.render(report));
        o.println();
        o.println("UA = 1 - accuracy on the forget set, RA/TA = accuracy on the retain set / retain test set, MIA-efficacy = share of the");
        o.println("forget set a membership attack calls non-member; the best method is the one closest to Retrain (smallest gap).");
        o.flush();
        return 0;
    }

    /** The experiment: sizes per mode; method epochs cut where the papers' defaults would not fit the budget. */
    private ObjectNode config(List<String> chosen, boolean gpu) {
        JsonMapper m = JsonMapper.builder().build();
        ObjectNode c = m.createObjectNode();
        c.put("name", "demo");
        c.put("dataset", dataset);
        c.put("train_subset", fast ? 2000 : gpu ? 20000 : 6000);
        c.put("test_subset", fast ? 500 : 2000);
        ObjectNode model = c.putObject("model");
        model.put("arch", "resnet18");
        model.put("width", fast ? 8 : gpu ? 64 : 16);
        ObjectNode train = c.putObject("train");
        train.put("preset", "ssd");
        train.put("epochs", fast ? 1 : 3);
        train.put("optimizer", "adamw");
        train.put("lr", 0.002);
        train.put("weight_decay", 0.01);
        train.put("batch_size", fast ? 32 : 64);
        train.put("augment", false);
        c.put("forget", forget);
        ArrayNode ms = c.putArray("methods");
        Map<String, Map<String, Object>> cut = new LinkedHashMap<>();
        int e = fast ? 1 : 2;
        cut.put("ft", Map.of("epochs", e));
        cut.put("l1-sparse", Map.of("epochs", e));
        cut.put("rl", Map.of("epochs", e));
        cut.put("amnesiac", Map.of("epochs", 1));
        // the newer baselines, as their acceptance tests run them on a task of this size (BaselinesAcceptanceTest says why)
        cut.put("salun", Map.of("epochs", e));
        cut.put("neggrad+", Map.of("epochs", 1));
        cut.put("scrub", fast ? Map.of("forget-batch-size", 64, "batch-size", 64, "epochs", 1) : Map.of("forget-batch-size", 64, "batch-size", 64));
        cut.put("boundary-shrink", Map.of("lr", 0.001));
        cut.put("boundary-expand", Map.of("lr", 0.001));
        if (fast) cut.put("ga", Map.of("epochs", 1));
        // settings for this task (see README, "Hyper-parameters"): one class of ten is 10% of D, and SSD can only
        // select where alpha < |D|/|Df| = 10; IU's full Newton step overshoots; FF's true Fisher on a sample of Dr
        boolean classForget = forget.strip().startsWith("class=");
        if (classForget) cut.put("ssd", Map.of("alpha", 8));
        cut.put("iu", Map.of("alpha", 0.3, "m", 64));
        cut.put("ff", classForget ? Map.of("zero-class-row", true, "fisher-samples", 500) : Map.of("fisher-samples", 500));
        for (String name : chosen) {
            if (!cut.containsKey(name)) ms.add(name);
            else {
                ObjectNode mo = ms.addObject();
                mo.put("name", name);
                ObjectNode opts = mo.putObject("options");
                cut.get(name).forEach((k, v) -> opts.put(k, v.toString()));
            }
        }
        ArrayNode s = c.putArray("seeds");
        for (int i = 0; i < seeds; i++) s.add(i);
        return c;
    }

    /**
     * Makes sure the dataset can be read: found locally; else (Fashion-MNIST, Debian, root) apt-get installs
     * dataset-fashion-mnist; else Datasets.load downloads the official files with checksums. False (after saying
     * what to do) when none works.
     */
    private boolean ensureDataset(PrintWriter o) throws IOException {
        try {
            Datasets.load(dataset, LoadOptions.defaults().offline());
            return true;
        } catch (DatasetNotFoundException missing) {
            if (dataset.equals("fashion-mnist") && aptInstall(o)) {
                try {
                    Datasets.load(dataset, LoadOptions.defaults().offline());
                    return true;
                } catch (DatasetNotFoundException stillMissing) {
                    o.println("demo: apt-get installed dataset-fashion-mnist but its files were not found; downloading instead");
                }
            }
            try {
                o.println("demo: " + dataset + " is not on this machine; downloading the official files (checksums verified)");
                o.flush();
                Datasets.load(dataset, LoadOptions.defaults());
                return true;
            } catch (IOException e) {
                spec.commandLine().getErr().println("demo: cannot get " + dataset + ": " + e.getMessage());
                return false;
            }
        } catch (IllegalArgumentException e) {
            throw usage("--dataset: " + e.getMessage());
        }
    }

    /** apt-get install dataset-fashion-mnist when apt-get exists and we are root; true when it succeeded. */
    private static boolean aptInstall(PrintWriter o) {
        if (!Files.isExecutable(Path.of("/usr/bin/apt-get")) || !"root".equals(System.getProperty("user.name"))) return false;
        o.println("demo: installing Debian's dataset-fashion-mnist (apt-get install -y dataset-fashion-mnist)");
        o.flush();
        try {
            Process p = new ProcessBuilder("apt-get", "install", "-y", "-q", "--no-install-recommends", "dataset-fashion-mnist")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            return p.waitFor(10, TimeUnit.MINUTES) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private ParameterException usage(String message) { return new ParameterException(spec.commandLine(), message); }
}
