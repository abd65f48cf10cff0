// A sweep on a real Slurm: tools/slurm/start-single-node.sh starts Debian's slurm-wlm (slurmctld + slurmd, munge)
// as a single-node cluster (it installs the packages when they are missing and this user is root; .ci/run installs
// them), then `lethe experiment --slurm` writes the job for a 2-cell experiment (Retrain and FT, seed 0, on 300
// Fashion-MNIST images), submit.sh submits it (the prepare array, then the cells' array with
// --dependency=afterok), and once Slurm has run both arrays `--report` merges the two cells with none missing. The
// tasks start Lethe through a launcher script that runs this test's classpath (the jar may not be built yet in
// `mvn test`). The daemons run from /tmp/lethe-slurm-test and are stopped when the test ends. Skipped, with the reason, only when slurm-wlm cannot be installed here (not root, no apt-get).
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.report.Report;
import ai.lethe.unlearn.FashionForgetTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlurmClusterTest {
    record Run(int code, String out) {}

    /** The test cluster's state folder (its daemons are stopped when the test ends). */
    static final String STATE = "/tmp/lethe-slurm-test";

    static Run sh(Path dir, String conf, long timeoutSeconds, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        if (conf != null) pb.environment().put("SLURM_CONF", conf);
        pb.environment().put("LETHE_SLURM_STATE", STATE);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Run(124, new String(p.getInputStream().readAllBytes()));
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }

    static Path root() throws Exception {
        Path p = Path.of(SlurmClusterTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        for (; p != null; p = p.getParent()) if (Files.isRegularFile(p.resolve("tools/slurm/start-single-node.sh"))) return p;
        throw new IllegalStateException("tools/slurm/start-single-node.sh not found above the test classes");
    }

    @Test void twoCellArrayRunsOnSlurmAndMerges(@TempDir Path dir) throws Exception {
        FashionForgetTask.assumeAvailable();
        Path root = root();
        boolean installable = Files.isExecutable(Path.of("/usr/sbin/slurmctld"))
                || (sh(dir, null, 10, "id", "-u").out().trim().equals("0") && Files.isExecutable(Path.of("/usr/bin/apt-get")));
        Assumptions.assumeTrue(installable, "slurm-wlm is not installed and this user cannot install it (apt-get install slurm-wlm munge as root)");
        Run start = sh(dir, null, 600, "bash", root.resolve("tools/slurm/start-single-node.sh").toString());
        try {
            runOnCluster(dir, start);
        } finally {
            Run stop = sh(dir, null, 60, "bash", root.resolve("tools/slurm/stop-single-node.sh").toString());
            System.out.println(stop.out());
        }
    }

    private void runOnCluster(Path dir, Run start) throws Exception {
        assertEquals(0, start.code(), "the single-node Slurm did not start:\n" + start.out());
        Matcher conf = Pattern.compile("export SLURM_CONF=(\\S+)").matcher(start.out());
        assertTrue(conf.find(), start.out());
        String slurmConf = conf.group(1);

        Path cfg = Files.writeString(dir.resolve("slurm-two.yaml"), ExperimentSlurmTest.CONFIG.replace("name: slurm-tiny", "name: slurm-two")
                .replace("[{name: ft, options: {epochs: 1}}, {name: ga, options: {epochs: 1}}]", "[{name: ft, options: {epochs: 1}}]")
                .replace("seeds: [0, 1]", "seeds: [0]"));
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Path launcher = dir.resolve("lethe-test-launcher");
        Files.writeString(launcher, "#!/bin/sh\nexec " + java + " --enable-native-access=ALL-UNNAMED -Xss4m -cp '"
                + System.getProperty("java.class.path") + "' ai.lethe.cli.Main \"$@\"\n");
        assertTrue(launcher.toFile().setExecutable(true));
        Path out = dir.resolve("out");
        Cli.Result w = Cli.run("--device", "cpu", "experiment", cfg.toString(), "--out", out.toString(), "--slurm", "--launcher",
                launcher.toString(), "--cpus-per-task", "1", "--time", "00:20:00");
        assertEquals(0, w.code(), w.out() + w.err());
        assertTrue(w.out().contains("(2 cells)"), w.out());

        Run submit = sh(dir, slurmConf, 60, "sh", out.resolve("slurm/submit.sh").toString());
        assertEquals(0, submit.code(), submit.out());
        Matcher ids = Pattern.compile("prepare job (\\d+), cells job (\\d+) \\(2 tasks\\)").matcher(submit.out());
        assertTrue(ids.find(), submit.out());
        String prepare = ids.group(1), cells = ids.group(2);
        Run deps = sh(dir, slurmConf, 30, "scontrol", "show", "job", cells);
        System.out.println(submit.out() + deps.out());
        assertTrue(deps.out().contains("Dependency=afterok:" + prepare), "the cells wait for the prepare job:\n" + deps.out());

        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        String queue = "";
        while (System.nanoTime() < deadline) {
            queue = sh(dir, slurmConf, 30, "squeue", "-h", "-j", prepare + "," + cells, "-o", "%i %T %r").out().trim();
            if (queue.isEmpty()) break;
            Thread.sleep(2000);
        }
        assertTrue(queue.isEmpty(), "the jobs did not finish in 10 minutes: " + queue);
        Path logs = out.resolve("slurm/logs");
        StringBuilder all = new StringBuilder();
        for (String f : List.of("prepare-0.out", "cells-0.out", "cells-1.out"))
            all.append("== ").append(f).append('\n').append(Files.isRegularFile(logs.resolve(f)) ? Files.readString(logs.resolve(f)) : "(none)\n");
        System.out.println(all);
        assertTrue(Files.readString(logs.resolve("prepare-0.out")).contains("starts training"), all.toString());
        for (String f : List.of("cells-0.out", "cells-1.out"))
            assertTrue(Files.readString(logs.resolve(f)).contains("original: trained earlier"), "the cells load the prepared original:\n" + all);
        assertTrue(Files.isRegularFile(out.resolve("runs/retrain/seed-0/unlearn.json")), all.toString());
        assertTrue(Files.isRegularFile(out.resolve("runs/ft_epochs=1_/seed-0/unlearn.json")), all.toString());

        Cli.Result m = Cli.run("--device", "cpu", "experiment", cfg.toString(), "--out", out.toString(), "--report");
        assertEquals(0, m.code(), m.out() + m.err());
        assertFalse(m.out().contains("missing cells"), m.out());
        Report r = Report.read(out.resolve("report.json"));
        assertEquals(List.of("retrain", "ft[epochs=1]"), r.runs().stream().map(x -> x.method()).toList());
        assertFalse(r.setup().containsKey("missing cells"));
    }
}
