// The small TCP rendezvous that hands NCCL's 128-byte unique id from rank 0 to the other ranks when no MPI is there
// to broadcast it (`lethe launch` on cuda, `--master host:port`, LETHE_MASTER). Rank 0 listens on the master's port,
// accepts one connection from every other rank and sends each the id; the others connect (retrying while rank 0
// is not listening yet) and read exactly the id's bytes. Each client first says who it is (rank, world size: two
// big-endian ints) and rank 0 refuses a world size other than its own, a rank out of range or twice. Everything
// is bounded by one timeout, and a failure says which side, which address and what to check.
package ai.lethe.distributed;

import ai.lethe.core.LetheException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

public final class TcpRendezvous {
    private TcpRendezvous() {}

    /** host and port of "host:port" (an IPv6 host in brackets: "[::1]:29500"). */
    public record Master(String host, int port) {
        public Master {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) throw new IllegalArgumentException("master: empty host");
            if (port < 1 || port > 65535) throw new IllegalArgumentException("master: port " + port + " is not in 1..65535");
        }

        public static Master parse(String text) {
            if (text == null || text.isBlank()) throw new IllegalArgumentException("master: expected host:port, got nothing");
            String s = text.strip();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1)
                throw new IllegalArgumentException("master '" + text + "': expected host:port (for example localhost:29500)");
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            try {
                return new Master(host, Integer.parseInt(s.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("master '" + text + "': port '" + s.substring(colon + 1) + "' is not a number");
            }
        }

        @Override public String toString() { return (host.contains(":") ? "[" + host + "]" : host) + ":" + port; }
    }

    /**
     * Rank 0 of {@code size}: listens on the master's port until every other rank has connected and received
     * {@code payload}. Returns the payload.
     */
    public static byte[] serve(Master master, int size, byte[] payload, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (size == 1) return payload.clone();
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(master.port()));
            BitSet seen = new BitSet(size);
            List<String> problems = new ArrayList<>();
            while (seen.cardinality() < size - 1) {
                long left = remainingMillis(deadline);
                if (left <= 0)
                    throw new LetheException("rendezvous: rank 0 listened on port " + master.port() + " for " + timeout.toMillis() / 1000.0
                            + " s but only " + seen.cardinality() + " of " + (size - 1) + " other ranks connected"
                            + (problems.isEmpty() ? "" : " (refused: " + String.join("; ", problems) + ")")
                            + "; check that every rank was started with the same master " + master + " and can reach it");
                server.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                try (Socket s = server.accept()) {
                    s.setSoTimeout((int) Math.max(1, Math.min(remainingMillis(deadline), Integer.MAX_VALUE)));
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    int rank = in.readInt(), theirSize = in.readInt();
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    String refusal = theirSize != size ? "a rank of a world of " + theirSize + " connected to a world of " + size
                            : rank < 1 || rank >= size ? "rank " + rank + " is not in 1.." + (size - 1)
                            : seen.get(rank) ? "rank " + rank + " connected twice" : null;
                    if (refusal != null) {
                        out.writeInt(-1);
                        out.writeUTF(refusal);
                        out.flush();
                        problems.add(refusal);
                        continue;
                    }
                    out.writeInt(payload.length);
                    out.write(payload);
                    out.flush();
                    seen.set(rank);
                } catch (SocketTimeoutException e) {
                    // loop: the deadline check reports it
                } catch (EOFException e) {
                    problems.add("a client closed the connection early");
                }
            }
            return payload.clone();
        } catch (IOException e) {
            throw new LetheException("rendezvous: rank 0 cannot listen on port " + master.port() + ": " + e.getMessage()
                    + " (is another job using it? choose another with --master host:port)", e);
        }
    }

    /** Rank {@code rank} (> 0) of {@code size}: connects to rank 0 at the master and reads its payload. */
    public static byte[] join(Master master, int rank, int size, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (remainingMillis(deadline) > 0) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(master.host(), master.port()),
                        (int) Math.max(1, Math.min(remainingMillis(deadline), Integer.MAX_VALUE)));
                s.setSoTimeout((int) Math.max(1, Math.min(remainingMillis(deadline), Integer.MAX_VALUE)));
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(rank);
                out.writeInt(size);
                out.flush();
                DataInputStream in = new DataInputStream(s.getInputStream());
                int n = in.readInt();
                if (n < 0) throw new LetheException("rendezvous: rank 0 at " + master + " refused rank " + rank + ": " + in.readUTF());
                byte[] payload = new byte[n];
                in.readFully(payload);
                return payload;
            } catch (IOException e) {
                last = e;
                try {
                    Thread.sleep(Math.max(1, Math.min(100, remainingMillis(deadline))));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new LetheException("rendezvous: interrupted while connecting to " + master, ie);
                }
            }
        }
        throw new LetheException("rendezvous: rank " + rank + " could not get the id from rank 0 at " + master + " within "
                + timeout.toMillis() / 1000.0 + " s" + (last == null ? "" : " (last error: " + last + ")")
                + "; check that rank 0 is running, that " + master.host() + " resolves to its machine and that the port is open");
    }

    private static long remainingMillis(long deadline) {
        return (deadline - System.nanoTime()) / 1_000_000;
    }
}
