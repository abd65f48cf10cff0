// LocalLauncher's process handling with plain shell commands: every rank's lines come out whole and prefixed with
// its rank; when one rank fails, the others (here: sleeping for a minute) are stopped at once and the status is the
// failure's; mpirun's --tag-output lines are rewritten to the same prefix; the mpirun command line has the flags.
package ai.lethe.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalLauncherTest {

    private static LocalLauncher.RankSpec sh(String script, Map<String, String> env) {
        return new LocalLauncher.RankSpec(List.of("sh", "-c", script), env);
    }

    @Test
    void linesArePrefixedWithTheRank() throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = LocalLauncher.runRanks(List.of(
                sh("echo \"hello from $LETHE_RANK\"; echo oops >&2", Map.of("LETHE_RANK", "0")),
                sh("echo \"hello from $LETHE_RANK\"", Map.of("LETHE_RANK", "1"))),
                new PrintWriter(out), new PrintWriter(err), Duration.ofSeconds(5));
        assertEquals(0, status);
        assertTrue(out.toString().contains("[rank 0] hello from 0"), out.toString());
        assertTrue(out.toString().contains("[rank 1] hello from 1"), out.toString());
        assertTrue(err.toString().contains("[rank 0] oops"), err.toString());
    }

    @Test
    void aFailingRankStopsTheOthers() throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        long start = System.nanoTime();
        int status = LocalLauncher.runRanks(List.of(
                sh("sleep 60; echo never", Map.of()),
                sh("echo failing; exit 7", Map.of())),
                new PrintWriter(out), new PrintWriter(err), Duration.ofSeconds(5));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(7, status);
        assertTrue(seconds < 50, "the sleeping rank was stopped, not waited for: " + seconds + " s");
        assertFalse(out.toString().contains("never"), out.toString());
        assertTrue(err.toString().contains("rank 1 exited with status 7"), err.toString());
    }

    @Test
    void findsMpirunOnThePathOrWhereForced(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertTrue(LocalLauncher.findMpirun(Map.of("PATH", dir.toString())).isEmpty());
        Path fake = dir.resolve("mpirun");
        java.nio.file.Files.writeString(fake, "#!/bin/sh\n");
        fake.toFile().setExecutable(true);
        assertEquals(fake, LocalLauncher.findMpirun(Map.of("PATH", "/nonexistent:" + dir)).orElseThrow());
        assertEquals(Path.of("/opt/ompi/bin/mpirun"),
                LocalLauncher.findMpirun(Map.of("PATH", dir.toString(), "LETHE_MPIRUN", "/opt/ompi/bin/mpirun")).orElseThrow());
    }

    @Test
    void mpirunTagsBecomeRankPrefixes() {
        assertEquals("[rank 1] rank 1 of 2", LocalLauncher.untag("[1,1]<stdout>:rank 1 of 2"));
        assertEquals("[rank 0] ", LocalLauncher.untag("[23771,0]<stderr>:"));
        assertEquals("mpirun noticed that process rank 1 ...", LocalLauncher.untag("mpirun noticed that process rank 1 ..."));
        List<String> c = LocalLauncher.mpirunCommand(Path.of("/usr/bin/mpirun"), 2, true, List.of("java", "-cp", "x", "Main"));
        assertEquals(List.of("/usr/bin/mpirun", "-np", "2", "--tag-output", "--oversubscribe", "--bind-to", "none",
                "--allow-run-as-root", "java", "-cp", "x", "Main"), c);
        assertFalse(LocalLauncher.mpirunCommand(Path.of("mpirun"), 2, false, List.of("x")).contains("--allow-run-as-root"));
    }
}
