// The cpu backend's last line of defence: CpuViews.address, where a View becomes a native pointer, refuses a view
// outside its storage by itself (naming the op), so a kernel path that skipped SpiChecks still cannot hand native
// code an address past a storage; and the overlap test that decides input copies works on negative strides.
package ai.lethe.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.backend.ref.RefBackend;
import ai.lethe.core.DType;
import org.junit.jupiter.api.Test;

class CpuViewsTest {
    private final RefBackend host = new RefBackend();   // any host storage will do: address() reads no data

    private static View view(Storage s, long offset, long[] shape, long[] strides) {
        return new View(s, DType.FLOAT32, offset, shape, strides);
    }

    @Test void addressRefusesAViewOutsideItsStorage() {
        Storage s = host.allocate(10 * 4);
        try {
            CpuViews.address("probe", view(s, 0, new long[] {10}, new long[] {1}));   // exactly fits
            for (View bad : new View[] {
                    view(s, 1, new long[] {10}, new long[] {1}),                    // one past the end
                    view(s, -1, new long[] {2}, new long[] {1}),                    // before the start
                    view(s, 0, new long[] {2, 5}, new long[] {6, 1}),               // a row stride leaving it
                    view(s, 2, new long[] {3}, new long[] {-2}),                    // a negative stride below 0
                    view(s, 0, new long[] {1L << 62, 4}, new long[] {1, 1}),        // an element count beyond a long
                    view(s, 0, new long[] {-3}, new long[] {1})}) {                 // a negative size
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> CpuViews.address("probe", bad), bad.toString());
                assertTrue(e.getMessage().startsWith("probe:"), e.getMessage());
            }
        } finally {
            s.release();
        }
    }

    @Test void overlapSeesNegativeStrides() {
        Storage s = host.allocate(10 * 4);
        try {
            View reversed = view(s, 9, new long[] {5}, new long[] {-1});   // elements 9..5
            assertTrue(CpuViews.overlaps(reversed, view(s, 5, new long[] {1}, new long[] {1})));
            assertFalse(CpuViews.overlaps(reversed, view(s, 0, new long[] {5}, new long[] {1})));
        } finally {
            s.release();
        }
    }
}
