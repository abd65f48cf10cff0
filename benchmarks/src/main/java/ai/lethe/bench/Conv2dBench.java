// conv2d on NCHW float32, through F.conv2d (no bias), for the ResNet18-width-16 shapes on 1x28x28 listed in
// ConvShape. Two benchmarks:
//   forward           y = conv2d(x, w) under no-grad (no graph recorded)
//   forwardBackward   y = conv2d(x, w) with x and w requiring grad, then y.backward(dy) with a fixed upstream
//                     gradient dy: computes both the input gradient dx and the weight gradient dw
// Batch (@Param batch, 0 = auto): 128 on cpu (and cuda), 8 on ref (single-threaded pure Java, very slow).
// Score: ops/s (one op = one batch) and the secondary metric "images" (images/s), which compares across batches.
package ai.lethe.bench;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.nn.F;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
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
public class Conv2dBench {
    @Param({"cpu", "ref"})
    public String backend;

    @Param({"c16k16_28_3x3s1", "c16k32_28_3x3s2", "c32k64_14_3x3s2", "c16k32_28_1x1s2"})
    public String layer;

    /** 0: 128 on native backends, 8 on ref. */
    @Param({"0"})
    public int batch;

    private int n;
    private ConvShape s;
    private Scope owner;
    private Tensor x, w, dy;

    @Setup(Level.Trial)
    public void setUp() {
        Device device = BenchDevices.require(backend);
        n = BenchDevices.batch(backend, batch);
        s = ConvShape.of(layer);
        Generator gen = new Generator(2);
        owner = Scope.detached("conv2d inputs");
        try (Scope _ = Scope.open("setup")) {
            x = owner.adopt(Tensor.randn(Shape.of(n, s.in(), s.size(), s.size()), gen, device));
            w = owner.adopt(Tensor.randn(Shape.of(s.out(), s.in(), s.kernel(), s.kernel()), gen, device).mul(0.1));
            dy = owner.adopt(Tensor.randn(Shape.of(n, s.out(), s.outSize(), s.outSize()), gen, device));
        }
        x.setRequiresGrad(true);
        w.setRequiresGrad(true);
    }

    @Benchmark
    public void forward(Images images, Blackhole bh) {
        try (Scope _ = Scope.open("conv forward"); var _ = GradMode.noGrad()) {
            bh.consume(F.conv2d(x, w, null, s.stride(), s.padding()));
        }
        images.images += n;
    }

    @Benchmark
    public void forwardBackward(Images images, Blackhole bh) {
        try (Scope _ = Scope.open("conv forward+backward")) {
            Tensor y = F.conv2d(x, w, null, s.stride(), s.padding());
            y.backward(dy);
            bh.consume(x.grad());
            bh.consume(w.grad());
        }
        x.zeroGrad();
        w.zeroGrad();
        images.images += n;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (owner != null) owner.close();
    }
}
