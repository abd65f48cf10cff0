// SGEMM: float32 matrix product C = A·B through Tensor.matmul (output allocated per call, as torch.matmul).
// Shapes (@Param shape, "MxKxN"): A [M, K], B [K, N]
//   256x256x256, 512x512x512   square products
//   linear128x512x10           a linear layer's product as F.linear computes it: x [128, 512] · Wᵀ, with
//                              W [10, 512] (a transposed view, not copied)
// Score: ops/s (one op = one product); RESULTS.md derives GFLOP/s = 2·M·K·N · ops/s / 1e9.
package ai.lethe.bench;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
public class SgemmBench {
    private static final Pattern SHAPE = Pattern.compile("(linear)?(\\d+)x(\\d+)x(\\d+)");

    @Param({"cpu", "ref"})
    public String backend;

    @Param({"256x256x256", "512x512x512", "linear128x512x10"})
    public String shape;

    private Scope owner;
    private Tensor a, b;

    @Setup(Level.Trial)
    public void setUp() {
        Device device = BenchDevices.require(backend);
        Matcher m = SHAPE.matcher(shape);
        if (!m.matches()) throw new IllegalArgumentException("shape must be MxKxN or linearMxKxN, got " + shape);
        boolean linear = m.group(1) != null;
        long rows = Long.parseLong(m.group(2)), inner = Long.parseLong(m.group(3)), cols = Long.parseLong(m.group(4));
        Generator gen = new Generator(1);
        owner = Scope.detached("sgemm inputs");
        a = owner.adopt(Tensor.randn(Shape.of(rows, inner), gen, device));
        if (linear) {
            Tensor weight = owner.adopt(Tensor.randn(Shape.of(cols, inner), gen, device));
            b = owner.adopt(weight.t());
        } else {
            b = owner.adopt(Tensor.randn(Shape.of(inner, cols), gen, device));
        }
    }

    @Benchmark
    public void matmul(Blackhole bh) {
        try (Scope _ = Scope.open("sgemm")) {
            Tensor c = a.matmul(b);
            bh.consume(c);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() { if (owner != null) owner.close(); }
}
