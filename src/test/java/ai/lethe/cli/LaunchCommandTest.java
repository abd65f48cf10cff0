// `lethe launch --nproc 2 -- info` on cpu (and on cuda-emu, the device named in the command): two ranks under
// mpirun, each joined to MPI (the communicator line of `lethe info` says mpi, rank r of 2) and each line prefixed
// with its rank; a rank's failure makes launch fail.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LaunchCommandTest {

    @Test
    void twoRanksOfInfoOnCpu() {
        Cli.Result r = Cli.run("--device", "cpu", "launch", "--nproc", "2", "--", "info");
        assertEquals(0, r.code(), r.out() + r.err());
        for (int rank = 0; rank < 2; rank++) {
            assertTrue(r.out().contains("[rank " + rank + "]   process:      rank " + rank + " of 2"), r.out());
            assertTrue(r.out().contains("[rank " + rank + "]   communicator: mpi (rank " + rank + " of 2)"), r.out());
            assertTrue(r.out().contains("[rank " + rank + "]   mpi:          available, Open MPI v4"), r.out());
        }
        assertTrue(r.err().contains("2 ranks on cpu"), r.err());
    }

    @Test
    void twoRanksOnCudaEmuTalkMpi() {
        Cli.Result r = Cli.run("launch", "--nproc", "2", "--", "--device", "cuda-emu", "info");
        assertEquals(0, r.code(), r.out() + r.err());
        for (int rank = 0; rank < 2; rank++) {
            assertTrue(r.out().contains("[rank " + rank + "] default device: cuda-emu"), r.out());
            assertTrue(r.out().contains("[rank " + rank + "]   communicator: mpi (rank " + rank + " of 2)"), r.out());
        }
        assertTrue(r.err().contains("2 ranks on cuda-emu"), r.err());
    }

    @Test
    void aFailingCommandFailsTheLaunch() {
        Cli.Result r = Cli.run("--device", "cpu", "launch", "--nproc", "2", "--", "eval", "--no-such-option");
        assertNotEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("[rank 0]") || r.err().contains("[rank 1]"), r.err());
    }

    @Test
    void needsACommand() {
        Cli.Result r = Cli.run("launch", "--nproc", "2");
        assertNotEquals(0, r.code());
    }
}
