// Fisher-information diagonals of ResNet18 width 16 (ai.lethe.models.ResNet: CIFAR stem, 1 input channel, 10
// classes, 0.70 M parameters) over a fixed set of 512 1x28x28 images with labels (HashedImages: the PyTorch peer
// builds the same pixels and labels), with the model in eval mode, as FisherDiagonal.compute runs it:
//   perSample       FisherDiagonal.compute(model, loader, PER_SAMPLE), batch 128: (1/N) Σ_n (∇θ CE(x_n, y_n))²
//                   by per-sample rules, one backward per batch (peer: functorch vmap(grad) with squares summed);
//   batchMean       FisherDiagonal.compute(model, loader, BATCH_MEAN), batch 64: SSD's reference estimator, Σ over
//                   batches of (∇θ mean-CE)² / batches (peer: the reference's zero_grad / backward / += grad² loop);
//   forwardBackward a plain pass over the same loader, batch 128: zeroGrad, mean cross-entropy, backward, no
//                   squares: the baseline of the target (PER_SAMPLE time <= 1.3x this).
// One op = one pass over the 512 images, loader included (workers 0: batches made on the caller's thread, byte
// images -> floats, a negligible share). Score: ops/s and the secondary metric "images" (images/s).
// Native backends only (@Param nativeBackend, set by benchmarks/run from the available backends without ref):
// on the pure-Java ref backend one op would take about a minute.
package ai.lethe.bench;

import ai.lethe.core.Device;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.fisher.FisherDiagonal;
import ai.lethe.fisher.FisherKind;
import ai.lethe.fisher.FisherMap;
import ai.lethe.models.ResNet;
import ai.lethe.models.ResNetConfig;
import ai.lethe.nn.F;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
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
import org.openjdk.jmh.infra.Blackhole;

@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss4m", "--sun-misc-unsafe-memory-access=allow"})
public class FisherBench {
    static final int IMAGES = 512, PER_SAMPLE_BATCH = 128, BATCH_MEAN_BATCH = 64, PLAIN_BATCH = 128;

    /** A native backend (cpu, later cuda); benchmarks/run passes the available ones. */
    @Param({"cpu"})
    public String nativeBackend;

    private ResNet model;
    private Tensor firstParameter;
    private DataLoader batches128, batches64;

    @Setup(Level.Trial)
    public void setUp() {
        if (nativeBackend.equals("ref"))
            throw new IllegalStateException("FisherBench runs on native backends only; ref would take about a minute per op");
        Device device = BenchDevices.require(nativeBackend);
        model = new ResNet(new ResNetConfig(HashedImages.SHAPE.channels(), HashedImages.CLASSES, 16,
                ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS), new Generator(4));
        model.to(device);
        model.eval();
        firstParameter = model.parameters().getFirst();
        HashedImages images = new HashedImages(IMAGES);
        batches128 = DataLoader.builder(images).batchSize(PLAIN_BATCH).device(device).workers(0).build();
        batches64 = DataLoader.builder(images).batchSize(BATCH_MEAN_BATCH).device(device).workers(0).build();
    }

    @Benchmark
    public void perSample(Images images, Blackhole bh) {
        try (FisherMap fisher = FisherDiagonal.compute(model, batches128, FisherKind.PER_SAMPLE)) {
            bh.consume(fisher.samples());
        }
        images.images += IMAGES;
    }

    @Benchmark
    public void batchMean(Images images, Blackhole bh) {
        try (FisherMap fisher = FisherDiagonal.compute(model, batches64, FisherKind.BATCH_MEAN)) {
            bh.consume(fisher.samples());
        }
        images.images += IMAGES;
    }

    /** The same loop as FisherDiagonal's BATCH_MEAN, without the squares, over batches of 128. */
    @Benchmark
    public void forwardBackward(Images images, Blackhole bh) {
        try (Epoch epoch = batches128.epoch(0)) {
            for (Batch batch : epoch) {
                try (batch; Scope _ = Scope.open("forward+backward")) {
                    model.zeroGrad();
                    F.crossEntropy(model.forward(batch.images()), batch.labels()).backward();
                    bh.consume(firstParameter.grad());
                }
            }
        }
        model.zeroGrad();
        images.images += IMAGES;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (model != null) model.close();
    }
}
