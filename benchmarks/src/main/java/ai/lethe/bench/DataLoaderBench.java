// The data loader's rate with CIFAR-style augmentation (RandomCrop 32 pad 4 + RandomHorizontalFlip + Normalize)
// on a synthetic in-memory dataset of 3x32x32 images kept as bytes (like the CIFAR reader: bytes -> float / 255 on
// read), batch 256, shuffled, for 0 (on the consumer's thread), 1 and 2 workers, with the batch tensors made on
// the @Param backend. One op = taking one batch from a running epoch and closing it; the consumer does nothing
// else, so this is the most the loader delivers. Score: ops/s (batches/s) and the secondary metric "images"
// (images/s), to hold against a training step's images/s (ResNet18Bench): the loader must not be the bottleneck.
package ai.lethe.bench;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.transform.Transforms;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss4m", "--sun-misc-unsafe-memory-access=allow"})
public class DataLoaderBench {
    static final int BATCH = 256;
    static final ImageShape SHAPE = new ImageShape(3, 32, 32);
    static final double[] MEAN = {0.4914, 0.4822, 0.4465}, STD = {0.2470, 0.2435, 0.2616};

    @Param({"cpu", "ref"})
    public String backend;

    @Param({"0", "1", "2"})
    public int workers;

    private DataLoader loader;
    private Epoch epoch;
    private Iterator<Batch> batches;
    private int epochNumber;

    @Setup(Level.Trial)
    public void setUp() {
        Device device = BenchDevices.require(backend);
        loader = DataLoader.builder(new SyntheticBytes(20 * BATCH, 10, 1)).batchSize(BATCH).shuffle(true).seed(1)
                .dropLast(true).transform(Transforms.cifarTrain(SHAPE, MEAN, STD)).device(device).workers(workers).build();
        nextEpoch();
    }

    private void nextEpoch() {
        if (epoch != null) epoch.close();
        epoch = loader.epoch(epochNumber++);
        batches = epoch.iterator();
    }

    @Benchmark
    public int batch(Images images) {
        if (!batches.hasNext()) nextEpoch();
        try (Batch b = batches.next()) {
            images.images += b.size();
            return b.size();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (epoch != null) epoch.close();
    }

    /** CIFAR-like images held as bytes (random pixels), converted to floats in [0, 1] on read. */
    static final class SyntheticBytes implements Dataset {
        private final byte[] pixels;
        private final int size, classes;

        SyntheticBytes(int size, int classes, long seed) {
            this.size = size;
            this.classes = classes;
            this.pixels = new byte[size * SHAPE.size()];
            new SplittableRandom(seed).nextBytes(pixels);
        }

        @Override public String name() { return "synthetic-cifar"; }

        @Override public int size() { return size; }

        @Override public ImageShape shape() { return SHAPE; }

        @Override public List<String> classNames() { return java.util.stream.IntStream.range(0, classes).mapToObj(c -> "c" + c).toList(); }

        @Override public int label(int index) { return index % classes; }

        @Override public void readImage(int index, float[] dst, int offset) {
            int n = SHAPE.size(), from = index * n;
            for (int i = 0; i < n; i++) dst[offset + i] = (pixels[from + i] & 0xFF) / 255f;
        }
    }
}
