// MpiCommunicator over 2 real MPI ranks (MpiRun: `mpirun -np 2` with this JVM's class path): every collective on
// cpu and cuda-emu tensors, float32 and float64, checked against exact expected values inside each rank
// (MpiCollectivesRanks); here, that both ranks ran, saw rank r of 2 and passed, and that a failing rank fails the
// run with its output. No mpirun is a failure saying to install openmpi-bin (MpiRun), not a skip.
package ai.lethe.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opentest4j.AssertionFailedError;

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
        // rank 1's wrapper records its status 3 unless mpirun tears the job down first (it may, as soon as the JVM
        // that joined MPI is gone); rank 0, blocked in the barrier, never exits by itself
        assertTrue(r.rank(1).exitCode() == null || r.rank(1).exitCode() == 3, r.describe());
        assertTrue(r.rank(0).exitCode() == null || r.rank(0).exitCode() != 0, r.describe());
        assertTrue(r.rank(1).stderr().contains("rank 1 gives up"), r.describe());
        assertTrue(r.describe().contains("rank 1 gives up"), r.describe());
    }

    @Test
    void eachRanksExitCodeIsCollected() {
        MpiRun.Result r = MpiRun.main(ExitCodeRank.class).np(2).runAllowingFailure();
        assertEquals(5, r.rank(1).exitCode(), r.describe());
        assertTrue(r.rank(1).stdout().contains("rank 1 exits with 5"), r.describe());
        assertFalse(r.succeeded(), r.describe());
        assertTrue(r.describe().contains("---- rank 1: exit 5 ----"), r.describe());
    }

    @Test
    void joinFromEnvironmentMakesMpiTheProcessCommunicator() {
        MpiRun.Result r = MpiRun.main(JoiningRank.class).np(2).run();
        for (int rank = 0; rank < 2; rank++)
            assertTrue(r.rank(rank).stdout().contains("joined mpi as rank " + rank + " of 2, sum 3.0"), r.describe());
    }

    @Test
    void noMpirunIsAFailureSayingWhatToInstall(@TempDir Path empty) {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> MpiRun.mpirun(Map.of("PATH", empty.toString())));
        assertTrue(e.getMessage().contains("apt-get install -y --no-install-recommends openmpi-bin"), e.getMessage());
    }

    @Test
    void libraryVersionWithoutJoiningAGroup() {
        assertNull(MpiCommunicator.unavailableReason());
        assertTrue(MpiCommunicator.libraryVersion().startsWith("Open MPI v4.1"), MpiCommunicator.libraryVersion());
    }

    /** Joins as the CLI does (Distributed.joinFromEnvironment) and all-reduces (rank + 1) through Distributed.current(). */
    public static final class JoiningRank {
        public static void main(String[] args) {
            Communicator c = Distributed.joinFromEnvironment(ai.lethe.core.Device.CPU);
            if (!(Distributed.current() instanceof MpiCommunicator) || !Distributed.active() || c != Distributed.current())
                throw new AssertionError("not joined: " + Distributed.current());
            try (ai.lethe.tensor.Tensor t = ai.lethe.tensor.Tensor.full(ai.lethe.core.Shape.of(1), c.rank() + 1.0,
                    ai.lethe.core.Device.CPU)) {
                c.allReduceSum(t);
                System.out.println("joined " + c.name() + " as rank " + c.rank() + " of " + c.size() + ", sum " + t.item());
            }
            Distributed.leave();
            if (Distributed.current() != SingleProcess.INSTANCE) throw new AssertionError("leave() did not return to SingleProcess");
        }
    }

    /** Without MPI: rank 1 (from mpirun's variable) exits with 5, rank 0 with 0. */
    public static final class ExitCodeRank {
        public static void main(String[] args) {
            int rank = Integer.parseInt(System.getenv("OMPI_COMM_WORLD_RANK"));
            System.out.println("rank " + rank + " exits with " + (rank == 1 ? 5 : 0));
            System.exit(rank == 1 ? 5 : 0);
        }
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
