// The model-level cases of the GPU benchmark (GpuBench), each built on one device with its inputs fixed before
// timing and freed by close(): a training step (lethe bench's TrainStepCase: forward, cross-entropy, zeroGrad,
// backward, SGD momentum 0.9 — no host read), a pass of FisherDiagonal (BATCH_MEAN, PER_SAMPLE) or of a plain
// forward + backward over hashed images through a DataLoader (batches uploaded as a user's would be; the PyTorch
// peer copies each batch to the GPU too), and over a model's parameters SSD's selection + dampening
// (Unlearning.ssdDampen, the map form: α = λ = 10, 2% selected), global top-k masks of the conv weights' |w|
// (GlobalTopK.pruneSmallest, 95% pruned) and a masked SGD step (Optimizer.setMask on every parameter, 5% kept).
// The same work as benchmarks/src/.../FisherBench and UnlearningKernelsBench, at the preset's sizes.
package ai.lethe.kernelbench;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.data.ImageShape;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.fisher.FisherDiagonal;
import ai.lethe.fisher.FisherKind;
import ai.lethe.fisher.FisherMap;
import ai.lethe.kernels.GlobalTopK;
import ai.lethe.kernels.Pruning;
import ai.lethe.kernels.Unlearning;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.nn.F;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

final class AnchorCases {
    static final double ALPHA = 10, LAMBDA = 10, SELECTED = 0.02, SPARSITY = 0.95;

    private AnchorCases() {}

    /** How a case's median time becomes its reported value. */
    enum Unit {
        IMAGES_PER_S("images/s", true), SECONDS("s", false), MILLIS("ms", false), GB_PER_S("GB/s", true);

        final String label;
        final boolean higherIsBetter;

        Unit(String label, boolean higherIsBetter) {
            this.label = label;
            this.higherIsBetter = higherIsBetter;
        }
    }

    /**
     * One case: {@code run.accept(i)} runs it once (i counts warm-up and timed runs); {@code warm} is one warm-up run
     * (a shorter one for the Fisher passes), {@code images} the images a run processes (0: none), {@code bytes} the
     * minimum bytes a run moves (0: not meaningful), {@code parameters} the model's (or the kernel's) parameter count.
     */
    record Case(String id, String what, String sizes, Unit unit, long images, long bytes, long parameters, IntConsumer warm, IntConsumer run,
                List<AutoCloseable> resources) implements AutoCloseable {
        @Override public void close() {
            RuntimeException first = null;
            for (int i = resources.size() - 1; i >= 0; i--) {
                try {
                    resources.get(i).close();
                } catch (Exception e) {
                    if (first == null) first = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                }
            }
            if (first != null) throw first;
        }
    }

    /** Closes what was made so far when building a case fails (the caller rethrows e). */
    private static void cleanUp(List<AutoCloseable> made, Throwable e) {
        for (int i = made.size() - 1; i >= 0; i--) {
            try {
                made.get(i).close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
        }
    }

    /** One training step of {@code m} in fp32 (TrainStepCase), rotating over 2 input batches. */
    static Case trainStep(String id, GpuPreset.Model m, Device device, long seed) {
        BenchSettings s = new BenchSettings(1, 1, 0, 2, List.of(), BenchSettings.GemmShape.QUICK, BenchSettings.ConvShape.QUICK,
                new BenchSettings.TrainShape(m.label(), m.config(), m.batch(), m.channels(), m.side(), m.classes()), seed);
        BenchCase c = TrainStepCase.create(s, device);
        return new Case(id, "one training step (precision " + ai.lethe.backend.Precision.current().name().toLowerCase(java.util.Locale.ROOT) + "): forward, cross-entropy, zeroGrad, backward, SGD (momentum 0.9, wd 5e-4); "
                + Models.parameterCount(m.config()) + " parameters", m.sizes(), Unit.IMAGES_PER_S, m.batch(), 0, Models.parameterCount(m.config()), c::run, c::run,
                List.of(c));
    }

    /** A pass over the Fisher images: FisherDiagonal (kind) or, with kind null, a plain forward + mean-CE backward. */
    static Case fisher(String id, GpuPreset.Fisher f, FisherKind kind, Device device, long seed) {
        GpuPreset.Model m = f.model();
        int batch = kind == null ? f.plain() : kind == FisherKind.BATCH_MEAN ? f.batchMean() : f.perSample();
        ImageShape shape = new ImageShape(m.channels(), m.side(), m.side());
        List<AutoCloseable> made = new ArrayList<>();
        try {
            ImageModel model = Models.create(m.config(), new Generator(seed)).to(device);
            made.add(model);
            model.eval();
            DataLoader all = loader(new HashedImageSet(f.images(), shape, m.classes()), batch, device);
            DataLoader warm = loader(new HashedImageSet(Math.min(f.images(), 2 * batch), shape, m.classes()), batch, device);
            IntConsumer pass = kind == null ? i -> plainPass(model, all) : i -> fisherPass(model, all, kind);
            IntConsumer warmPass = kind == null ? i -> plainPass(model, warm) : i -> fisherPass(model, warm, kind);
            String what = switch (kind) {
                case null -> "plain forward + mean cross-entropy backward (eval mode, no squares), batch " + batch;
                case BATCH_MEAN -> "FisherDiagonal BATCH_MEAN (SSD's estimator: squared batch-mean gradients), batch " + batch;
                case PER_SAMPLE -> "FisherDiagonal PER_SAMPLE (exact per-sample squared gradients, one backward per batch), batch " + batch;
                case TRUE -> throw new IllegalArgumentException("the benchmark has no TRUE Fisher case");
            };
            return new Case(id, what + "; one run = one pass over the images through a DataLoader",
                    m.label() + ", " + f.images() + " images " + m.channels() + "×" + m.side() + "×" + m.side() + ", batch " + batch,
                    Unit.SECONDS, f.images(), 0, Models.parameterCount(m.config()), warmPass, pass, made);
        } catch (RuntimeException | Error e) {
            cleanUp(made, e);
            throw e;
        }
    }

    private static DataLoader loader(HashedImageSet set, int batch, Device device) {
        return DataLoader.builder(set).batchSize(batch).device(device).workers(device.type().equals("cpu") ? 0 : 2).build();
    }

    private static void fisherPass(ImageModel model, DataLoader loader, FisherKind kind) {
        try (FisherMap fisher = FisherDiagonal.compute(model, loader, kind)) {
            if (fisher.samples() <= 0) throw new IllegalStateException("Fisher pass saw no samples");
        }
    }

    private static void plainPass(ImageModel model, DataLoader loader) {
        try (Epoch epoch = loader.epoch(0)) {
            for (Batch batch : epoch) {
                try (batch; Scope _ = Scope.open("forward+backward")) {
                    model.zeroGrad();
                    F.crossEntropy(model.forward(batch.images()), batch.labels()).backward();
                }
            }
        }
        model.zeroGrad();
    }

    /** The parameters the kernel cases run over, with an owner scope for their inputs. */
    private record Params(ImageModel model, Map<String, Tensor> named, long elements, Scope owner, Generator gen) {
        static Params of(GpuPreset p, Device device, long seed, List<AutoCloseable> made) {
            Generator gen = new Generator(seed);
            Scope owner = Scope.detached("gpu-bench inputs");   // closed after the model (as UnlearningKernelsBench)
            made.add(owner);
            ImageModel model = Models.create(p.unlearnModel(), gen).to(device);
            made.add(model);
            Map<String, Tensor> named = model.namedParameters();
            long n = 0;
            for (Tensor t : named.values()) n += t.numel();
            return new Params(model, named, n, owner, gen);
        }

        String sizes() { return named.size() + " tensors, " + elements + " parameters (" + Models.describe(model.config()) + ")"; }
    }

    /** SSD selection + dampening of every parameter (the map form), in place; I_f = U·I_D·α/0.98: 2% selected. */
    static Case ssdDampen(GpuPreset p, Device device, long seed) {
        List<AutoCloseable> made = new ArrayList<>();
        try {
            Params ps = Params.of(p, device, seed, made);
            Map<String, Tensor> d = new LinkedHashMap<>(), f = new LinkedHashMap<>();
            try (Scope _ = Scope.open("ssd inputs")) {
                ps.named().forEach((name, t) -> {
                    Tensor id = ps.owner().adopt(Tensor.uniform(t.shape(), 0, 1, ps.gen(), DType.FLOAT32, device));
                    d.put(name, id);
                    f.put(name, ps.owner().adopt(Tensor.uniform(t.shape(), 0, 1, ps.gen(), DType.FLOAT32, device)
                            .mul(id).mul(ALPHA / (1 - SELECTED))));
                });
            }
            IntConsumer run = i -> Unlearning.ssdDampen(ps.named(), d, f, ALPHA, LAMBDA);
            return new Case("ssd-dampen", "Unlearning.ssdDampen over every parameter (map form, α = λ = 10, 2% selected), in place",
                    ps.sizes(), Unit.MILLIS, 0, 16 * ps.elements(), ps.elements(), run, run, made);
        } catch (RuntimeException | Error e) {
            cleanUp(made, e);
            throw e;
        }
    }

    /** Global top-k masks of the conv weights' |w|, 95% pruned (masks freed per run). */
    static Case globalTopK(GpuPreset p, Device device, long seed) {
        List<AutoCloseable> made = new ArrayList<>();
        try {
            Params ps = Params.of(p, device, seed, made);
            List<Tensor> scores = new ArrayList<>();
            long n = 0;
            try (Scope _ = Scope.open("top-k inputs")) {
                for (Tensor t : ps.named().values())
                    if (t.shape().rank() == 4) {
                        scores.add(ps.owner().adopt(Pruning.magnitudeScores(t)));
                        n += t.numel();
                    }
            }
            IntConsumer run = i -> {
                try (Scope _ = Scope.open("top-k")) {
                    GlobalTopK.pruneSmallest(scores, SPARSITY);
                }
            };
            return new Case("global-topk", "GlobalTopK.pruneSmallest of the conv weights' |w|, 95% pruned: threshold + one mask per tensor",
                    scores.size() + " conv weights, " + n + " scores", Unit.MILLIS, 0, 8 * n, ps.elements(), run, run, made);
        } catch (RuntimeException | Error e) {
            cleanUp(made, e);
            throw e;
        }
    }

    /** One SGD step (lr 0.01, momentum 0.9, wd 5e-4) with a mask on every parameter (5% kept), fixed gradients. */
    static Case sgdMasked(GpuPreset p, Device device, long seed) {
        List<AutoCloseable> made = new ArrayList<>();
        try {
            Params ps = Params.of(p, device, seed, made);
            SGD opt = SGD.builder(ps.named().values()).lr(0.01).momentum(0.9).weightDecay(5e-4).build();
            made.add(opt);
            try (Scope _ = Scope.open("sgd inputs")) {
                for (Tensor t : ps.named().values()) {
                    t.setGrad(ps.owner().adopt(Tensor.randn(t.shape(), ps.gen(), device).mul(1e-3)));
                    opt.setMask(t, ps.owner().adopt(Tensor.uniform(t.shape(), 0, 1, ps.gen(), DType.FLOAT32, device)
                            .gt(SPARSITY).to(DType.FLOAT32)));
                }
            }
            IntConsumer run = i -> opt.step();
            return new Case("sgd-masked", "SGD step (lr 0.01, momentum 0.9, wd 5e-4) with Optimizer.setMask on every parameter, 5% kept",
                    ps.sizes(), Unit.MILLIS, 0, 24 * ps.elements(), ps.elements(), run, run, made);
        } catch (RuntimeException | Error e) {
            cleanUp(made, e);
            throw e;
        }
    }
}
