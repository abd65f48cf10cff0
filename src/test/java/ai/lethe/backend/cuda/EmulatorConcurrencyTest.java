// Several Java threads using the emulated device at once: launches are serialised by the emulator, each thread's
// errors stay its own (the last error is per calling thread), and every result is right.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class EmulatorConcurrencyTest {
    @Test
    void concurrentLaunchesFromManyThreads() throws Exception {
        try (EmulatedRuntime rt = EmulatorSupport.open(); ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                jobs.add(pool.submit(() -> {
                    int n = 10_000 + id;
                    long p = rt.alloc(4L * n);
                    for (int round = 0; round < 5; round++) {
                        float value = id * 10 + round;
                        rt.launch("fill_f32", Dim3.of(8), Dim3.of(128), 0, Stream.DEFAULT, new KernelArgs().pointer(p).f32(value).i64(n));
                        // odd threads also make faulting launches: their errors must not leak into the others
                        if (id % 2 == 1)
                            assertThrows(EmulatorException.class, () -> rt.launch("broken_block_2048", Dim3.of(1), Dim3.of(2048), 0,
                                    Stream.DEFAULT, new KernelArgs().pointer(p)));
                        for (float v : EmulatorSupport.download(rt, p, n)) assertEquals(value, v);
                    }
                    rt.free(p);
                    return null;
                }));
            }
            for (Future<?> f : jobs) f.get();
        }
    }
}
