// What a batch holds on every available backend (shapes, dtypes, devices, pixel values, labels, indices), that
// workers 0, 1 and 4 give identical batches, and that the batch owns its tensors unless a scope takes them.
package ai.lethe.data.loader;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Backend;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.transform.Compose;
import ai.lethe.data.transform.Normalize;
import ai.lethe.data.transform.RandomCrop;
import ai.lethe.data.transform.RandomHorizontalFlip;
import ai.lethe.data.transform.RandomSource;
import ai.lethe.data.transform.Resize;
import ai.lethe.data.transform.Transform;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BatchTest {
    private final ImageShape shape = new ImageShape(3, 6, 5);
    private final TinyDataset data = new TinyDataset(17, shape, 4);
    private final Transform augment = Compose.of(new RandomCrop(6, 5, 2), new RandomHorizontalFlip(),
            new Normalize(new double[] {0.5, 0.4, 0.3}, new double[] {0.2, 0.25, 0.3}));

    static Stream<Backend> backends() { return TestBackends.available().stream(); }

    @ParameterizedTest @MethodSource("backends")
    void batchTensorsOnEveryBackend(Backend backend) {
        Device device = backend.device();
        long before = backend.memoryStats().liveBytes();
        DataLoader loader = DataLoader.builder(data).batchSize(8).device(device).workers(1).build();
        List<Integer> sizes = new ArrayList<>();
        try (Epoch epoch = loader.epoch(0)) {
            for (Batch b : epoch) {
                try (b) {
                    int n = b.size();
                    sizes.add(n);
                    assertNull(b.images().owner(), "made with no scope open");
                    assertEquals(Shape.of(n, 3, 6, 5), b.images().shape());
                    assertEquals(DType.FLOAT32, b.images().dtype());
                    assertEquals(device, b.images().device());
                    assertEquals(Shape.of(n), b.labels().shape());
                    assertEquals(DType.INT64, b.labels().dtype());
                    assertEquals(device, b.labels().device());
                    float[] px = b.images().toFloatArray();
                    long[] labels = b.labels().toLongArray();
                    for (int k = 0; k < n; k++) {
                        int i = b.indices()[k];
                        assertEquals(i, b.sourceIndices()[k]);
                        assertEquals(i % 4, labels[k]);
                        float[] expected = new float[shape.size()];
                        data.readImage(i, expected, 0);
                        assertArrayEquals(expected, Arrays.copyOfRange(px, k * shape.size(), (k + 1) * shape.size()), "sample " + i);
                    }
                }
            }
        }
        assertEquals(List.of(8, 8, 1), sizes);
        assertEquals(before, backend.memoryStats().liveBytes(), "memory left on " + device);
    }

    @Test void transformIsAppliedWithTheSampleStream() {
        DataLoader loader = DataLoader.builder(data).batchSize(5).shuffle(true).seed(21).transform(augment)
                .device(Device.REF).workers(2).build();
        try (Epoch epoch = loader.epoch(3)) {
            for (Batch b : epoch) {
                try (b) {
                    float[] px = b.images().toFloatArray();
                    for (int k = 0; k < b.size(); k++) {
                        int i = b.indices()[k];
                        float[] expected = augment.apply(data.image(i), RandomSource.forSample(21, 3, i)).data();
                        assertArrayEquals(expected, Arrays.copyOfRange(px, k * shape.size(), (k + 1) * shape.size()), "sample " + i);
                    }
                }
            }
        }
    }

    @Test void resizingTransformSetsTheBatchShape() {
        DataLoader loader = DataLoader.builder(data).batchSize(4).transform(new Resize(12, 10)).device(Device.REF).workers(0).build();
        assertEquals(new ImageShape(3, 12, 10), loader.imageShape());
        try (Epoch epoch = loader.epoch(0)) {
            for (Batch b : epoch) try (b) { assertEquals(Shape.of(b.size(), 3, 12, 10), b.images().shape()); }
        }
    }

    /** Every batch's images, labels and indices, flattened, for one loader setting. */
    private List<String> contents(int workers, int prefetch, long seed, int epoch) {
        DataLoader loader = DataLoader.builder(data).batchSize(3).shuffle(true).seed(seed).transform(augment)
                .device(Device.REF).workers(workers).prefetch(prefetch).build();
        List<String> out = new ArrayList<>();
        try (Epoch e = loader.epoch(epoch)) {
            for (Batch b : e)
                try (b) {
                    out.add(Arrays.toString(b.indices()) + Arrays.toString(b.labels().toLongArray()) + Arrays.toString(b.images().toFloatArray()));
                }
        }
        return out;
    }

    @Test void workersDoNotChangeTheBatches() {
        for (int epoch = 0; epoch < 3; epoch++) {
            List<String> sync = contents(0, 1, 5, epoch);
            assertEquals(6, sync.size());
            assertEquals(sync, contents(1, 1, 5, epoch), "1 worker, epoch " + epoch);
            assertEquals(sync, contents(4, 2, 5, epoch), "4 workers, epoch " + epoch);
            assertEquals(sync, contents(4, 16, 5, epoch), "4 workers, deep prefetch, epoch " + epoch);
        }
        assertNotEquals(contents(0, 1, 5, 0), contents(0, 1, 5, 1), "epochs differ");
        assertNotEquals(contents(2, 2, 5, 0), contents(2, 2, 6, 0), "seeds differ");
    }

    @Test void sourceIndicesComeFromTheDataset() {
        Dataset subset = data.subset(new int[] {16, 3, 9, 0}, "subset");
        DataLoader loader = DataLoader.builder(subset).batchSize(4).device(Device.REF).workers(0).build();
        try (Epoch e = loader.epoch(0)) {
            for (Batch b : e) try (b) {
                assertArrayEquals(new int[] {0, 1, 2, 3}, b.indices());
                assertArrayEquals(new int[] {16, 3, 9, 0}, b.sourceIndices());
                assertArrayEquals(new long[] {0, 3, 1, 0}, b.labels().toLongArray());
            }
        }
    }

    @Test void aScopeCanKeepTheTensors() {
        DataLoader loader = DataLoader.builder(data).batchSize(17).device(Device.REF).workers(0).build();
        Tensor images;
        try (Scope kept = Scope.open("kept")) {
            try (Epoch e = loader.epoch(0)) {
                Batch b = e.iterator().next();
                images = kept.adopt(b.images());
                b.close();
                assertFalse(images.isClosed(), "adopted by a scope: the batch leaves it alone");
                assertTrue(b.labels().isClosed());
            }
            assertEquals(17 * shape.size(), images.numel());
        }
        assertTrue(images.isClosed(), "the scope freed it");
    }

    @Test void anEpochIsIteratedOnce() {
        DataLoader loader = DataLoader.builder(data).batchSize(17).device(Device.REF).workers(0).build();
        try (Epoch e = loader.epoch(2)) {
            assertEquals(2, e.number());
            assertEquals(1, e.numBatches());
            for (Batch b : e) b.close();
            assertThrows(IllegalStateException.class, e::iterator);
        }
        assertEquals(17, IntStream.of(OrderTest.indices(loader, 2).getFirst()).count(), "the loader gives the epoch again");
    }
}
