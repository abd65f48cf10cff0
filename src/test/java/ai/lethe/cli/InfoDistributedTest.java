// `lethe info`'s distributed section in a plain process: a single process, the SingleProcess communicator, MPI
// available with Open MPI's own version string (MPI_Get_library_version, without joining a group), and NCCL
// unavailable with the reason on this machine (no libnccl.so.2) — or available with its version where it is.
// The same facts in --json. (Under mpirun: LaunchCommandTest.)
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.distributed.NcclCommunicator;
import org.junit.jupiter.api.Test;

class InfoDistributedTest {

    @Test
    void textSection() {
        Cli.Result r = Cli.run("info");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.contains("\ndistributed:\n"), out);
        assertTrue(out.contains("  process:      a single process"), out);
        assertTrue(out.contains("  communicator: single (rank 0 of 1)"), out);
        assertTrue(out.contains("  mpi:          available, Open MPI v4.1"), out);
        if (NcclCommunicator.unavailableReason() != null)
            assertTrue(out.contains("  nccl:         unavailable: cannot load NVIDIA's libnccl.so.2"), out);
        else
            assertTrue(out.contains("  nccl:         available, NCCL 2."), out);
    }

    @Test
    void jsonSection() {
        Cli.Result r = Cli.run("info", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"distributed\""), r.out());
        assertTrue(r.out().contains("\"mpiAvailable\": true") || r.out().contains("\"mpiAvailable\":true"), r.out());
        assertTrue(r.out().contains("Open MPI v4.1"), r.out());
        assertTrue(r.out().contains("\"ncclAvailable\""), r.out());
    }
}
