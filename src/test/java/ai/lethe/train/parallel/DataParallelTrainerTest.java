// The Trainer over two ranks (threads of a LocalGroup, real collectives, no MPI) against one process with the same
// global batch and seed: a width-4 ResNet with synchronised batch norm, two epochs of 8 steps, ends with the same
// weights within float-summation tolerance (the ranks start from different initialisations: rank 0's are broadcast),
// logs the global batch's losses, and only rank 0 writes (rank 1's run folder stays empty, rank 1's listeners hear
// nothing). A run killed after epoch 1 and resumed by both ranks from rank 0's folder ends where the uninterrupted
// single-process run ends. A ViT with dropout (after the position embedding, on the attention weights, in the MLP)
// trains over two ranks to one process's weights too: each rank draws its slice of the global batch's masks
// (DataParallel.shard, BatchShard): measured 6.0e-8 after 8 steps, where per-rank draws (the shard switched off) ended
// 1.0e-2 away.
package ai.lethe.train.parallel;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.TrainTest;
import ai.lethe.data.source.SyntheticImages;
import ai.lethe.data.source.SyntheticOptions;
import ai.lethe.data.transform.Transforms;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.SingleProcess;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;
import ai.lethe.train.EpochStats;
import ai.lethe.train.RunFolder;
import ai.lethe.train.TrainConfig;
import ai.lethe.train.TrainListener;
import ai.lethe.train.TrainResult;
import ai.lethe.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataParallelTrainerTest {
    @TempDir Path dir;

    static final TrainTest DATA = SyntheticImages.generate(new SyntheticOptions(4, 512, 128, 1, 12, 12, 3, 0.1));
    static final ResNetConfig MODEL = new ResNetConfig(1, 4, 4, ResNetConfig.Stem.CIFAR, List.of(1, 1, 1, 1));
    static final double[] MEAN = {0.5}, STD = {0.25};
    /**
     * Two ranks add the two halves' gradients where one process sums the whole batch at once, and synchronised batch
     * norm sums its statistics per rank first: the same numbers in another float32 summation order (~1e-7 relative per
     * step). Over these 16 SGD steps with momentum the largest weight difference measured is 2.4e-7; 1e-4 absolute
     * (weights are O(0.1..1)) leaves room for other summation orders and is far below what one wrong step changes.
     */
    static final double TOLERANCE = 1e-4;

    static TrainConfig config(int epochs) {
        return TrainConfig.unlearnSparse(epochs).toBuilder().batchSize(64).lr(0.05).seed(11).workers(1).build();
    }

    static Trainer trainer(ImageModel model, TrainConfig config, RunFolder run, Communicator comm, TrainListener... extra) {
        var b = Trainer.builder(model, DATA.train(), config).validation(DATA.test())
                .transforms(Transforms.preset(Transforms.Recipe.MNIST, true, DATA.train().shape(), MEAN, STD), Transforms.eval(MEAN, STD))
                .runFolder(run).communicator(comm).syncBatchNorm(true).bucketBytes(4096).cudaGraphs(false);
        for (TrainListener l : extra) b.listener(l);
        return b.build();
    }

    static ImageModel model(long seed) { return Models.create(MODEL, new Generator(seed)).to(ai.lethe.backend.Backends.defaultDevice()); }

    static Map<String, float[]> weights(ImageModel m) {
        Map<String, float[]> out = new TreeMap<>();
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet())
            if (e.getValue().dtype().isFloatingPoint()) out.put(e.getKey(), e.getValue().toFloatArray());
        return out;
    }

    static void assertSameWeights(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        double worst = 0;
        for (String k : expected.keySet())
            for (int i = 0; i < expected.get(k).length; i++) {
                double d = Math.abs(expected.get(k)[i] - actual.get(k)[i]);
                worst = Math.max(worst, d);
                assertTrue(d <= TOLERANCE, k + "[" + i + "]: " + expected.get(k)[i] + " vs " + actual.get(k)[i]);
            }
        System.out.println("data-parallel vs single process: largest weight difference " + worst);
    }

    static RunFolder folder(Path p) {
        try {
            return RunFolder.create(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Ranked(Map<String, float[]> weights, TrainResult result, int steps) {}

    @Test void twoRanksEndWithTheWeightsOfOneProcess() throws Exception {
        Map<String, float[]> single;
        TrainResult singleResult;
        try (ImageModel m = model(5)) {
            singleResult = trainer(m, config(2), folder(dir.resolve("single")), SingleProcess.INSTANCE).fit();
            single = weights(m);
        }
        Path quiet = dir.resolve("rank1");
        List<Ranked> ranks = new LocalGroup(2).run(comm -> {
            AtomicInteger heard = new AtomicInteger();
            TrainListener count = new TrainListener() {
                @Override public void onStep(ai.lethe.train.StepStats s) { heard.incrementAndGet(); }
            };
            try (ImageModel m = model(5 + 100L * comm.rank())) {
                RunFolder run = folder(comm.rank() == 0 ? dir.resolve("ddp") : quiet);
                TrainResult r = trainer(m, config(2), run, comm, count).fit();
                return new Ranked(weights(m), r, heard.get());
            }
        });
        assertSameWeights(single, ranks.get(0).weights());
        for (String k : single.keySet()) assertArrayEquals(ranks.get(0).weights().get(k), ranks.get(1).weights().get(k), "ranks differ: " + k);
        assertEquals(16, ranks.get(0).steps());
        assertEquals(0, ranks.get(1).steps(), "rank 1's listeners stay silent");
        try (var files = Files.list(quiet)) {
            assertEquals(List.of(), files.toList(), "rank 1 writes nothing");
        }
        RunFolder leader = new RunFolder(dir.resolve("ddp"));
        for (Path p : List.of(leader.checkpoint(), leader.last(), leader.best(), leader.metrics(), leader.result()))
            assertTrue(Files.exists(p), p + " missing");
        for (int e = 0; e < 2; e++) {   // the logged loss is the global batch's
            EpochStats a = singleResult.history().get(e), b = ranks.get(0).result().history().get(e);
            assertEquals(a.trainLoss(), b.trainLoss(), 1e-3, "epoch " + e + " loss");
            assertEquals(b.trainLoss(), ranks.get(1).result().history().get(e).trainLoss(), 0.0);
        }
    }

    /** A 12-pixel ViT (4-pixel patches: 10 tokens of 16) with dropout 0.2 everywhere, or none. */
    static ImageModel vit(double dropout) {
        var config = new ai.lethe.models.ViTConfig(12, 4, 1, 4, 16, 1, 2, 2.0, true, dropout, dropout, 1e-6);
        return Models.create(config, new Generator(7)).to(ai.lethe.backend.Backends.defaultDevice());
    }

    @Test void dropoutMasksAreTheGlobalBatchsOverTwoRanks() throws Exception {
        Map<String, float[]> single, noDropout;
        try (ImageModel m = vit(0.2)) {
            trainer(m, config(1), folder(dir.resolve("single")), SingleProcess.INSTANCE).fit();
            single = weights(m);
        }
        try (ImageModel m = vit(0)) {
            trainer(m, config(1), folder(dir.resolve("plain")), SingleProcess.INSTANCE).fit();
            noDropout = weights(m);
        }
        double moved = 0;   // dropout acts: without it the weights end elsewhere
        for (String k : single.keySet())
            for (int i = 0; i < single.get(k).length; i++) moved = Math.max(moved, Math.abs(single.get(k)[i] - noDropout.get(k)[i]));
        assertTrue(moved > 100 * TOLERANCE, "dropout 0.2 moved the weights by at most " + moved);
        // every rank builds the model with the same seed, as lethe train does: its dropout generator is the same
        List<Map<String, float[]>> ranks = new LocalGroup(2).run(comm -> {
            try (ImageModel m = vit(0.2)) {
                trainer(m, config(1), folder(dir.resolve("rank" + comm.rank())), comm).fit();
                return weights(m);
            }
        });
        assertSameWeights(single, ranks.get(0));
        for (String k : single.keySet()) assertArrayEquals(ranks.get(0).get(k), ranks.get(1).get(k), "ranks differ: " + k);
    }

    @Test void twoRanksResumeFromRankZerosCheckpoint() throws Exception {
        Map<String, float[]> straight;
        try (ImageModel m = model(5)) {
            trainer(m, config(2), folder(dir.resolve("straight")), SingleProcess.INSTANCE).fit();
            straight = weights(m);
        }
        Path shared = dir.resolve("killed");
        assertThrows(Exception.class, () -> new LocalGroup(2).run(comm -> {
            TrainListener kill = new TrainListener() {
                @Override public void onEpoch(EpochStats e) { throw new IllegalStateException("killed after epoch " + (e.epoch() + 1)); }
            };
            try (ImageModel m = model(5)) {
                return trainer(m, config(2), folder(shared), comm, kill).fit();
            }
        }));
        List<Map<String, float[]>> resumed = new LocalGroup(2).run(comm -> {
            try (ImageModel m = model(99 + comm.rank())) {   // another init: every weight must come from the checkpoint
                TrainResult r = trainer(m, config(2), new RunFolder(shared), comm).resume();
                assertEquals(2, r.history().size());
                return weights(m);
            }
        });
        assertSameWeights(straight, resumed.get(0));
        for (String k : straight.keySet()) assertArrayEquals(resumed.get(0).get(k), resumed.get(1).get(k), "ranks differ: " + k);
    }
}
