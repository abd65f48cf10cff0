// Sharded loading for data-parallel training: the union of N ranks' batches, in rank order, is the single-process
// batch — the same samples, labels and augmented pixels — at every step of two shuffled epochs, for 2 and 4 ranks and
// with workers; a batch size that is not a multiple of the ranks is refused naming both numbers; a final batch with
// fewer samples than ranks is dropped on every rank, a larger one split as evenly as possible.
package ai.lethe.data.loader;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.source.SyntheticImages;
import ai.lethe.data.source.SyntheticOptions;
import ai.lethe.data.transform.Transform;
import ai.lethe.data.transform.Transforms;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShardTest {
    static final Dataset DATA = SyntheticImages.generate(new SyntheticOptions(4, 300, 8, 1, 12, 12, 3, 0.1)).train();
    static final Transform AUGMENT = Transforms.preset(Transforms.Recipe.MNIST, true, DATA.shape(), new double[] {0.5},
            new double[] {0.25});

    record Host(int[] indices, long[] labels, float[] images) {}

    static List<Host> epoch(DataLoader loader, int e) {
        List<Host> out = new ArrayList<>();
        try (Epoch epoch = loader.epoch(e)) {
            for (Batch b : epoch) try (b) {
                out.add(new Host(b.indices(), b.labels().toLongArray(), b.images().toFloatArray()));
            }
        }
        return out;
    }

    static DataLoader loader(int batch, int rank, int ranks, int workers) {
        return DataLoader.builder(DATA).batchSize(batch).shuffle(true).seed(5).transform(AUGMENT).device(Device.REF)
                .workers(workers).shard(rank, ranks).build();
    }

    static void assertUnionIsTheSingleProcessBatch(int ranks, int workers) {
        int batch = 64;
        DataLoader single = loader(batch, 0, 1, workers);
        List<DataLoader> shards = new ArrayList<>();
        for (int r = 0; r < ranks; r++) shards.add(loader(batch, r, ranks, workers));
        for (int e = 0; e < 2; e++) {
            List<Host> whole = epoch(single, e);
            int ep = e;
            List<List<Host>> parts = shards.stream().map(l -> epoch(l, ep)).toList();
            assertEquals(5, whole.size());
            for (int r = 0; r < ranks; r++) assertEquals(whole.size(), parts.get(r).size(), "rank " + r + " batches");
            for (int b = 0; b < whole.size(); b++) {
                Host w = whole.get(b);
                int[] idx = new int[0];
                long[] labels = new long[0];
                float[] images = new float[0];
                for (int r = 0; r < ranks; r++) {
                    Host p = parts.get(r).get(b);
                    if (b < 4) assertEquals(batch / ranks, p.indices().length, "a full batch splits evenly");
                    assertEquals(w.indices().length, single.globalBatchSize(b));
                    idx = concat(idx, p.indices());
                    labels = concatL(labels, p.labels());
                    images = concatF(images, p.images());
                }
                assertArrayEquals(w.indices(), idx, "epoch " + e + " batch " + b + ": samples");
                assertArrayEquals(w.labels(), labels, "epoch " + e + " batch " + b + ": labels");
                assertArrayEquals(w.images(), images, "epoch " + e + " batch " + b + ": augmented images");
            }
        }
    }

    @Test void twoRanksMakeTheSingleProcessBatches() { assertUnionIsTheSingleProcessBatch(2, 0); }

    @Test void fourRanksWithWorkersMakeTheSingleProcessBatches() { assertUnionIsTheSingleProcessBatch(4, 2); }

    @Test void theFinalPartialBatchSplitsAsEvenlyAsPossible() {
        // 300 = 4 x 64 + 44: the last global batch has 44 samples; over 3 ranks (batch 63: 4 full + 48) 16 each
        DataLoader r0 = loader(63, 0, 3, 0), r2 = loader(63, 2, 3, 0);
        assertEquals(5, r0.numBatches());
        assertEquals(48, r0.globalBatchSize(4));
        assertEquals(21, r0.localBatchSize());
        assertEquals(16, epoch(r0, 0).get(4).indices().length);
        assertEquals(16, epoch(r2, 0).get(4).indices().length);
    }

    @Test void aFinalBatchSmallerThanTheRanksIsDroppedEverywhere() {
        // 300 = 296 + 4: over 8 ranks the final 4 samples cannot give every rank one, so that batch is dropped
        DataLoader single = loader(296, 0, 1, 0), sharded = loader(296, 3, 8, 0);
        assertEquals(2, single.numBatches());
        assertEquals(1, sharded.numBatches());
        assertEquals(37, epoch(sharded, 0).getFirst().indices().length);
    }

    @Test void aBatchThatDoesNotSplitIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> loader(30, 0, 4, 0));
        assertTrue(e.getMessage().contains("30") && e.getMessage().contains("4 ranks"), e.getMessage());
        var bad = assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(DATA).shard(2, 2));
        assertTrue(bad.getMessage().contains("rank 2 of 2"), bad.getMessage());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static long[] concatL(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static float[] concatF(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
