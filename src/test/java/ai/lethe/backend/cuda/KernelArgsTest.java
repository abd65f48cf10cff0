// KernelArgs packs arguments as cuLaunchKernel takes them: an array of pointers, each to its value at the value's
// natural alignment.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class KernelArgsTest {
    @Test
    void eachPointerPointsToItsValueAligned() {
        KernelArgs args = new KernelArgs().f32(1.5f).pointer(0x1234_5678_9abcL).i32(-7).i64(1L << 40).f64(0.25).i32(9);
        assertEquals(6, args.count());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ptrs = args.pack(a);
            int[] sizes = {4, 8, 4, 8, 8, 4};
            org.junit.jupiter.api.Assertions.assertArrayEquals(sizes, args.sizes());
            for (int i = 0; i < 6; i++) {
                MemorySegment p = ptrs.getAtIndex(ValueLayout.ADDRESS, i).reinterpret(sizes[i]);
                assertEquals(0, p.address() % sizes[i], "argument " + i + " aligned");
            }
            assertEquals(1.5f, ptrs.getAtIndex(ValueLayout.ADDRESS, 0).reinterpret(4).get(ValueLayout.JAVA_FLOAT, 0));
            assertEquals(0x1234_5678_9abcL, ptrs.getAtIndex(ValueLayout.ADDRESS, 1).reinterpret(8).get(ValueLayout.JAVA_LONG, 0));
            assertEquals(-7, ptrs.getAtIndex(ValueLayout.ADDRESS, 2).reinterpret(4).get(ValueLayout.JAVA_INT, 0));
            assertEquals(1L << 40, ptrs.getAtIndex(ValueLayout.ADDRESS, 3).reinterpret(8).get(ValueLayout.JAVA_LONG, 0));
            assertEquals(0.25, ptrs.getAtIndex(ValueLayout.ADDRESS, 4).reinterpret(8).get(ValueLayout.JAVA_DOUBLE, 0));
            assertEquals(9, ptrs.getAtIndex(ValueLayout.ADDRESS, 5).reinterpret(4).get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void aStructOfWordsIsOneParameterEightByteAlignedWithItsMembersInOrder() {
        KernelArgs args = new KernelArgs().i32(3).words64(7, -1, 1L << 50).f32(2f);
        assertEquals(3, args.count());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {4, 24, 4}, args.sizes());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ptrs = args.pack(a);
            MemorySegment s = ptrs.getAtIndex(ValueLayout.ADDRESS, 1).reinterpret(24);
            assertEquals(0, s.address() % 8, "struct aligned to 8");
            assertEquals(7, s.get(ValueLayout.JAVA_LONG, 0));
            assertEquals(-1, s.get(ValueLayout.JAVA_LONG, 8));
            assertEquals(1L << 50, s.get(ValueLayout.JAVA_LONG, 16));
            assertEquals(2f, ptrs.getAtIndex(ValueLayout.ADDRESS, 2).reinterpret(4).get(ValueLayout.JAVA_FLOAT, 0));
            assertEquals(3, ptrs.getAtIndex(ValueLayout.ADDRESS, 0).reinterpret(4).get(ValueLayout.JAVA_INT, 0));
        }
    }
}
