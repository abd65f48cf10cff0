// NCCL's unique id exchange between 2 real processes under mpirun (IdExchangeRanks): over MPI_Bcast when no master
// is named, over the TCP rendezvous when one is. NCCL itself is not needed (nor present here).
package ai.lethe.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class NcclIdExchangeTest {

    @Test
    void rankZerosIdReachesEveryRank() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        MpiRun.Result r = MpiRun.main(IdExchangeRanks.class).np(2).args(Integer.toString(port)).run();
        String mpi0 = line(r.rank(0).stdout(), "id over mpi: "), tcp0 = line(r.rank(0).stdout(), "id over tcp: ");
        assertEquals(mpi0, line(r.rank(1).stdout(), "id over mpi: "), r.describe());
        assertEquals(tcp0, line(r.rank(1).stdout(), "id over tcp: "), r.describe());
        assertTrue(!mpi0.equals(tcp0), r.describe());
        assertTrue(r.rank(0).stdout().strip().endsWith("PASS") && r.rank(1).stdout().strip().endsWith("PASS"), r.describe());
    }

    private static String line(String out, String key) {
        return out.lines().filter(l -> l.contains(key)).map(l -> l.substring(l.indexOf(key) + key.length())).findFirst()
                .orElse("(missing: " + key + ")");
    }
}
