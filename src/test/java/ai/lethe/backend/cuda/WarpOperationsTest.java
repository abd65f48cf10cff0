// The emulator's warp operations against their CUDA definitions, on a 2-D block of 3 warps: __shfl_sync,
// __shfl_up_sync, __shfl_xor_sync with width 16, __ballot_sync, __all_sync/__any_sync, and __shfl_down_sync with a
// partial mask (the upper half-warp) and width 16; and the counting barriers __syncthreads_count/_and/_or (kernels
// emu_warp_ops and emu_sync_reductions in cuda-kernels/tests/emulator_checks.cu); and thread and block indices of
// 3-D grids of 3-D blocks (emu_indices).
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WarpOperationsTest {
    @Test
    void shufflesAndVotesFollowTheirDefinitions() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            int bx = 32, by = 3, threads = bx * by;
            long out = rt.alloc(4L * 6 * threads);
            rt.launch("emu_warp_ops", Dim3.of(1), Dim3.of(bx, by), 0, Stream.DEFAULT, new KernelArgs().pointer(out));
            int[] o = EmulatorSupport.downloadInts(rt, out, 6 * threads);
            int ballot = 0;
            for (int lane = 0; lane < 32; lane += 3) ballot |= 1 << lane;
            for (int t = 0; t < threads; t++) {
                int lane = t % 32, base = t - lane;
                String at = "thread " + t + " ";
                assertEquals(base + 3, o[6 * t], at + "__shfl_sync(src 3)");
                assertEquals(lane >= 2 ? t - 2 : t, o[6 * t + 1], at + "__shfl_up_sync(2)");
                assertEquals(base + (lane ^ 5), o[6 * t + 2], at + "__shfl_xor_sync(5, width 16)");
                assertEquals(ballot, o[6 * t + 3], at + "__ballot_sync(lane % 3 == 0)");
                assertEquals(3, o[6 * t + 4], at + "__all_sync + 2 * __any_sync");
                int down = lane < 16 ? -1 : ((lane - 16) + 4 < 16 ? t + 4 : t);
                assertEquals(down, o[6 * t + 5], at + "__shfl_down_sync(mask 0xffff0000, 4, width 16)");
            }
        }
    }

    @Test
    void countingBarriers() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            for (int n : new int[] {1, 33, 256}) {
                long out = rt.alloc(4L * 4 * n);
                rt.launch("emu_sync_reductions", Dim3.of(1), Dim3.of(n), 0, Stream.DEFAULT, new KernelArgs().pointer(out));
                int[] o = EmulatorSupport.downloadInts(rt, out, 4 * n);
                int count = (n + 2) / 3;  // threads 0, 3, 6, ...
                for (int t = 0; t < n; t++) {
                    assertEquals(count, o[t], "__syncthreads_count, n=" + n + " thread " + t);
                    assertEquals(1, o[n + t], "__syncthreads_and(all), n=" + n + " thread " + t);
                    assertEquals(0, o[2 * n + t], "__syncthreads_and(all but the last), n=" + n + " thread " + t);
                    assertEquals(1, o[3 * n + t], "__syncthreads_or(only the last), n=" + n + " thread " + t);
                }
                rt.free(out);
            }
        }
    }

    @Test
    void threeDimensionalGridsAndBlocks() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            Dim3 grid = new Dim3(2, 3, 2), block = new Dim3(4, 2, 3);
            int total = (int) (grid.count() * block.count());
            long out = rt.alloc(4L * 6 * total);
            rt.launch("emu_indices", grid, block, 0, Stream.DEFAULT, new KernelArgs().pointer(out));
            int[] o = EmulatorSupport.downloadInts(rt, out, 6 * total);
            int g = 0;
            for (int bz = 0; bz < 2; bz++)
                for (int by = 0; by < 3; by++)
                    for (int bx = 0; bx < 2; bx++)
                        for (int tz = 0; tz < 3; tz++)
                            for (int ty = 0; ty < 2; ty++)
                                for (int tx = 0; tx < 4; tx++, g++)
                                    assertArrayEquals(new int[] {tx, ty, tz, bx, by, bz}, java.util.Arrays.copyOfRange(o, 6 * g, 6 * g + 6),
                                            "thread " + g);
        }
    }
}
