// The emulator refuses what the hardware would: each deliberately broken kernel (cuda-kernels/tests/broken.cu) is
// caught with the kernel's name and the right violation, and the emulated device stays usable afterwards.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.cuda.EmulatorException.Violation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class EmulatorViolationTest {
    private static EmulatedRuntime rt;

    @BeforeAll
    static void open() { rt = EmulatorSupport.open(); }

    @AfterAll
    static void close() {
        if (rt != null) rt.close();
    }

    /** Runs the call, expects the violation, and checks that the exception names the kernel and says what. */
    private static EmulatorException expect(Violation violation, String kernel, String detail, Executable call) {
        EmulatorException e = assertThrows(EmulatorException.class, call);
        assertEquals(violation, e.violation(), e.getMessage());
        assertEquals(kernel, e.kernel(), e.getMessage());
        assertTrue(e.getMessage().contains("kernel " + kernel), e.getMessage());
        assertTrue(e.getMessage().contains(detail), "expected \"" + detail + "\" in: " + e.getMessage());
        return e;
    }

    private static void launch(String kernel, int grid, int block, int shared, KernelArgs args) {
        rt.launch(kernel, Dim3.of(grid), Dim3.of(block), shared, Stream.DEFAULT, args);
    }

    @Test
    void outOfBoundsWriteIsCaughtAndTheGuardRestored() {
        int n = 1000;
        long out = rt.alloc(4L * n);
        expect(Violation.OUT_OF_BOUNDS, "broken_oob_write", "past the end of allocation", () ->
                launch("broken_oob_write", (n + 256) / 256, 256, 0, new KernelArgs().pointer(out).i64(n)));
        // the guard was repaired: a correct kernel on the same buffer runs clean, and wrote every element
        launch("fill_f32", 2, 256, 0, new KernelArgs().pointer(out).f32(3f).i64(n));
        float[] expected = new float[n];
        Arrays.fill(expected, 3f);
        assertArrayEquals(expected, EmulatorSupport.download(rt, out, n));
        rt.free(out);
    }

    @Test
    void outOfBoundsWritesAreCaughtAmongManyAllocations() {
        // with more than 256 live allocations a launch checks only those its pointer arguments point into, and
        // every allocation at every 64th launch
        List<Long> many = new ArrayList<>();
        for (int i = 0; i < 300; i++) many.add(rt.alloc(64));
        try {
            int n = 100;
            long out = rt.alloc(4L * n);
            expect(Violation.OUT_OF_BOUNDS, "broken_oob_write", "past the end of allocation", () ->
                    launch("broken_oob_write", 1, 128, 0, new KernelArgs().pointer(out).i64(n)));
            // through a pointer read from memory: found by the next full check, which says so
            long table = rt.alloc(8);
            rt.copyHostToDevice(table, java.lang.foreign.MemorySegment.ofArray(new long[] {out}), 8, Stream.DEFAULT);
            if ((rt.launches() + 1) % 64 == 0) launch("fill_f32", 1, 32, 0, new KernelArgs().pointer(out).f32(0f).i64(n));
            launch("broken_indirect_oob_write", 1, 32, 0, new KernelArgs().pointer(table).i64(n));
            EmulatorException late = null;
            for (int i = 0; i < 64 && late == null; i++) {
                try {
                    launch("fill_f32", 1, 32, 0, new KernelArgs().pointer(many.getFirst()).f32(0f).i64(16));
                } catch (EmulatorException e) {
                    late = e;
                }
            }
            assertTrue(late != null, "the indirect out-of-bounds write was never found");
            assertEquals(Violation.OUT_OF_BOUNDS, late.violation());
            assertTrue(late.getMessage().contains("found by the periodic full guard check"), late.getMessage());
            rt.free(out);
            rt.free(table);
        } finally {
            for (long p : many) rt.free(p);
        }
    }

    @Test
    void indirectOutOfBoundsWriteIsCaughtAtOnceAmongFewAllocations() {
        // few live allocations in this process: return what the cuda-emu backend cached for earlier tests
        ((CudaBackend) ai.lethe.backend.Backends.implementation(ai.lethe.backend.Backends.byName(CudaBackend.EMULATED))).emptyCache();
        int n = 100;
        long out = rt.alloc(4L * n), table = rt.alloc(8);
        rt.copyHostToDevice(table, java.lang.foreign.MemorySegment.ofArray(new long[] {out}), 8, Stream.DEFAULT);
        expect(Violation.OUT_OF_BOUNDS, "broken_indirect_oob_write", "past the end of allocation", () ->
                launch("broken_indirect_oob_write", 1, 32, 0, new KernelArgs().pointer(table).i64(n)));
        rt.free(out);
        rt.free(table);
    }

    @Test
    void misalignedFloat4LoadIsCaught() {
        long in = rt.alloc(64), out = rt.alloc(16);
        expect(Violation.MISALIGNED, "broken_misaligned_load", "misaligned float4 load", () ->
                launch("broken_misaligned_load", 1, 32, 0, new KernelArgs().pointer(in).pointer(out)));
        rt.free(in);
        rt.free(out);
    }

    @Test
    void barrierNotAllThreadsReachIsCaught() {
        long out = rt.alloc(4 * 256);
        expect(Violation.BARRIER, "broken_partial_barrier", "128 of 256 threads exited while 128 waited at __syncthreads", () ->
                launch("broken_partial_barrier", 1, 256, 0, new KernelArgs().pointer(out)));
        rt.free(out);
    }

    @Test
    void blockOf2048ThreadsIsRefused() {
        long out = rt.alloc(4 * 2048);
        expect(Violation.BLOCK_SIZE, "broken_block_2048", "2048 threads", () ->
                launch("broken_block_2048", 1, 2048, 0, new KernelArgs().pointer(out)));
        expect(Violation.BLOCK_SIZE, "broken_block_2048", "2048 threads", () ->
                rt.launch("broken_block_2048", Dim3.of(1), new Dim3(32, 32, 2), 0, Stream.DEFAULT, new KernelArgs().pointer(out)));
        launch("broken_block_2048", 2, 1024, 0, new KernelArgs().pointer(out));  // 1024 is allowed
        rt.free(out);
    }

    @Test
    void blockOverTheKernelsLaunchBoundIsRefused() {
        long out = rt.alloc(4 * 256);
        assertEquals(128, rt.launchBound("broken_over_launch_bound"));
        expect(Violation.BLOCK_SIZE, "broken_over_launch_bound", "exceeds the kernel's launch bound of 128", () ->
                launch("broken_over_launch_bound", 1, 256, 0, new KernelArgs().pointer(out)));
        rt.free(out);
    }

    @Test
    void sharedMemoryOver48KiBNeedsTheOptIn() {
        long out = rt.alloc(4);
        int words = 16384;  // 64 KiB
        KernelArgs args = new KernelArgs().pointer(out).i32(words);
        try {
            expect(Violation.SHARED_MEMORY, "broken_shared_64k", "exceed the 49152 bytes a block may use without opt-in", () ->
                    launch("broken_shared_64k", 1, 256, 65536, args));
            // the opt-in (cuFuncSetAttribute MAX_DYNAMIC_SHARED_SIZE_BYTES) makes the same launch legal
            rt.setMaxDynamicSharedMemory("broken_shared_64k", 65536);
            launch("broken_shared_64k", 1, 256, 65536, args);
            assertEquals(words, EmulatorSupport.download(rt, out, 1)[0]);
            // but not beyond the opt-in, and no opt-in beyond 227 KiB
            expect(Violation.SHARED_MEMORY, "broken_shared_64k", "exceed the kernel's opt-in of 65536 bytes", () ->
                    launch("broken_shared_64k", 1, 256, 65540, new KernelArgs().pointer(out).i32(words + 1)));
            expect(Violation.SHARED_MEMORY, "broken_shared_64k", "232448", () ->
                    rt.setMaxDynamicSharedMemory("broken_shared_64k", 228 * 1024));
        } finally {
            rt.setMaxDynamicSharedMemory("broken_shared_64k", 0);
            rt.free(out);
        }
    }

    @Test
    void staticSharedMemoryFromThePtxasReportCounts() throws Exception {
        // sum_f32_blocks declares 32 floats of static __shared__; the emulator learns its size from resources.tsv
        int staticBytes = KernelResources.read(new java.io.ByteArrayInputStream(CudaBuildSupport.resource(KernelResources.RESOURCE)))
                .stream().filter(r -> r.kernel().equals("sum_f32_blocks")).mapToInt(KernelResources::staticSharedBytes).max().orElseThrow();
        assertEquals(128, staticBytes);
        long in = rt.alloc(4 * 32), out = rt.alloc(4);
        rt.memset32(in, 0, 32, Stream.DEFAULT);
        KernelArgs args = new KernelArgs().pointer(in).pointer(out).i64(32);
        expect(Violation.SHARED_MEMORY, "sum_f32_blocks", "+ 128 bytes of static shared memory", () ->
                launch("sum_f32_blocks", 1, 32, 48 * 1024 - 128 + 4, args));
        launch("sum_f32_blocks", 1, 32, 48 * 1024 - 128, args);
        assertEquals(0f, EmulatorSupport.download(rt, out, 1)[0]);
        rt.free(in);
        rt.free(out);
    }

    @Test
    void divergentWarpOperationIsCaught() {
        long out = rt.alloc(4 * 64);
        expect(Violation.WARP_DIVERGENCE, "broken_warp_divergence", "has exited", () ->
                launch("broken_warp_divergence", 1, 64, 0, new KernelArgs().pointer(out)));
        rt.free(out);
    }

    @Test
    void differentWarpOperationsUnderOneMaskAreCaught() {
        long out = rt.alloc(4 * 32);
        expect(Violation.WARP_DIVERGENCE, "broken_warp_mixed_ops", "lane 16 reached __ballot_sync (mask 0xffffffff) while lane 0 waits at __shfl_sync", () ->
                launch("broken_warp_mixed_ops", 1, 32, 0, new KernelArgs().pointer(out)));
        rt.free(out);
    }

    @Test
    void aFaultInOneOfManyBlocksStopsTheGridAndTheDeviceGoesOn() {
        long in = rt.alloc(64), out = rt.alloc(16);
        // 64 blocks spread over the worker threads: every block faults, the first fault is reported
        expect(Violation.MISALIGNED, "broken_misaligned_load", "misaligned float4 load", () ->
                launch("broken_misaligned_load", 64, 32, 0, new KernelArgs().pointer(in).pointer(out)));
        int n = 100_000;
        long big = rt.alloc(4L * n);
        launch("fill_f32", 64, 256, 0, new KernelArgs().pointer(big).f32(5f).i64(n));
        for (float v : EmulatorSupport.download(rt, big, n)) assertEquals(5f, v);
        rt.free(in);
        rt.free(out);
        rt.free(big);
    }

    @Test
    void fullMaskOnAPartialWarpIsCaught() {
        long out = rt.alloc(4 * 6 * 48);
        expect(Violation.WARP_DIVERGENCE, "emu_warp_ops", "names lanes this warp does not have", () ->
                launch("emu_warp_ops", 1, 48, 0, new KernelArgs().pointer(out)));
        rt.free(out);
    }

    @Test
    void gridLimitsAreEnforced() {
        long out = rt.alloc(4);
        KernelArgs args = new KernelArgs().pointer(out).f32(1f).i64(1);
        expect(Violation.GRID, "fill_f32", "grid (1,65536,1)", () ->
                rt.launch("fill_f32", new Dim3(1, 65536, 1), Dim3.of(32), 0, Stream.DEFAULT, args));
        expect(Violation.GRID, "fill_f32", "grid (1,1,65536)", () ->
                rt.launch("fill_f32", new Dim3(1, 1, 65536), Dim3.of(32), 0, Stream.DEFAULT, args));
        rt.launch("fill_f32", new Dim3(1, 65535, 1), Dim3.of(32), 0, Stream.DEFAULT, args);  // the largest y is fine
        rt.free(out);
    }

    @Test
    void argumentsMustMatchTheKernelsParameters() {
        long out = rt.alloc(64);
        // fill_f32(float* out, float value, long long n): a missing argument, then an int where a long long goes
        expect(Violation.ARGUMENTS, "fill_f32", "2 arguments given; the kernel takes 3 (of 8,4,8 bytes)", () ->
                launch("fill_f32", 1, 32, 0, new KernelArgs().pointer(out).f32(1f)));
        expect(Violation.ARGUMENTS, "fill_f32", "argument 2 is 4 bytes but parameter 2 of the kernel is 8 bytes", () ->
                launch("fill_f32", 1, 32, 0, new KernelArgs().pointer(out).f32(1f).i32(16)));
        launch("fill_f32", 1, 32, 0, new KernelArgs().pointer(out).f32(1f).i64(16));
        rt.free(out);
    }

    @Test
    void unknownKernelAndBadPointersAreErrors() {
        EmulatorException e = assertThrows(EmulatorException.class, () -> launch("no_such_kernel", 1, 32, 0, new KernelArgs()));
        assertEquals(Violation.NOT_FOUND, e.violation());
        assertTrue(e.getMessage().contains("no_such_kernel"), e.getMessage());

        long p = rt.alloc(100);
        EmulatorException range = assertThrows(EmulatorException.class,
                () -> rt.copyHostToDevice(p, java.lang.foreign.MemorySegment.ofArray(new byte[104]), 104, Stream.DEFAULT));
        assertEquals(Violation.INVALID_VALUE, range.violation());
        assertTrue(range.getMessage().contains("runs past the end of allocation") && range.getMessage().contains("by 4 bytes"),
                range.getMessage());
        EmulatorException free = assertThrows(EmulatorException.class, () -> rt.free(p + 4));
        assertEquals(Violation.INVALID_VALUE, free.violation());
        rt.free(p);
    }

    @Test
    void aStackOverflowIsAFaultNamingTheKernelAndTheJvmGoesOn() {
        long out = rt.alloc(4);
        KernelArgs shallow = new KernelArgs().pointer(out).i32(8);
        launch("broken_deep_recursion", 1, 32, 0, shallow);
        assertEquals(36f, EmulatorSupport.download(rt, out, 1)[0]);  // 8 + 7 + ... + 0
        // 2,000 levels of 1 KiB frames on 64 KiB fiber stacks, in 4 blocks (on every worker thread)
        expect(Violation.STACK_OVERFLOW, "broken_deep_recursion", "stack overflow", () ->
                launch("broken_deep_recursion", 4, 32, 0, new KernelArgs().pointer(out).i32(2000)));
        // one 512 KiB frame: probed page by page, it hits the guard page too
        expect(Violation.STACK_OVERFLOW, "broken_large_local", "fiber stack", () ->
                launch("broken_large_local", 2, 32, 0, new KernelArgs().pointer(out).i32(10)));
        // the same stacks serve the next launches
        for (int i = 0; i < 3; i++) {
            launch("broken_deep_recursion", 4, 32, 0, new KernelArgs().pointer(out).i32(20));
            assertEquals(210f, EmulatorSupport.download(rt, out, 1)[0]);
        }
        // and the JVM's own use of SIGSEGV (implicit null checks of compiled code) still works behind the handler
        int caught = 0;
        for (int i = 0; i < 20_000; i++) {
            try {
                caught += lengthOf(i % 2 == 0 ? null : "x");
            } catch (NullPointerException e) {
                caught++;
            }
        }
        assertEquals(20_000, caught);
        rt.free(out);
    }

    private static int lengthOf(String s) { return s.length(); }
}
