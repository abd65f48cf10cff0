// Memory-bound unlearning and pruning kernels over the parameters of a full-width ResNet18 (ai.lethe.models.ResNet,
// CIFAR stem, 3 input channels, 10 classes: 62 tensors, 11,173,962 floats; its 20 conv weights hold 11,164,352),
// float32, with random inputs fixed before timing. One op, and the bytes it nominally moves (N = 11,173,962;
// the secondary metric "bytes" is bytes/s, reported as GB/s):
//   ssdDampen       Unlearning.ssdDampen(params, I_D, I_f, α = 10, λ = 10) over the name -> tensor maps, in place;
//                   I_D ~ U(0,1), I_f = U(0,1)·I_D·α/0.98, so 2% of the elements are selected (I_f > α·I_D). λ = α
//                   keeps every dampening factor in (0.98, 1): θ never decays towards denormals; θ is also restored
//                   before every iteration. Bytes: 16·N (read θ, I_D, I_f; write θ).
//   globalTopK      GlobalTopK.pruneSmallest(|w| of the 20 conv weights, 0.95): the global threshold and one 0/1
//                   mask per tensor keeping the largest 5%. Bytes: 8 per conv weight (read the scores once, write
//                   the masks), although the radix selection reads the scores three times.
//   magnitudeScores Pruning.magnitudeScores(p) = |p| for every parameter. Bytes: 8·N.
//   sgdMaskedStep   SGD (lr 0.01, momentum 0.9, weight decay 5e-4) step with Optimizer.setMask on every parameter
//                   (random masks keeping 5%), fixed gradients. Bytes: 24·N (read θ, g, momentum, mask; write θ,
//                   momentum).
//   copy            dst.copyFrom(src) of one N-float tensor: the bandwidth reference. Bytes: 8·N.
// Outputs are freed per op (a Scope per invocation). Only the data a method needs is set up in its fork.
package ai.lethe.bench;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.kernels.GlobalTopK;
import ai.lethe.kernels.Pruning;
import ai.lethe.kernels.Unlearning;
import ai.lethe.models.ResNet;
import ai.lethe.models.ResNetConfig;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;

@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss4m", "--sun-misc-unsafe-memory-access=allow"})
public class UnlearningKernelsBench {
    static final double ALPHA = 10, LAMBDA = 10, SELECTED = 0.02, SPARSITY = 0.95;

    @Param({"cpu", "ref"})
    public String backend;

    private Scope owner;
    private ResNet model;
    private String method;
    private Map<String, Tensor> params;
    private long elements, convElements;
    private final Map<String, Tensor> importanceD = new LinkedHashMap<>(), importanceF = new LinkedHashMap<>(),
            savedTheta = new LinkedHashMap<>();
    private final List<Tensor> convScores = new ArrayList<>();
    private SGD optimizer;
    private Tensor src, dst;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams benchmark) {
        Device device = BenchDevices.require(backend);
        method = benchmark.getBenchmark().substring(benchmark.getBenchmark().lastIndexOf('.') + 1);
        owner = Scope.detached("kernel inputs");
        Generator gen = new Generator(5);
        model = new ResNet(ResNetConfig.resnet18(10), gen);
        model.to(device);
        params = model.namedParameters();
        for (Tensor p : params.values()) {
            elements += p.numel();
            if (p.shape().rank() == 4) convElements += p.numel();
        }
        try (Scope _ = Scope.open("setup")) {
            switch (method) {
                case "ssdDampen" -> params.forEach((name, p) -> {
                    Tensor d = owner.adopt(Tensor.uniform(p.shape(), 0, 1, gen, DType.FLOAT32, device));
                    importanceD.put(name, d);
                    importanceF.put(name, owner.adopt(Tensor.uniform(p.shape(), 0, 1, gen, DType.FLOAT32, device)
                            .mul(d).mul(ALPHA / (1 - SELECTED))));
                    savedTheta.put(name, owner.adopt(p.detach().contiguousCopy()));
                });
                case "globalTopK" -> {
                    for (Tensor p : params.values())
                        if (p.shape().rank() == 4) convScores.add(owner.adopt(Pruning.magnitudeScores(p)));
                }
                case "sgdMaskedStep" -> {
                    optimizer = SGD.builder(params.values()).lr(0.01).momentum(0.9).weightDecay(5e-4).build();
                    for (Tensor p : params.values()) {
                        p.setGrad(owner.adopt(Tensor.randn(p.shape(), gen, device).mul(1e-3)));
                        Tensor mask = owner.adopt(Tensor.uniform(p.shape(), 0, 1, gen, DType.FLOAT32, device)
                                .gt(SPARSITY).to(DType.FLOAT32));
                        optimizer.setMask(p, mask);
                    }
                }
                case "copy" -> {
                    src = owner.adopt(Tensor.randn(Shape.of(elements), gen, device));
                    dst = owner.adopt(Tensor.zeros(Shape.of(elements), device));
                }
                default -> { }
            }
        }
    }

    /** Restores θ before each iteration of ssdDampen, so every iteration dampens the same values. */
    @Setup(Level.Iteration)
    public void restoreTheta() {
        if (!savedTheta.isEmpty())
            try (Scope _ = Scope.open("restore"); var _ = GradMode.noGrad()) {
                savedTheta.forEach((name, saved) -> params.get(name).copyFrom(saved));
            }
    }

    @Benchmark
    public void ssdDampen(Bytes bytes) {
        Unlearning.ssdDampen(params, importanceD, importanceF, ALPHA, LAMBDA);
        bytes.bytes += 16 * elements;
    }

    @Benchmark
    public void globalTopK(Bytes bytes, Blackhole bh) {
        try (Scope _ = Scope.open("top-k")) {
            bh.consume(GlobalTopK.pruneSmallest(convScores, SPARSITY));
        }
        bytes.bytes += 8 * convElements;
    }

    @Benchmark
    public void magnitudeScores(Bytes bytes, Blackhole bh) {
        try (Scope _ = Scope.open("magnitude")) {
            for (Tensor p : params.values()) bh.consume(Pruning.magnitudeScores(p));
        }
        bytes.bytes += 8 * elements;
    }

    @Benchmark
    public void sgdMaskedStep(Bytes bytes) {
        optimizer.step();
        bytes.bytes += 24 * elements;
    }

    @Benchmark
    public void copy(Bytes bytes, Blackhole bh) {
        bh.consume(dst.copyFrom(src));
        bytes.bytes += 8 * elements;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (optimizer != null) optimizer.close();
        if (model != null) model.close();
        if (owner != null) owner.close();
    }
}
