// One training step of a single ResNet basic block (the library's ai.lethe.models.BasicBlock: width 16, stride 1,
// identity shortcut, its batch norm + ReLU and add + ReLU as fused ops) on [N, 16, 28, 28]:
// conv3x3-BN-ReLU-conv3x3-BN + x, ReLU, then a small head (global average pool, linear 16 -> 10) and a
// cross-entropy loss against fixed random labels; backward; SGD (momentum 0.9) step; inside a Scope (TrainStep).
// Batch (@Param batch, 0 = auto): 128 on cpu (and cuda), 8 on ref.
// Score: ops/s (one op = one step on one batch) and the secondary metric "images" (images/s).
package ai.lethe.bench;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.models.BasicBlock;
import ai.lethe.nn.AdaptiveAvgPool2d;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Module;
import ai.lethe.tensor.Generator;
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

@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss4m", "--sun-misc-unsafe-memory-access=allow"})
public class BasicBlockBench {
    static final long WIDTH = 16, SIZE = 28;

    @Param({"cpu", "ref"})
    public String backend;

    /** 0: 128 on native backends, 8 on ref. */
    @Param({"0"})
    public int batch;

    private int n;
    private TrainStep step;

    /** The block and its head: pool + linear, so that the loss is an ordinary cross-entropy. */
    static final class BlockWithHead extends Module {
        private final BasicBlock block;
        private final AdaptiveAvgPool2d pool;
        private final Linear fc;

        BlockWithHead(Generator gen) {
            block = registerModule("block", new BasicBlock(WIDTH, WIDTH, 1, gen));
            pool = registerModule("avgpool", new AdaptiveAvgPool2d(1));
            fc = registerModule("fc", new Linear(WIDTH, 10, true, gen));
        }

        @Override protected Tensor compute(Tensor x) {
            return fc.forward(pool.forward(block.forward(x)).flatten(1, -1));
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        Device device = BenchDevices.require(backend);
        n = BenchDevices.batch(backend, batch);
        step = new TrainStep(new BlockWithHead(new Generator(3)), device, Shape.of(n, WIDTH, SIZE, SIZE), 10, 3);
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
