// The small real task every unlearning acceptance test shares: a width-16 ResNet18 trained on cpu on a balanced
// 5,000-image subset of Fashion-MNIST (500 per class; test: 200 per class), asked to forget class 3 (Dress).
// The original model is trained once and cached under target/unlearn-fixture/<key>/, the key a fingerprint of
// everything that determines it (CodeFingerprint): the main classes and native library, this class (the recipe),
// the dataset files, the BLAS kernel and the convolution setting — a change to any of them trains it again, so it cannot go stale. The
// test classes of one build, and later builds of the same code, share it; each test gets its own copy. Needs
// Debian's dataset-fashion-mnist (./run-tests installs it; the tests skip, saying so, without it) and the native
// cpu backend (TestBackends: a failure when the run expects it).
//
// The original's accuracies are measured once per run (originalAccuracy) and every acceptance bound is relative
// to them: models trained through different BLAS kernels (summation orders) differ by a few points of accuracy.
package ai.lethe.unlearn;

import ai.lethe.backend.Backends;
import ai.lethe.backend.cpu.BlasInfo;
import ai.lethe.backend.cpu.CpuBackend;
import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.TrainTest;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.split.ClassForget;
import ai.lethe.data.split.Split;
import ai.lethe.data.split.SplitSets;
import ai.lethe.eval.Accuracy;
import ai.lethe.io.Checkpoint;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.tensor.Generator;
import ai.lethe.testing.CodeFingerprint;
import ai.lethe.testing.TestBackends;
import ai.lethe.train.RunFolder;
import ai.lethe.train.TrainConfig;
import ai.lethe.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;

public final class FashionForgetTask {
    public static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int FORGET_CLASS = 3, CLASSES = 10, TRAIN_PER_CLASS = 500, TEST_PER_CLASS = 200, EPOCHS = 3;
    public static final long SEED = 0;
    public static final Device DEVICE = new Device("cpu", 0);
    private static final String NAME = "resnet18-w16-fmnist-" + TRAIN_PER_CLASS + "x" + TEST_PER_CLASS + "-e" + EPOCHS + "-s" + SEED;

    private static FashionForgetTask instance;

    public final Pipeline pipeline;
    public final TrainTest data;
    public final Split split;
    public final SplitSets sets;
    public final TrainConfig recipe;
    public final ResNetConfig config = new ResNetConfig(1, CLASSES, 16, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS);
    private final Path checkpoint;
    private Accuracies originalAccuracy;

    /** The original model's accuracy on the forgotten class's test samples and on the other classes'. */
    public record Accuracies(double forgetTest, double retainTest) {}

    private FashionForgetTask() throws IOException {
        Pipeline full = Pipeline.load("fashion-mnist", false, 0);
        TrainTest small = new TrainTest("fashion-mnist", balanced(full.data().train(), TRAIN_PER_CLASS, "train"),
                balanced(full.data().test(), TEST_PER_CLASS, "test"));
        pipeline = new Pipeline(small, full.evalTransform(), full.evalTransform(), full.inputShape());
        data = small;
        split = Split.of(data, new ClassForget(FORGET_CLASS), SEED);
        sets = split.sets(data.train(), data.test());
        recipe = TrainConfig.preset("ssd", EPOCHS).toBuilder().optimizer(TrainConfig.OptimizerKind.ADAMW).lr(0.002)
                .weightDecay(0.01).momentum(0.9).batchSize(64).warmupEpochs(0).schedule(List.of(), 1).augment(false)
                .seed(SEED).workers(2).build();
        checkpoint = trainOnce();
    }

    /** Skips the calling test unless Fashion-MNIST is here; fails it when the expected cpu backend is not. */
    public static void assumeAvailable() {
        Assumptions.assumeTrue(Files.isRegularFile(DEBIAN.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is not installed at " + DEBIAN + " (./run-tests installs it where it can: apt-get install dataset-fashion-mnist)");
        TestBackends.requireCpu();
    }

    /** The task (trained on first use); skips the test when the data or backend is missing. */
    public static synchronized FashionForgetTask get() {
        assumeAvailable();
        if (instance == null) {
            try {
                instance = new FashionForgetTask();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** A fresh copy of the original (trained) model on cpu, in eval mode; the caller closes it. */
    public ImageModel original() {
        try {
            ImageModel m = Checkpoint.openModel(checkpoint, DEVICE);
            m.eval();
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The original model's accuracies, measured once per run (the reference of every acceptance bound). */
    public synchronized Accuracies originalAccuracy() {
        if (originalAccuracy == null) {
            try (ImageModel m = original()) {
                originalAccuracy = new Accuracies(forgetTestAccuracy(m), retainTestAccuracy(m));
            }
            System.out.printf("original (%s): forget-test %.3f retain-test %.3f%n", checkpoint.getParent().getFileName(),
                    originalAccuracy.forgetTest(), originalAccuracy.retainTest());
        }
        return originalAccuracy;
    }

    /** A freshly initialised model of the same architecture (seeded), on cpu. */
    public ImageModel fresh(long seed) { return Models.create(config, new Generator(seed)).to(DEVICE); }

    /** The context a method gets: Df, Dr, the eval transform, cpu, the seed, the base recipe. */
    public UnlearnContext context(long seed) {
        return new UnlearnContext(sets.forget(), sets.retain(), CLASSES, split, pipeline.evalTransform(), DEVICE, seed, 2,
                Optional.empty(), recipe, List.of());
    }

    /** Accuracy of {@code model} on {@code dataset} (eval transform, per sample). */
    public double accuracy(ImageModel model, Dataset dataset) {
        return Accuracy.evaluate(model, dataset, pipeline.evalTransform(), DEVICE, 256, 2).accuracy();
    }

    /** Accuracy on the test samples of the forgotten class. */
    public double forgetTestAccuracy(ImageModel model) { return accuracy(model, sets.forgetTest()); }

    /** Accuracy on the test samples of the other classes. */
    public double retainTestAccuracy(ImageModel model) { return accuracy(model, sets.retainTest()); }

    /** NAME + the fingerprint of the code, recipe, data, BLAS kernel and convolution setting that train the original. */
    private static String key() throws IOException {
        CodeFingerprint f = CodeFingerprint.start().codeOf(Trainer.class).classFile(FashionForgetTask.class);
        for (String file : List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                "t10k-labels-idx1-ubyte.gz"))
            f.file(file, DEBIAN.resolve(file));
        CpuBackend cpu = (CpuBackend) Backends.implementation(Backends.byName("cpu"));
        String kernel = cpu.blas().map(BlasInfo::kernel).orElse("none");
        String conv = cpu.convKernel().toString();   // the convolution setting (LETHE_CONV_KERNEL): another summation order
        return NAME + "-" + kernel + "-" + f.fact("blas kernel", kernel).fact("conv kernel", conv).hex(16);
    }

    private Path trainOnce() throws IOException {
        String key = key();
        Path fixtures = Path.of("target", "unlearn-fixture");
        Path root = fixtures.resolve(key);
        RunFolder run = new RunFolder(root);
        Path done = root.resolve("checkpoint");
        if (Files.isRegularFile(done.resolve(Checkpoint.MODEL_FILE))) return done;
        Path tmp = fixtures.resolve(key + ".tmp-" + ProcessHandle.current().pid());
        try (ImageModel model = Models.create(config, new Generator(SEED)).to(DEVICE)) {
            RunFolder tmpRun = RunFolder.create(tmp);
            Trainer.builder(model, data.train(), recipe).validation(data.test())
                    .transforms(pipeline.trainTransform(), pipeline.evalTransform()).runFolder(tmpRun).build().fit();
        }
        try {
            Files.createDirectories(root.getParent());
            Files.move(tmp, root, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (!Files.isRegularFile(done.resolve(Checkpoint.MODEL_FILE))) throw e;   // another JVM won the race
        }
        return run.checkpoint();
    }

    /** {@code perClass} samples of every class, drawn with the seed, in index order. */
    static Dataset balanced(Dataset d, int perClass, String part) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < d.classNames().size(); c++) byClass.add(new ArrayList<>());
        for (int i = 0; i < d.size(); i++) byClass.get(d.label(i)).add(i);
        Random r = new Random(SEED);
        List<Integer> chosen = new ArrayList<>();
        for (List<Integer> idx : byClass) {
            java.util.Collections.shuffle(idx, r);
            chosen.addAll(idx.subList(0, Math.min(perClass, idx.size())));
        }
        chosen.sort(null);
        return d.subset(chosen.stream().mapToInt(Integer::intValue).toArray(), d.name() + " " + part + " subset");
    }
}
