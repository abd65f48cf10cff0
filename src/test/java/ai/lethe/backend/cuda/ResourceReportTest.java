// The ptxas report of the production kernels (cuda/resources.tsv, from cuda-kernels/build.sh): no kernel spills,
// every kernel can launch at its declared bound (registers x threads within the 65,536 registers of an SM, allocated
// per warp in units of 256; at most 255 a thread), static shared memory within 48 KiB, a stack frame that fits the
// emulator's fiber stacks with room to spare (16 of their 64 KiB), sm_80 and sm_90 builds of each.
// The launch bounds in the report are the ones the emulator enforces, and the emulator's production kernels are
// exactly the fatbin's (its test kernels, named broken_* and emu_*, are only in the emulator).
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ResourceReportTest {
    static final int REGISTERS_PER_SM = 65536, SHARED_DEFAULT = 48 * 1024, MAX_STACK = 16 * 1024;

    private static List<KernelResources> report() throws Exception {
        return KernelResources.read(new ByteArrayInputStream(CudaBuildSupport.resource(KernelResources.RESOURCE)));
    }

    /** Registers a block of {@code threads} takes: per warp, 32 x registers rounded up to 256. */
    static long blockRegisters(int registers, int threads) {
        long perWarp = (32L * registers + 255) / 256 * 256;
        return perWarp * ((threads + 31) / 32);
    }

    @Test
    void noSpillsAndEveryLaunchBoundFits() throws Exception {
        List<KernelResources> rows = report();
        assertFalse(rows.isEmpty());
        Map<String, Set<String>> archs = new TreeMap<>();
        for (KernelResources r : rows) {
            String at = r.kernel() + " (" + r.arch() + ")";
            assertEquals(0, r.spillStoreBytes(), at + " spills stores");
            assertEquals(0, r.spillLoadBytes(), at + " spills loads");
            assertTrue(r.registers() <= 255, at + " uses " + r.registers() + " registers");
            assertTrue(r.maxThreads() >= 1 && r.maxThreads() <= 1024, at + " launch bound " + r.maxThreads());
            long regs = blockRegisters(r.registers(), r.maxThreads());
            assertTrue(regs <= REGISTERS_PER_SM, at + ": " + r.registers() + " registers x " + r.maxThreads()
                    + " threads = " + regs + " > " + REGISTERS_PER_SM + ": cannot launch at its bound");
            assertTrue(r.staticSharedBytes() <= SHARED_DEFAULT, at + " static shared " + r.staticSharedBytes());
            assertTrue(r.stackBytes() <= MAX_STACK, at + " stack frame " + r.stackBytes() + " bytes (emulator fibers: 64 KiB)");
            archs.computeIfAbsent(r.kernel(), k -> new TreeSet<>()).add(r.arch());
        }
        archs.forEach((k, a) -> assertEquals(Set.of("sm_80", "sm_90"), a, k + " architectures"));
    }

    @Test
    void theEmulatorEnforcesTheSameBoundsOnTheSameKernels() throws Exception {
        List<KernelResources> rows = report();
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            Set<String> production = new TreeSet<>();
            for (String k : rt.kernels())
                if (!k.startsWith("broken_") && !k.startsWith("emu_")) production.add(k);
            Set<String> reported = new TreeSet<>();
            for (KernelResources r : rows) {
                reported.add(r.kernel());
                assertEquals(r.maxThreads(), rt.launchBound(r.kernel()), r.kernel() + " launch bound: report vs emulator");
            }
            assertEquals(production, reported, "the emulator's production kernels vs the fatbin's");
        }
    }

    @Test
    void aSpillingReportIsRejected() throws Exception {
        // the check itself, on a report that spills and one whose registers miss the bound
        String tsv = "kernel\tarch\tregisters\tstack_bytes\tspill_store_bytes\tspill_load_bytes\tstatic_shared_bytes\tmax_threads\n"
                + "k\tsm_80\t255\t64\t8\t8\t0\t1024\n";
        KernelResources r = KernelResources.read(new ByteArrayInputStream(tsv.getBytes())).getFirst();
        assertEquals(8, r.spillStoreBytes());
        assertTrue(blockRegisters(r.registers(), r.maxThreads()) > REGISTERS_PER_SM);
        assertEquals(65536, blockRegisters(64, 1024));
    }
}
