// The Fisher diagonals over several ranks, simulated in one process (SimulatedRanks: the other ranks' partial sums
// added into rank 0's at its all-reduce, as MPI would): for BATCH_MEAN, PER_SAMPLE and TRUE on a tiny ResNet18 (eval
// batch norm with non-trivial running statistics) on cpu, 2 and 3 ranks — 100 samples in batches of 8, so 13 batches,
// the last one partial, shared unevenly — and 20 ranks (more ranks than batches: some ranks hold nothing) give the
// single-process diagonal and sample count to float-summation tolerance (relative 1e-5, as PerSampleFisherTest holds
// the batched rules to their definition); the raw per-sample gradient matrix (IU's) is bit for bit the single-process
// one. FisherShards: the batch shares are the single-process batches r, r+N, ... whole, the sample shares are
// contiguous blocks covering every sample once, and a random transform (flip, crop) gives every sample of a share the
// image the full loader gives it (its random stream keyed by its position in the full loader, not in the share).
package ai.lethe.fisher;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.TrainTest;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.source.SyntheticImages;
import ai.lethe.data.source.SyntheticOptions;
import ai.lethe.data.transform.RandomCrop;
import ai.lethe.data.transform.RandomHorizontalFlip;
import ai.lethe.models.ImageModel;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DistributedFisherTest {
    static final TrainTest DATA = SyntheticImages.generate(new SyntheticOptions(3, 100, 8, 3, 8, 8, 11, 0.3));
    static final int BATCH = 8, BATCHES = 13;
    static final double TOLERANCE = 1e-5;

    static Device device() { return TestBackends.cpu(); }

    static DataLoader loader(Dataset d) { return PerSampleFisherTest.loader(d, BATCH, device()); }

    static Stream<Arguments> cases() {
        return Stream.of(FisherKind.values()).flatMap(k -> Stream.of(2, 3, 20).map(n -> Arguments.of(k, n)));
    }

    @ParameterizedTest(name = "{0} over {1} ranks") @MethodSource("cases")
    void ranksTogetherGiveTheSingleProcessDiagonal(FisherKind kind, int ranks) {
        Dataset data = kind == FisherKind.TRUE ? DATA.train().subset(range(0, 40), "40") : DATA.train();   // TRUE: a class loop per batch
        try (ImageModel m = PerSampleFisherTest.model(PerSampleFisherTest.RESNET, device());
             FisherMap single = FisherDiagonal.compute(m, loader(data), kind);
             FisherMap shared = SimulatedRanks.run(ranks, comm -> FisherDiagonal.compute(m, loader(data), kind, b -> {}, false, comm))) {
            assertEquals(single.samples(), shared.samples());
            assertEquals(data.size(), shared.samples());
            assertEquals(single.names(), shared.names());
            for (String k : single.names())
                PerSampleFisherTest.assertClose(kind + " " + ranks + " ranks " + k, single.get(k).toDoubleArray(),
                        shared.get(k).toDoubleArray(), TOLERANCE);
        }
    }

    @Test void eachRankComputesOnlyItsShare() {
        List<Integer> batchesSeen = new ArrayList<>();
        try (ImageModel m = PerSampleFisherTest.model(PerSampleFisherTest.RESNET, device());
             FisherMap _ = SimulatedRanks.run(3, comm -> {
                 int[] n = {0};
                 FisherMap f = FisherDiagonal.compute(m, loader(DATA.train()), FisherKind.BATCH_MEAN, b -> n[0] = b, false, comm);
                 batchesSeen.add(n[0]);
                 return f;
             })) {
            assertEquals(List.of(4, 4, 5), batchesSeen, "ranks 2, 1, 0 of 3 over 13 batches");
        }
    }

    @Test void perSampleGradientRowsAreTheSingleProcessOnes() {
        try (ImageModel m = PerSampleFisherTest.model(PerSampleFisherTest.RESNET, device())) {
            m.eval();
            Dataset few = DATA.train().subset(range(0, 37), "37");
            try (Tensor single = PerSampleGradients.matrix(m, loader(few), 37);
                 Tensor shared = SimulatedRanks.run(2, comm -> PerSampleGradients.matrix(m, loader(few), 37, comm))) {
                assertArrayEquals(single.toFloatArray(), shared.toFloatArray());
            }
        }
    }

    @Test void batchSharesAreWholeSingleProcessBatches() {
        DataLoader full = loader(DATA.train());
        int[] all = full.order(0);
        for (int size : new int[] {1, 2, 3, 20}) {
            List<Integer> covered = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                var share = FisherShards.byBatches(full, r, size);
                assertEquals(r < BATCHES, share.isPresent(), size + " ranks, rank " + r);
                if (share.isEmpty()) continue;
                List<int[]> batches = sources(share.get());
                for (int j = 0; j < batches.size(); j++) {
                    int b = r + j * size;
                    assertArrayEquals(Arrays.copyOfRange(all, b * BATCH, Math.min(all.length, (b + 1) * BATCH)), batches.get(j),
                            size + " ranks, rank " + r + ": its batch " + j + " is single-process batch " + b);
                    covered.add(b);
                }
            }
            covered.sort(null);
            assertEquals(java.util.stream.IntStream.range(0, BATCHES).boxed().toList(), covered);
        }
    }

    @Test void sampleSharesAreContiguousBlocksCoveringEverySampleOnce() {
        DataLoader full = loader(DATA.train());
        for (int size : new int[] {2, 3, 7}) {
            List<Integer> seen = new ArrayList<>();
            for (int r = 0; r < size; r++) for (int[] b : sources(FisherShards.bySamples(full, r, size).orElseThrow())) for (int i : b) seen.add(i);
            assertEquals(java.util.stream.IntStream.range(0, 100).boxed().toList(), seen, size + " ranks");
        }
        var dropLast = DataLoader.builder(DATA.train()).batchSize(BATCH).dropLast(true).device(device()).workers(0).build();
        assertEquals(96, FisherShards.samples(dropLast));
        assertEquals(48, FisherShards.bySamples(dropLast, 1, 2).orElseThrow().dataset().size());
        assertThrows(IllegalArgumentException.class, () -> FisherShards.bySamples(dropLast, 2, 2));
    }

    @Test void aRandomTransformGivesEachSampleTheImageOfTheFullLoader() {
        var transform = new RandomHorizontalFlip().andThen(new RandomCrop(8, 2));
        DataLoader full = DataLoader.builder(DATA.train()).batchSize(BATCH).shuffle(true).seed(5).transform(transform)
                .device(device()).workers(0).build();
        Map<Integer, float[]> expected = images(full);
        for (var share : List.of(FisherShards.byBatches(full, 1, 3).orElseThrow(), FisherShards.bySamples(full, 1, 2).orElseThrow())) {
            Map<Integer, float[]> got = images(share);
            assertFalse(got.isEmpty());
            got.forEach((source, image) -> assertArrayEquals(expected.get(source), image, "sample " + source));
        }
    }

    private static int[] range(int from, int to) { return java.util.stream.IntStream.range(from, to).toArray(); }

    /** The source indices of each batch of one pass. */
    private static List<int[]> sources(DataLoader loader) {
        List<int[]> out = new ArrayList<>();
        try (Epoch e = loader.epoch(0)) {
            for (Batch b : e) try (b) { out.add(b.sourceIndices()); }
        }
        return out;
    }

    /** Each sample's image in one pass, by source index. */
    private static Map<Integer, float[]> images(DataLoader loader) {
        Map<Integer, float[]> out = new java.util.HashMap<>();
        try (Epoch e = loader.epoch(0)) {
            for (Batch b : e) {
                try (b) {
                    float[] all = b.images().toFloatArray();
                    int[] src = b.sourceIndices();
                    int size = all.length / src.length;
                    for (int i = 0; i < src.length; i++) out.put(src[i], Arrays.copyOfRange(all, i * size, (i + 1) * size));
                }
            }
        }
        return out;
    }
}
