// Computes a Fisher-information diagonal of a model over a data loader's batches (see FisherKind), with the
// model in eval mode. BATCH_MEAN squares each batch's mean-loss gradient, as SSD's reference does. PER_SAMPLE
// and TRUE use per-sample rules on the layers' activations and output gradients (PerSampleRules): one backward
// pass per batch (TRUE: one per class, each sample's signal weighted by √p(y|x)), with no batch-size-1 loop and
// without materialising N × |θ|. The model's mode, requiresGrad flags and gradients are left as they were
// (gradients are dropped).
//
// CUDA graphs (GraphedSteps): on cuda and cuda-emu the BATCH_MEAN and PER_SAMPLE batches of the loader's batch size
// are captured once, after one eager batch, and replayed for every later full batch (the batch copied into the graph's
// inputs; a batch adds into the accumulators in place, so nothing changes between replays); the last, partial batch
// runs eagerly. The switch is training's: on by default, off with -Dlethe.cuda.graphs=false, LETHE_CUDA_GRAPHS=0 or
// --no-cuda-graphs (GraphCapture.enabledBySettings), or per call. The diagonal is bit for bit the eager one
// (FisherGraphsTest).
//
// Over several ranks (Distributed.current(), or a Communicator argument) each rank accumulates its share
// (FisherShards: BATCH_MEAN by whole batches r, r+N, ... of the single-process batch sequence, so every squared
// batch-mean gradient is the one a single process squares; PER_SAMPLE and TRUE by a contiguous block of samples),
// the unscaled sums are all-reduced once at the end (one bucket), and every rank divides by the global count (batches
// or samples of the whole pass). The result is the single-process diagonal up to float summation order
// (DistributedFisherTest). TRUE needs no per-rank randomness: it is the exact expectation over the classes, not a
// label sampled per sample. One rank runs exactly the single-process path.
package ai.lethe.fisher;

import ai.lethe.backend.GraphCapture;
import ai.lethe.core.Device;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.Distributed;
import ai.lethe.kernels.Squares;
import ai.lethe.nn.F;
import ai.lethe.nn.Module;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.train.GraphedSteps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;

public final class FisherDiagonal {
    private FisherDiagonal() {}

    /** The {@code kind} Fisher diagonal of {@code model} over one pass of {@code loader} (no shuffling needed). */
    public static FisherMap compute(Module model, DataLoader loader, FisherKind kind) {
        return compute(model, loader, kind, batches -> {});
    }

    /** As above, calling {@code progress} with the number of batches done after each batch. */
    public static FisherMap compute(Module model, DataLoader loader, FisherKind kind, IntConsumer progress) {
        return compute(model, loader, kind, progress, GraphCapture.enabledBySettings());
    }

    /**
     * As above; {@code cudaGraphs}: whether full BATCH_MEAN and PER_SAMPLE batches run as CUDA graphs where the device
     * supports them (the default follows -Dlethe.cuda.graphs / LETHE_CUDA_GRAPHS). The result is the same either way.
     */
    public static FisherMap compute(Module model, DataLoader loader, FisherKind kind, IntConsumer progress, boolean cudaGraphs) {
        return compute(model, loader, kind, progress, cudaGraphs, Distributed.current());
    }

    /**
     * As above over the ranks of {@code comm}: every rank of the group calls this with the same model, loader and kind;
     * each computes its share of {@code loader}'s pass and every rank returns the whole diagonal. {@code progress}
     * counts this rank's batches.
     */
    public static FisherMap compute(Module model, DataLoader loader, FisherKind kind, IntConsumer progress, boolean cudaGraphs,
                                    Communicator comm) {
        if (model.parameters().isEmpty()) throw new IllegalArgumentException("Fisher: the model has no parameters");
        boolean wasTraining = model.isTraining();
        model.eval();
        LinkedHashMap<String, Tensor> acc = FisherMap.zerosLike(model);
        Device device = model.parameters().getFirst().device();
        try (GraphedSteps graphs = GraphedSteps.open(device, cudaGraphs && kind != FisherKind.TRUE, "Fisher " + kind + " batch")) {
            model.zeroGrad();
            if (comm.size() == 1) {
                long samples = switch (kind) {
                    case BATCH_MEAN -> batchMean(model, loader, acc, progress, graphs);
                    case PER_SAMPLE, TRUE -> perSample(model, loader, acc, kind == FisherKind.TRUE, progress, graphs);
                };
                scale(acc, kind == FisherKind.BATCH_MEAN ? loader.numBatches() : samples);
                return new FisherMap(acc, kind, samples);
            }
            Optional<DataLoader> share = kind == FisherKind.BATCH_MEAN ? FisherShards.byBatches(loader, comm.rank(), comm.size())
                    : FisherShards.bySamples(loader, comm.rank(), comm.size());
            if (share.isPresent()) {
                switch (kind) {
                    case BATCH_MEAN -> batchMean(model, share.get(), acc, progress, graphs);
                    case PER_SAMPLE, TRUE -> perSample(model, share.get(), acc, kind == FisherKind.TRUE, progress, graphs);
                }
            }
            allReduce(comm, acc);
            long samples = FisherShards.samples(loader);
            scale(acc, kind == FisherKind.BATCH_MEAN ? loader.numBatches() : samples);
            return new FisherMap(acc, kind, samples);
        } catch (RuntimeException e) {
            acc.values().forEach(Tensor::close);
            throw e;
        } finally {
            model.zeroGrad();
            if (wasTraining) model.train();
        }
    }

    /** Sums {@code acc}'s tensors over the ranks of {@code comm}, in place, as one bucket (one reduction per pass). */
    public static void allReduce(Communicator comm, Map<String, Tensor> acc) {
        if (comm.size() == 1) return;
        comm.allReduceSumAsync(new ArrayList<>(acc.values())).await();
    }

    /** Σ over the loader's batches of (∇ mean CE)², added into acc (the caller divides); returns the number of samples. */
    private static long batchMean(Module model, DataLoader loader, Map<String, Tensor> acc, IntConsumer progress,
                                  GraphedSteps graphs) {
        Map<String, Tensor> params = model.namedParameters();
        long samples = 0;
        int batches = 0;
        try (Epoch epoch = loader.epoch(0)) {
            for (Batch batch : epoch) {
                try (batch) {
                    graphs.run(batch.size() == loader.batchSize(), "batch-mean", List.of(batch.images(), batch.labels()), (in, graphed) -> {
                        try (Scope _ = Scope.open("fisher-batch")) {
                            model.zeroGrad();
                            F.crossEntropy(model.forward(in.get(0)), in.get(1)).backward();
                            try (var _ = GradMode.noGrad()) {
                                for (var e : params.entrySet()) {
                                    Tensor g = e.getValue().grad();
                                    if (g != null) Squares.addSquared(g, acc.get(e.getKey()), 1);   // fused: no g² temporary
                                }
                            }
                        }
                    }, () -> {});
                    samples += batch.size();
                    progress.accept(++batches);
                }
            }
        }
        return samples;
    }

    /** Σ_n of per-sample squared gradients added into acc (TRUE: summed over classes, weighted by p(y|x_n)); the caller divides. */
    private static long perSample(Module model, DataLoader loader, Map<String, Tensor> acc, boolean trueFisher,
                                  IntConsumer progress, GraphedSteps graphs) {
        long samples = 0;
        int batches = 0;
        Set<String> covered = new LinkedHashSet<>();
        try (PerSampleCapture capture = new PerSampleCapture(model); Epoch epoch = loader.epoch(0)) {
            for (Batch batch : epoch) {
                try (batch) {
                    // TRUE is never graphed (compute opens its runner switched off): its class loop is left eager
                    graphs.run(batch.size() == loader.batchSize(), "per-sample", List.of(batch.images(), batch.labels()), (in, graphed) -> {
                        try (Scope _ = Scope.open("fisher-batch")) {
                            perSampleBatch(model, capture, in.get(0), in.get(1), trueFisher, acc, covered);
                        }
                    }, () -> {});
                    samples += batch.size();
                    progress.accept(++batches);
                }
            }
        }
        Set<String> missing = new LinkedHashSet<>(acc.keySet());
        missing.removeAll(covered);
        if (!missing.isEmpty() && samples > 0)
            throw new IllegalStateException("per-sample Fisher has no rule for parameters " + missing
                    + " (covered: Linear, Conv2d, BatchNorm, LayerNorm, and parameters a module reports with parameterUse)");
        return samples;
    }

    /** One batch's per-sample squared gradients added into acc (the parameters they cover added to covered). */
    private static void perSampleBatch(Module model, PerSampleCapture capture, Tensor images, Tensor labels, boolean trueFisher,
                                       Map<String, Tensor> acc, Set<String> covered) {
        capture.clear();
        Tensor x = images.detach().setRequiresGrad(true);
        Tensor logits = model.forward(x);
        if (!trueFisher) {
            F.crossEntropy(logits, labels, F.Reduction.SUM, 0).backward();
            accumulate(capture, acc, covered);
        } else {
            Tensor logp = logits.logSoftmax(1);
            Tensor weight;
            try (var _ = GradMode.noGrad()) {
                weight = logp.exp().sqrt();   // √p(y|x): squares of the scaled gradients carry p(y|x)
            }
            for (int y = 0; y < logits.shape().dim(1); y++) {
                logp.select(1, y).mul(weight.select(1, y)).sum().neg().backward();
                accumulate(capture, acc, covered);
            }
        }
    }

    private static void accumulate(PerSampleCapture capture, Map<String, Tensor> acc, Set<String> covered) {
        try (var _ = GradMode.noGrad()) {
            for (PerSampleCapture.LayerCall call : capture.layers()) {
                PerSampleRules.accumulate(call, acc, 1);
                String prefix = call.name().isEmpty() ? "" : call.name() + ".";
                call.module().namedParameters().keySet().forEach(k -> covered.add(prefix + k));
            }
            for (PerSampleCapture.ParameterUse use : capture.uses()) {
                Tensor target = acc.get(use.name());
                if (target == null) continue;
                PerSampleRules.parameterUse(use, target, 1);
                covered.add(use.name());
            }
        }
    }

    private static void scale(Map<String, Tensor> acc, long count) {
        if (count == 0) return;
        try (var _ = GradMode.noGrad()) {
            for (Tensor t : acc.values()) t.mulInPlace(1.0 / count);
        }
    }
}
