// Stopping early and failing: closing an epoch part-way stops the workers and frees every batch made ahead
// (backend liveBytes back to its value before), and a worker's exception reaches the consumer with its cause.
package ai.lethe.data.loader;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Backend;
import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.transform.RandomHorizontalFlip;
import ai.lethe.testing.TestBackends;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class LifecycleTest {
    private final ImageShape shape = new ImageShape(3, 8, 8);

    static Stream<Backend> backends() { return TestBackends.available().stream(); }

    private static void waitFor(AtomicInteger counter, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (counter.get() < atLeast && System.nanoTime() < deadline) Thread.sleep(5);
        Thread.sleep(50);   // let the workers park what they made
    }

    private static Set<String> loaderThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("lethe-loader-")).collect(Collectors.toSet());
    }

    @ParameterizedTest @MethodSource("backends")
    void breakingOutFreesEveryPrefetchedBatch(Backend backend) throws InterruptedException {
        AtomicInteger reads = new AtomicInteger();
        Dataset data = new CountingDataset(new TinyDataset(200, shape, 10), reads);
        long before = backend.memoryStats().liveBytes();
        Set<String> threadsBefore = loaderThreads();
        DataLoader loader = DataLoader.builder(data).batchSize(10).device(backend.device()).workers(2).prefetch(4)
                .transform(new RandomHorizontalFlip()).build();
        try (Epoch epoch = loader.epoch(0)) {
            for (Batch b : epoch) {
                b.close();
                waitFor(reads, 50);   // batch 0 taken: up to 4 more made ahead (40 samples)
                break;
            }
            assertTrue(backend.memoryStats().liveBytes() > before, "batches were made ahead");
        }
        assertEquals(before, backend.memoryStats().liveBytes(), "prefetched batches freed on " + backend.name());
        assertTrue(reads.get() <= 50, "the workers stopped at the prefetch depth: " + reads.get() + " samples read");
        assertEquals(threadsBefore, loaderThreads(), "workers ended");
    }

    @ParameterizedTest @MethodSource("backends")
    void closingBeforeOrWithoutIteratingFreesEverything(Backend backend) throws InterruptedException {
        long before = backend.memoryStats().liveBytes();
        DataLoader loader = DataLoader.builder(new TinyDataset(100, shape, 10)).batchSize(7).device(backend.device()).workers(3).build();
        try (Epoch epoch = loader.epoch(1)) {
            assertEquals(15, epoch.numBatches());
        }
        try (Epoch epoch = loader.epoch(1)) {
            epoch.iterator();   // workers start, nothing is taken
            Thread.sleep(30);
        }
        assertEquals(before, backend.memoryStats().liveBytes());
    }

    @ParameterizedTest @ValueSource(ints = {0, 1, 3})
    void aWorkerExceptionReachesTheConsumer(int workers) {
        Backend backend = TestBackends.available().stream().findFirst().orElseThrow();
        long before = backend.memoryStats().liveBytes();
        Dataset data = new TinyDataset("broken", 40, shape, 4, false, 17);
        DataLoader loader = DataLoader.builder(data).batchSize(5).device(backend.device()).workers(workers).build();
        DataLoaderException e;
        try (Epoch epoch = loader.epoch(0)) {
            Iterator<Batch> it = epoch.iterator();
            e = assertThrows(DataLoaderException.class, () -> {
                while (it.hasNext()) it.next().close();
            });
            assertFalse(it.hasNext(), "the epoch ends after a failure");
        }
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals("sample 17 is unreadable (test)", e.getCause().getMessage());
        assertTrue(e.getMessage().contains("batch 3 of epoch 0 of broken"), e.getMessage());
        assertEquals(before, backend.memoryStats().liveBytes(), "nothing left behind after a failure");
    }

    @Test void fullIterationWithoutCloseReleasesTheWorkers() throws InterruptedException {
        Set<String> threadsBefore = loaderThreads();
        DataLoader loader = DataLoader.builder(new TinyDataset(30, shape, 3)).batchSize(4).workers(2).build();
        int batches = 0;
        for (Batch b : loader.epoch(0)) {
            b.close();
            batches++;
        }
        assertEquals(8, batches);
        assertEquals(threadsBefore, loaderThreads(), "workers ended at the end of the epoch");
    }
}
