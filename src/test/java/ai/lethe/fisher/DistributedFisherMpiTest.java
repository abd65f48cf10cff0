// Issue 17's acceptance for the distributed Fisher, over 2 real MPI ranks (MpiRun: `mpirun -np 2` with this JVM's
// class path) on cpu and on cuda-emu (MPI communicator, host-staged): the distributed BATCH_MEAN, PER_SAMPLE and TRUE
// Fisher diagonals equal the single-process ones within relative (L2) 1e-5 (DistributedFisherRanks.TOLERANCE: float
// summation order only), IU's per-sample gradient matrix bit for bit, and SSD (batch-mean and per-sample), LF-SSD,
// Fisher Forgetting and Influence Unlearning over 2 ranks give the model one process gives, within the same
// tolerance, and the same model bit for bit on both ranks (checksum all-reduce). The checks run inside the ranks
// (DistributedFisherRanks); here, that both ranks ran every check and passed. No mpirun is a failure (MpiRun).
package ai.lethe.fisher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.distributed.MpiRun;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DistributedFisherMpiTest {
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda-emu"})
    void twoRanksGiveTheSingleProcessFisherAndModels(String device) {
        MpiRun.Result r = MpiRun.main(DistributedFisherRanks.class).np(2).args(device).timeout(Duration.ofMinutes(8)).run();
        System.out.println(r.describe());
        for (int rank = 0; rank < 2; rank++) {
            String out = r.rank(rank).stdout();
            assertTrue(out.contains("rank " + rank + " of 2 on " + device), "rank " + rank + ":\n" + r.describe());
            for (String what : new String[] {"BATCH_MEAN Fisher", "PER_SAMPLE Fisher", "TRUE Fisher", "ssd model",
                    "ssd per-sample model", "lf-ssd model", "ff model", "iu model"}) {
                assertTrue(out.contains(what + ": relative difference to one process") && out.contains(what + ": the same on every rank"),
                        "rank " + rank + " checked " + what + ":\n" + r.describe());
            }
            assertTrue(out.contains("per-sample gradient matrix: bit for bit the single-process one"), r.describe());
            assertTrue(out.strip().endsWith("PASS"), "rank " + rank + ":\n" + r.describe());
            assertEquals(0, r.rank(rank).exitCode());
        }
    }
}
