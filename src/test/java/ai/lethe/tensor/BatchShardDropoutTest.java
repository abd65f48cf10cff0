// Dropout under a data-parallel BatchShard: on every backend, the masks N ranks draw for their slices of a global
// batch, laid end to end, are the mask one process draws for the whole batch — for 2 ranks and for 3 ranks of an
// uneven batch, with samples of 15 elements (so most slices start inside a Philox block: the skip path) and of 16 —
// and each rank's generator ends where the single process's does. No shard open: the draw is the plain one. A tensor
// that does not hold whole samples of the shard is refused, naming its shape.
package ai.lethe.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.testing.TestBackends;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BatchShardDropoutTest {
    static final double P = 0.3;

    static List<Device> devices() { return TestBackends.devices(); }

    /** Dropout of ones (so the output is the scaled mask), under {@code shard} (null: none), from {@code gen}. */
    static float[] mask(Shape shape, BatchShard shard, Generator gen, Device device) {
        try (var _ = Scope.open(); var _ = BatchShard.open(shard)) {
            return Dropout.dropout(Tensor.ones(shape, device), P, true, gen).toFloatArray();
        }
    }

    static long[] dims(long samples, long... perSample) {
        long[] d = new long[perSample.length + 1];
        d[0] = samples;
        System.arraycopy(perSample, 0, d, 1, perSample.length);
        return d;
    }

    static void ranksDrawTheGlobalMask(Device device, int global, int ranks, long... perSample) {
        Generator one = new Generator(42);
        one.reserve(ai.lethe.backend.RandomKind.UNIFORM, 9);   // not at the start of the stream
        long start = one.counter();
        float[] whole = mask(Shape.of(dims(global, perSample)), null, one, device);
        float[] joined = new float[0];
        for (int r = 0; r < ranks; r++) {
            long from = (long) global * r / ranks, to = (long) global * (r + 1) / ranks;
            Generator g = new Generator(42);
            g.setState(42, start);
            float[] part = mask(Shape.of(dims(to - from, perSample)), new BatchShard(from, to - from, global), g, device);
            assertEquals(one.counter(), g.counter(), "rank " + r + "'s generator moves as one process's");
            int at = joined.length;
            joined = Arrays.copyOf(joined, at + part.length);
            System.arraycopy(part, 0, joined, at, part.length);
        }
        assertArrayEquals(whole, joined, ranks + " ranks of " + global + " samples of " + Arrays.toString(perSample));
        long kept = 0;
        for (float v : whole) if (v != 0) kept++;
        assertTrue(kept > 0 && kept < whole.length, "the mask drops some elements and keeps some: " + kept + " of " + whole.length);
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void theRanksMasksAreSlicesOfTheGlobalMask(Device device) {
        ranksDrawTheGlobalMask(device, 8, 2, 3, 5);    // 15 elements a sample: rank 1 starts at element 60
        ranksDrawTheGlobalMask(device, 7, 3, 3, 5);    // 2 + 2 + 3 samples: slices start at elements 30 and 60
        ranksDrawTheGlobalMask(device, 9, 3, 15);      // slices starting at elements 45 and 90 (inside blocks)
        ranksDrawTheGlobalMask(device, 6, 2, 4, 4);    // 16 elements: every slice block-aligned
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("devices")
    void aTensorWithoutWholeSamplesIsRefused(Device device) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> mask(Shape.of(5, 3), new BatchShard(0, 2, 4), new Generator(1), device));
        assertTrue(e.getMessage().contains("[5, 3]") && e.getMessage().contains("2 samples"), e.getMessage());
    }
}
