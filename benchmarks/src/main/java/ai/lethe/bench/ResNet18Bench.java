// One training step of ResNet18 width 16 on 1x28x28 images (the library's ai.lethe.models.ResNet with the CIFAR
// stem, as `lethe train` builds it: stem conv3x3 16 without max pool, stages 16/32/64/128, 10 classes, 0.70 M
// parameters, batch norm + ReLU and add + ReLU as fused ops): forward, cross-entropy against fixed random labels, backward, SGD (lr 0.01, momentum 0.9,
// weight decay 5e-4) step, inside a Scope (TrainStep). Input [N, 1, 28, 28] (MNIST / Fashion-MNIST size).
// Batch (@Param batch, 0 = auto): 128 on cpu (and cuda), 8 on ref.
// Score: ops/s (steps/s) and the secondary metric "images" (images/s). For scale: PyTorch 1.13 on this 2-core
// machine trains the same network at batch 128 at about 880 images/s (benchmarks/pytorch/peer_cpu.py).
package ai.lethe.bench;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.models.ResNet;
import ai.lethe.models.ResNetConfig;
import ai.lethe.tensor.Generator;
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
public class ResNet18Bench {
    static final int CLASSES = 10;

    @Param({"cpu", "ref"})
    public String backend;

    /** 0: 128 on native backends, 8 on ref. */
    @Param({"0"})
    public int batch;

    private int n;
    private TrainStep step;

    @Setup(Level.Trial)
    public void setUp() {
        Device device = BenchDevices.require(backend);
        n = BenchDevices.batch(backend, batch);
        step = new TrainStep(new ResNet(new ResNetConfig(1, CLASSES, 16, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS),
                new Generator(4)), device, Shape.of(n, 1, 28, 28), CLASSES, 4);
    }

    @Benchmark
    public double trainStep(Images images) {
        double loss = step.run();
        images.images += n;
        return loss;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (step != null) step.close();
    }
}
