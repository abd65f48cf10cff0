// Rank program of NcclIdExchangeTest: the exchange of NCCL's unique id (NcclCommunicator.exchange) between real
// processes under mpirun, without NCCL itself: rank 0's 128 random bytes reach every rank over MPI_Bcast when the
// environment names no master, and over the TCP rendezvous when it does (argument 1: a free port for the master).
// Prints "id over mpi: HASH" and "id over tcp: HASH" (the same on every rank when the exchange works), then "PASS".
package ai.lethe.distributed;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

public final class IdExchangeRanks {
    private IdExchangeRanks() {}

    public static void main(String[] args) {
        DistributedEnvironment env = DistributedEnvironment.detect();
        if (env.master() != null) throw new AssertionError("the test environment names a master already: " + env.master());
        byte[] id = new byte[NcclLibrary.UNIQUE_ID_BYTES];
        if (env.rank() == 0) new Random(17).nextBytes(id);
        byte[] overMpi = NcclCommunicator.exchange(env, id);
        System.out.println("rank " + env.rank() + " id over mpi: " + hash(overMpi));

        DistributedEnvironment withMaster = new DistributedEnvironment(env.rank(), env.size(), env.localRank(), env.launcher(),
                "localhost:" + args[0]);
        byte[] id2 = new byte[NcclLibrary.UNIQUE_ID_BYTES];
        if (env.rank() == 0) new Random(18).nextBytes(id2);
        byte[] overTcp = NcclCommunicator.exchange(withMaster, id2);
        System.out.println("rank " + env.rank() + " id over tcp: " + hash(overTcp));

        byte[] want1 = new byte[NcclLibrary.UNIQUE_ID_BYTES], want2 = new byte[NcclLibrary.UNIQUE_ID_BYTES];
        new Random(17).nextBytes(want1);
        new Random(18).nextBytes(want2);
        if (!Arrays.equals(want1, overMpi) || !Arrays.equals(want2, overTcp)) throw new AssertionError("rank 0's id did not arrive");
        MpiCommunicator.world().close();
        System.out.println("PASS");
    }

    private static String hash(byte[] b) {
        return HexFormat.of().formatHex(b, 0, 8) + "... (" + b.length + " bytes)";
    }
}
