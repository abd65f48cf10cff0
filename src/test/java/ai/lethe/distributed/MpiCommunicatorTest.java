// MpiCommunicator over 2 real MPI ranks (MpiRun: `mpirun -np 2` with this JVM's class path): every collective on
// cpu and cuda-emu tensors, float32 and float64, checked against exact expected values inside each rank
// (MpiCollectivesRanks); here, that both ranks ran, saw rank r of 2 and passed, and that a failing rank fails the
// run with its output. No mpirun is a failure saying to install openmpi-bin (MpiRun), not a skip.
package ai.lethe.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MpiCommunicatorTest {

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda-emu"})
    void collectivesOnTwoRanks(String device, @TempDir Path shared) {
        MpiRun.Result r = MpiRun.main(MpiCollectivesRanks.class).np(2).args(device, shared.toString()).run();
        System.out.println(r.describe());
        for (int rank = 0; rank < 2; rank++) {
            String out = r.rank(rank).stdout();
            assertTrue(out.contains("rank " + rank + " of 2 on " + device), "rank " + rank + ":\n" + r.describe());
            assertTrue(out.contains("library: Open MPI v4"), "rank " + rank + ":\n" + r.describe());
            assertTrue(out.strip().endsWith("PASS"), "rank " + rank + ":\n" + r.describe());
            assertEquals(0, r.rank(rank).exitCode());
        }
        assertTrue(Files.exists(shared.resolve("arrived.0")) && Files.exists(shared.resolve("arrived.1")));
    }

    @Test
    void aFailingRankFailsTheRunWithItsOutput() {
        MpiRun.Result r = MpiRun.main(FailingRank.class).np(2).runAllowingFailure();
        assertFalse(r.succeeded(), r.describe());
        assertNotNull(r.rank(1).exitCode(), r.describe());
        assertEquals(3, r.rank(1).exitCode(), r.describe());
        assertTrue(r.rank(1).stderr().contains("rank 1 gives up"), r.describe());
        assertTrue(r.describe().contains("rank 1 gives up"), r.describe());
    }

    @Test
    void libraryVersionWithoutJoiningAGroup() {
        assertNull(MpiCommunicator.unavailableReason());
        assertTrue(MpiCommunicator.libraryVersion().startsWith("Open MPI v4.1"), MpiCommunicator.libraryVersion());
    }

    /** Rank 1 exits with status 3 after printing to stderr; rank 0 waits in a barrier that never completes. */
    public static final class FailingRank {
        public static void main(String[] args) {
            MpiCommunicator mpi = MpiCommunicator.world();
            if (mpi.rank() == 1) {
                System.err.println("rank 1 gives up");
                System.exit(3);
            }
            mpi.barrier();
        }
    }
}
