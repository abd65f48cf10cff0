// The rules of `lethe bench` that do not need a run: how many buffer sets a case rotates over (given, or enough to
// span 256 MiB, 2 to 8), the run order (copy first, no repeats), the top-k case's split of N into pieces, the
// statistics of the timed runs, and the settings' checks.
package ai.lethe.kernelbench;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.models.ResNetConfig;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelBenchRulesTest {
    @Test void rotation() {
        assertEquals(5, KernelCases.buffers(5, 1L << 40), "given K is used as is");
        assertEquals(8, KernelCases.buffers(0, 4), "tiny sets: at most 8");
        assertEquals(2, KernelCases.buffers(0, 1L << 30), "sets beyond 256 MiB: at least 2");
        assertEquals(4, KernelCases.buffers(0, 8L * 11_170_000), "89.36 MB a set: 3 sets (268.08 MB) fall short of 256 MiB (268.44 MB)");
        assertEquals(3, KernelCases.buffers(0, 12L * 11_170_000), "134.04 MB a set: 2 sets fall short, 3 span 256 MiB");
        assertEquals(4, KernelCases.buffers(0, 64L << 20), "exactly a quarter of 256 MiB: 4");
        assertEquals(5, KernelCases.buffers(0, (64L << 20) - 1));
    }

    @Test void order() {
        assertEquals(List.of("copy", "ssd-dampen", "add-squared"), KernelBench.order(List.of("ssd-dampen", "add-squared", "ssd-dampen")));
        assertEquals(BenchSettings.CASES, KernelBench.order(BenchSettings.CASES));
    }

    @Test void topkPieces() {
        for (long n : new long[] {1, 3, 4, 5, 1001, 11_170_000}) {
            long[] p = KernelCases.topkPieces(n);
            assertEquals(n, Arrays.stream(p).sum(), "pieces of " + n);
            assertTrue(Arrays.stream(p).allMatch(x -> x >= 1), Arrays.toString(p));
            assertEquals(Math.min(4, n), p.length);
        }
        assertEquals(558_500, KernelCases.topkKeep(11_170_000));
    }

    @Test void stats() {
        var s = KernelBench.Stats.of(new double[] {3, 1, 2, 10, 4});
        assertEquals(new KernelBench.Stats(3, 1, 10, 300), s);
        assertThrows(IllegalArgumentException.class, () -> KernelBench.Stats.of(new double[0]));
    }

    @Test void settingsChecks() {
        var train = new BenchSettings.TrainShape("r", new ResNetConfig(3, 10, 4, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS),
                2, 3, 8, 10);
        var g = BenchSettings.GemmShape.QUICK;
        var c = BenchSettings.ConvShape.QUICK;
        assertDoesNotThrow(() -> new BenchSettings(10, 1, 0, 0, BenchSettings.CASES, g, c, train, 0));
        String m = assertThrows(IllegalArgumentException.class,
                () -> new BenchSettings(10, 1, 0, 0, List.of("copy", "fft"), g, c, train, 0)).getMessage();
        assertTrue(m.contains("fft") && m.contains("ssd-dampen"), m);
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings(0, 1, 0, 0, List.of(), g, c, train, 0));
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings(10, 0, 0, 0, List.of(), g, c, train, 0));
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings(10, 1, -1, 0, List.of(), g, c, train, 0));
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings(10, 1, 0, 65, List.of(), g, c, train, 0));
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings.GemmShape(0, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings.ConvShape(1, 1, 1, 1, 1, 0));
        assertEquals(8, c.outH());
        assertEquals(16, new BenchSettings.ConvShape(1, 1, 1, 16, 16, 3).outW());
    }
}
