// Runs the ranks of a job on this machine for `lethe launch`, in one of two ways:
//   - under Open MPI's mpirun (cpu, cuda-emu: the ranks use the MPI communicator): one mpirun process, whose
//     --tag-output lines ("[jobid,rank]<stdout>:text") are rewritten to "[rank R] text"; mpirun itself stops the
//     other ranks when one fails and exits non-zero;
//   - as N child processes it starts itself (cuda: the ranks use NCCL, the unique id over TcpRendezvous), each with
//     LETHE_RANK / LETHE_WORLD_SIZE / LETHE_LOCAL_RANK / LETHE_MASTER and its own CUDA_VISIBLE_DEVICES; their lines
//     are prefixed "[rank R] "; when one exits non-zero the others are stopped (destroy, then forcibly after a grace
//     period) and the launch exits with the first failure's status.
// Either way the output goes to the given streams line by line, each line whole.
package ai.lethe.distributed;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class LocalLauncher {
    private LocalLauncher() {}

    /** How long stopped ranks get to exit before they are killed. */
    static final Duration STOP_GRACE = Duration.ofSeconds(5);

    /** One rank's process: its command line and the variables added to the launcher's environment. */
    public record RankSpec(List<String> command, Map<String, String> environment) {
        public RankSpec {
            command = List.copyOf(command);
            environment = Map.copyOf(environment);
        }
    }

    /** The mpirun to use: LETHE_MPIRUN, else the first on PATH; empty when there is none. */
    public static Optional<Path> findMpirun(Map<String, String> env) {
        String forced = env.get("LETHE_MPIRUN");
        if (forced != null && !forced.isBlank()) return Optional.of(Path.of(forced));
        for (String d : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, "mpirun");
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /**
     * mpirun's command line for {@code n} ranks of {@code rankCommand} on this machine: --tag-output (rank-tagged
     * lines), --oversubscribe (more ranks than Open MPI counts cores is allowed: the machine is the user's choice),
     * --bind-to none (the JVM's threads are not pinned to one core), --allow-run-as-root when run by root.
     */
    public static List<String> mpirunCommand(Path mpirun, int n, boolean root, List<String> rankCommand) {
        List<String> c = new ArrayList<>(List.of(mpirun.toString(), "-np", Integer.toString(n), "--tag-output",
                "--oversubscribe", "--bind-to", "none"));
        if (root) c.add("--allow-run-as-root");
        c.addAll(rankCommand);
        return c;
    }

    private static final Pattern TAG = Pattern.compile("^\\[(\\d+),(\\d+)\\]<(stdout|stderr|stddiag)>:(.*)$");

    /** "[rank R] text" for one of mpirun's --tag-output lines; other lines (mpirun's own) unchanged. */
    static String untag(String line) {
        Matcher m = TAG.matcher(line);
        return m.matches() ? "[rank " + m.group(2) + "] " + m.group(4) : line;
    }

    /** Runs {@code command} (an mpirun line) and copies its output, rank-prefixed; returns mpirun's exit status. */
    public static int runMpirun(List<String> command, PrintWriter out, PrintWriter err) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        Thread o = pump(p.getInputStream(), out, null);
        Thread e = pump(p.getErrorStream(), err, null);
        try {
            int status = p.waitFor();
            o.join();
            e.join();
            return status;
        } catch (InterruptedException ie) {
            stop(p, false);
            throw ie;
        }
    }

    /**
     * Starts one process per rank (rank = index in {@code ranks}), copies their lines prefixed "[rank R] ", and
     * waits. When a rank exits non-zero, the others are stopped. Returns 0 when every rank exited 0, else the
     * first failure's status (1 if that was 0, i.e. a rank killed by us reported success).
     */
    public static int runRanks(List<RankSpec> ranks, PrintWriter out, PrintWriter err, Duration grace)
            throws IOException, InterruptedException {
        List<Process> procs = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        try {
            for (int r = 0; r < ranks.size(); r++) {
                ProcessBuilder pb = new ProcessBuilder(ranks.get(r).command());
                pb.environment().putAll(ranks.get(r).environment());
                Process p = pb.start();
                procs.add(p);
                pumps.add(pump(p.getInputStream(), out, "[rank " + r + "] "));
                pumps.add(pump(p.getErrorStream(), err, "[rank " + r + "] "));
            }
        } catch (IOException e) {
            procs.forEach(LocalLauncher::stopTree);
            throw e;
        }
        int failure = 0;
        boolean[] done = new boolean[procs.size()];
        int remaining = procs.size();
        try {
            while (remaining > 0) {
                for (int r = 0; r < procs.size(); r++) {
                    if (done[r] || procs.get(r).isAlive()) continue;
                    done[r] = true;
                    remaining--;
                    int status = procs.get(r).exitValue();
                    if (status != 0 && failure == 0) {
                        failure = status;
                        synchronized (err) {
                            err.println("[launch] rank " + r + " exited with status " + status + "; stopping the other ranks");
                            err.flush();
                        }
                        for (int k = 0; k < procs.size(); k++) if (!done[k]) stop(procs.get(k), false);
                        long deadline = System.nanoTime() + grace.toNanos();
                        for (int k = 0; k < procs.size(); k++) {
                            if (done[k]) continue;
                            long left = Math.max(0, deadline - System.nanoTime());
                            if (!procs.get(k).waitFor(left, TimeUnit.NANOSECONDS)) stopTree(procs.get(k));
                        }
                    }
                }
                if (remaining > 0) Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            procs.forEach(LocalLauncher::stopTree);
            throw e;
        }
        for (Thread t : pumps) t.join();
        return failure;
    }

    private static void stopTree(Process p) { stop(p, true); }

    /**
     * Stops a rank's process and its descendants: the process first (so a shell cannot go on to its next command
     * when its child dies), then the descendants listed before it went (afterwards they are no longer its own).
     */
    private static void stop(Process p, boolean forcibly) {
        List<ProcessHandle> descendants = p.descendants().toList();
        if (forcibly) p.destroyForcibly(); else p.destroy();
        for (ProcessHandle d : descendants) {
            if (forcibly) d.destroyForcibly(); else d.destroy();
        }
    }

    /** A thread copying {@code in}'s lines to {@code out}, each prefixed (or, without a prefix, untagged). */
    private static Thread pump(InputStream in, PrintWriter out, String prefix) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String text = prefix == null ? untag(line) : prefix + line;
                    synchronized (out) {
                        out.println(text);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the process went away; its status says what happened
            }
        }, "lethe-launch-output");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
