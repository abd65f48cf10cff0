// StridedArg, the Java half of strided.cuh: joint coalescing of the views of one op (size-1 dimensions dropped,
// neighbours merged only where every view allows it), the 8-dimension limit, and the struct's packed layout.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class StridedArgTest {
    private static View view(long offset, long[] shape, long[] strides) {
        return new View(null, DType.FLOAT32, offset, shape, strides);
    }

    @Test
    void aContiguousViewOfAnyRankIsOneDimension() {
        StridedArg a = StridedArg.of("t", view(5, new long[] {2, 3, 1, 4}, new long[] {12, 4, 99, 1}));
        assertArrayEquals(new long[] {24}, a.sizes());
        assertArrayEquals(new long[] {1}, a.strides());
        assertEquals(5, a.offset());
    }

    @Test
    void viewsMergeOnlyWhereEveryOneAllows() {
        long[] shape = {3, 4, 5};
        View dense = view(0, shape, new long[] {20, 5, 1});
        View transposed = view(0, shape, new long[] {1, 3, 12});   // a [5, 4, 3] buffer seen transposed
        View broadcast = view(2, shape, new long[] {0, 5, 1});      // the last two dims merge, the first is stride 0
        StridedArg[] v = StridedArg.coalesce("t", shape, dense, broadcast);
        assertArrayEquals(new long[] {3, 20}, v[0].sizes());
        assertArrayEquals(new long[] {20, 1}, v[0].strides());
        assertArrayEquals(new long[] {0, 1}, v[1].strides());
        assertEquals(2, v[1].offset());
        StridedArg[] w = StridedArg.coalesce("t", shape, dense, transposed);
        assertArrayEquals(new long[] {3, 4, 5}, w[0].sizes());
        assertArrayEquals(new long[] {1, 3, 12}, w[1].strides());
    }

    @Test
    void moreThanEightDimensionsLeftIsAnErrorNamingTheOp() {
        long[] shape = new long[9], strides = new long[9];
        for (int d = 0; d < 9; d++) {
            shape[d] = 2;
            strides[d] = 1L << (2 * (8 - d));   // gaps everywhere: nothing merges
        }
        var e = assertThrows(IllegalArgumentException.class, () -> StridedArg.of("copy", view(0, shape, strides)));
        assertTrue(e.getMessage().startsWith("copy: "), e.getMessage());
    }

    @Test
    void packsAsTheStridedViewStruct() {
        StridedArg a = new StridedArg(7, new long[] {3, 4}, new long[] {8, 2});
        KernelArgs args = a.put(new KernelArgs());
        assertArrayEquals(new int[] {StridedArg.BYTES}, args.sizes());
        assertEquals(144, StridedArg.BYTES);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = args.pack(arena).getAtIndex(ValueLayout.ADDRESS, 0).reinterpret(StridedArg.BYTES);
            long[] w = s.toArray(ValueLayout.JAVA_LONG);
            assertEquals(2, w[0]);
            assertEquals(7, w[1]);
            assertArrayEquals(new long[] {3, 4, 0, 0, 0, 0, 0, 0}, java.util.Arrays.copyOfRange(w, 2, 10));
            assertArrayEquals(new long[] {8, 2, 0, 0, 0, 0, 0, 0}, java.util.Arrays.copyOfRange(w, 10, 18));
        }
    }
}
