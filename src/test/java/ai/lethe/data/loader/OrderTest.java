// Which samples an epoch visits and in what order: each sample exactly once (with and without dropLast), a seeded
// shuffle that is the same on every run and differs across epochs and seeds, dataset order without shuffle.
package ai.lethe.data.loader;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.ImageShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OrderTest {
    private final TinyDataset data = new TinyDataset(23, new ImageShape(1, 2, 2), 3);

    private DataLoader.Builder loader() { return DataLoader.builder(data).batchSize(5).device(Device.REF).workers(0); }

    /** The dataset indices of every batch of an epoch, in order; closes the batches. */
    static List<int[]> indices(DataLoader loader, int epoch) {
        List<int[]> out = new ArrayList<>();
        try (Epoch e = loader.epoch(epoch)) {
            for (Batch b : e) try (b) { out.add(b.indices()); }
        }
        return out;
    }

    private static int[] flat(List<int[]> batches) { return batches.stream().flatMapToInt(Arrays::stream).toArray(); }

    @Test void everySampleOncePerEpoch() {
        DataLoader l = loader().shuffle(true).seed(3).build();
        assertEquals(5, l.numBatches());
        List<int[]> batches = indices(l, 0);
        assertEquals(List.of(5, 5, 5, 5, 3), batches.stream().map(b -> b.length).toList());
        int[] all = flat(batches);
        Arrays.sort(all);
        assertArrayEquals(IntStream.range(0, 23).toArray(), all);
    }

    @Test void dropLastDropsTheShortBatch() {
        DataLoader l = loader().shuffle(true).seed(3).dropLast(true).build();
        assertEquals(4, l.numBatches());
        int[] seen = flat(indices(l, 1));
        assertEquals(20, seen.length);
        assertEquals(20, Arrays.stream(seen).distinct().count());
        assertArrayEquals(Arrays.copyOf(l.order(1), 20), seen, "the first 20 of the epoch's order");
        assertEquals(1, DataLoader.builder(data).batchSize(23).dropLast(true).build().numBatches());
        assertEquals(0, DataLoader.builder(data).batchSize(24).dropLast(true).build().numBatches());
        assertEquals(1, DataLoader.builder(data).batchSize(24).build().numBatches());
    }

    @Test void noShuffleIsDatasetOrder() {
        assertArrayEquals(IntStream.range(0, 23).toArray(), flat(indices(loader().build(), 4)));
    }

    @Test void seededOrderIsReproducibleAndChanges() {
        int[] a = flat(indices(loader().shuffle(true).seed(9).build(), 2));
        int[] b = flat(indices(loader().shuffle(true).seed(9).workers(3).build(), 2));
        assertArrayEquals(a, b, "same seed and epoch: same order");
        assertFalse(Arrays.equals(a, flat(indices(loader().shuffle(true).seed(9).build(), 3))), "another epoch, another order");
        assertFalse(Arrays.equals(a, flat(indices(loader().shuffle(true).seed(10).build(), 2))), "another seed, another order");
        assertFalse(Arrays.equals(a, IntStream.range(0, 23).toArray()), "shuffled");
    }

    @Test void shuffleIsUniformEnough() {
        // over many epochs every sample shows up in the first position about equally often
        TinyDataset small = new TinyDataset(5, new ImageShape(1, 1, 1), 2);
        DataLoader l = DataLoader.builder(small).batchSize(5).shuffle(true).seed(1).build();
        int[] first = new int[5];
        for (int e = 0; e < 5000; e++) first[l.order(e)[0]]++;
        for (int c : first) assertTrue(c > 850 && c < 1150, Arrays.toString(first));
    }

    @Test void builderRejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data).batchSize(0));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data).workers(-1));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data).prefetch(0));
        assertThrows(IllegalArgumentException.class, () -> loader().build().epoch(-1));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(new TinyDataset(0, new ImageShape(1, 1, 1), 1)).build());
        assertEquals(Math.min(2, Runtime.getRuntime().availableProcessors()), DataLoader.builder(data).build().workers());
    }
}
