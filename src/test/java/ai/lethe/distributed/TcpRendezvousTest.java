// TcpRendezvous with threads on localhost: rank 0 hands its 128 bytes to every other rank (which may connect
// before rank 0 listens); a world-size mismatch is refused with a message; a rank with no rank 0 to talk to gives
// up at its timeout with an error naming the master; master strings parse or are refused clearly.
package ai.lethe.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.LetheException;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TcpRendezvousTest {

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void everyRankGetsRankZerosId() throws Exception {
        TcpRendezvous.Master master = new TcpRendezvous.Master("localhost", freePort());
        byte[] id = new byte[NcclLibrary.UNIQUE_ID_BYTES];
        new Random(7).nextBytes(id);
        int size = 4;
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<byte[]>> got = new ArrayList<>();
            // the clients start first: they retry until rank 0 listens
            for (int r = 1; r < size; r++) {
                int rank = r;
                got.add(pool.submit(() -> TcpRendezvous.join(master, rank, size, Duration.ofSeconds(30))));
            }
            Thread.sleep(200);
            Future<byte[]> root = pool.submit(() -> TcpRendezvous.serve(master, size, id, Duration.ofSeconds(30)));
            assertArrayEquals(id, root.get());
            for (Future<byte[]> f : got) assertArrayEquals(id, f.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRankOfAnotherWorldIsRefused() throws Exception {
        TcpRendezvous.Master master = new TcpRendezvous.Master("127.0.0.1", freePort());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<byte[]> root = pool.submit(() -> TcpRendezvous.serve(master, 2, new byte[] {1, 2, 3}, Duration.ofSeconds(3)));
            Future<byte[]> stranger = pool.submit(() -> TcpRendezvous.join(master, 1, 3, Duration.ofSeconds(10)));
            Exception e = assertThrows(Exception.class, stranger::get);
            assertTrue(e.getCause() instanceof LetheException && e.getCause().getMessage().contains("world of 3"), String.valueOf(e.getCause()));
            Exception r = assertThrows(Exception.class, root::get);   // its only client was refused: rank 0 times out
            assertTrue(r.getCause().getMessage().contains("0 of 1 other ranks connected"), r.getCause().getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void noRankZeroTimesOutWithTheMaster() throws Exception {
        TcpRendezvous.Master master = new TcpRendezvous.Master("localhost", freePort());
        LetheException e = assertThrows(LetheException.class, () -> TcpRendezvous.join(master, 1, 2, Duration.ofMillis(600)));
        assertTrue(e.getMessage().contains("localhost:" + master.port()) && e.getMessage().contains("rank 0"), e.getMessage());
    }

    @Test
    void masterStrings() {
        assertEquals(new TcpRendezvous.Master("node1", 29500), TcpRendezvous.Master.parse("node1:29500"));
        assertEquals(new TcpRendezvous.Master("::1", 80), TcpRendezvous.Master.parse("[::1]:80"));
        assertEquals("[::1]:80", TcpRendezvous.Master.parse("[::1]:80").toString());
        for (String bad : List.of("node1", "node1:", ":80", "node1:http", "node1:70000")) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> TcpRendezvous.Master.parse(bad));
            assertTrue(x.getMessage().contains("master") || x.getMessage().contains("port"), x.getMessage());
        }
    }
}
