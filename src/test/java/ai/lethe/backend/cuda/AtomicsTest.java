// The emulator's atomics under real concurrency (the blocks of a grid run on several worker threads at once) and
// its 8-byte warp shuffles (kernels emu_atomics and emu_shfl_wide, cuda-kernels/tests/emulator_checks.cu).
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class AtomicsTest {
    @Test
    void atomicsFromManyBlocksLoseNoUpdate() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            int n = 20_000;  // 1.0f sums are exact up to 2^24
            long f = rt.alloc(4), i = rt.alloc(16), u = rt.alloc(8);
            rt.memset32(f, 0, 1, Stream.DEFAULT);
            rt.copyHostToDevice(i, MemorySegment.ofArray(new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE, 0, 0}), 16, Stream.DEFAULT);
            rt.memset8(u, 0, 8, Stream.DEFAULT);
            rt.launch("emu_atomics", Dim3.of((n + 255) / 256), Dim3.of(256), 0, Stream.DEFAULT,
                    new KernelArgs().pointer(f).pointer(i).pointer(u).i32(n));
            assertEquals((float) n, EmulatorSupport.download(rt, f, 1)[0], "atomicAdd(float)");
            int[] ints = EmulatorSupport.downloadInts(rt, i, 4);
            assertEquals(n - 1, ints[0], "atomicMax");
            assertEquals(-(n - 1), ints[1], "atomicMin");
            assertEquals(n, ints[2], "atomicCAS loop");
            assertEquals(0x7fffffff, ints[3], "atomicOr");
            long[] ull = new long[1];
            rt.copyDeviceToHost(MemorySegment.ofArray(ull), u, 8, Stream.DEFAULT);
            assertEquals(2L * n, ull[0], "atomicAdd(unsigned long long)");
        }
    }

    @Test
    void eightByteShuffles() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            long d = rt.alloc(8 * 32), l = rt.alloc(8 * 32);
            rt.launch("emu_shfl_wide", Dim3.of(1), Dim3.of(32), 0, Stream.DEFAULT, new KernelArgs().pointer(d).pointer(l));
            double[] ds = new double[32];
            long[] ls = new long[32];
            rt.copyDeviceToHost(MemorySegment.ofArray(ds), d, 8 * 32, Stream.DEFAULT);
            rt.copyDeviceToHost(MemorySegment.ofArray(ls), l, 8 * 32, Stream.DEFAULT);
            for (int t = 0; t < 32; t++) {
                assertEquals(1e300 * ((t ^ 1) + 1), ds[t], "double shuffle, lane " + t);
                assertEquals((1L << 40) + (t < 31 ? t + 1 : t), ls[t], "long long shuffle, lane " + t);
            }
        }
    }
}
