// Test support: runs a Java main class as N MPI ranks under Open MPI's `mpirun -np N`, with this test JVM's class
// path, its JVM flags (--enable-native-access, -Xss, ...) and its lethe.* system properties, and collects each
// rank's stdout, stderr and exit code. Every rank runs in a small sh wrapper that sends its output to files of its
// own (rank.R.out/err) and records its exit status (rank.R.exit), so a failure says which rank failed and what it
// printed; a rank without an exit file was stopped by mpirun after another rank failed (or by the timeout).
//
//   MpiRun.Result r = MpiRun.main(MyRanks.class).np(2).args("cpu").run();   // fails the test, with every rank's
//   r.rank(1).stdout()                                                          // output, unless all exit 0
//
// Flags: --allow-run-as-root when the tests run as root (allowRunAsRoot(false) drops it), --oversubscribe (on by
// default: 2 ranks on a machine whose slots Open MPI counts as fewer). No mpirun on PATH (or at LETHE_MPIRUN) is a
// test failure, not a skip, saying to install openmpi-bin.
package ai.lethe.distributed;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

public final class MpiRun {
    /** One rank's result: its exit code (null when it was killed before it exited) and output. */
    public record Rank(int rank, Integer exitCode, String stdout, String stderr) {
        public boolean succeeded() { return exitCode != null && exitCode == 0; }
    }

    /** All ranks, plus mpirun's own exit code and output (its messages about failed or killed ranks). */
    public record Result(List<Rank> ranks, int mpirunExit, String mpirunOutput, boolean timedOut, List<String> command) {
        public Rank rank(int r) { return ranks.get(r); }

        public boolean succeeded() {
            return !timedOut && mpirunExit == 0 && ranks.stream().allMatch(Rank::succeeded);
        }

        /** Everything, rank by rank, for a failure message. */
        public String describe() {
            StringBuilder s = new StringBuilder();
            s.append("command: ").append(String.join(" ", command)).append('\n');
            s.append("mpirun exit ").append(mpirunExit).append(timedOut ? " (timed out, killed)" : "").append('\n');
            if (!mpirunOutput.isBlank()) s.append("---- mpirun output ----\n").append(mpirunOutput.strip()).append('\n');
            for (Rank r : ranks) {
                s.append("---- rank ").append(r.rank()).append(": ")
                        .append(r.exitCode() == null ? "no exit status (killed by mpirun or the timeout)" : "exit " + r.exitCode())
                        .append(" ----\n");
                if (!r.stdout().isBlank()) s.append("[stdout]\n").append(r.stdout().strip()).append('\n');
                if (!r.stderr().isBlank()) s.append("[stderr]\n").append(r.stderr().strip()).append('\n');
            }
            return s.toString();
        }
    }

    private final Class<?> mainClass;
    private int np = 2;
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmFlags = new ArrayList<>();
    private boolean oversubscribe = true;
    private boolean allowRunAsRoot = runningAsRoot();
    private Duration timeout = Duration.ofMinutes(3);

    private MpiRun(Class<?> mainClass) { this.mainClass = mainClass; }

    /** A run of {@code mainClass}'s main(String[]) as every rank. */
    public static MpiRun main(Class<?> mainClass) { return new MpiRun(mainClass); }

    public MpiRun np(int n) {
        if (n < 1) throw new IllegalArgumentException("np must be >= 1, got " + n);
        this.np = n;
        return this;
    }

    public MpiRun args(String... a) { args.addAll(List.of(a)); return this; }

    /** An environment variable for every rank (mpirun passes its own environment on to the ranks it starts). */
    public MpiRun env(String name, String value) { env.put(name, value); return this; }

    /** An extra JVM flag for every rank (after the test JVM's own). */
    public MpiRun jvmFlag(String flag) { jvmFlags.add(flag); return this; }

    public MpiRun oversubscribe(boolean on) { oversubscribe = on; return this; }

    public MpiRun allowRunAsRoot(boolean on) { allowRunAsRoot = on; return this; }

    public MpiRun timeout(Duration d) { timeout = d; return this; }

    /** Runs the ranks and fails the test, with every rank's output, unless mpirun and every rank exit 0. */
    public Result run() {
        Result r = runAllowingFailure();
        if (!r.succeeded()) fail("mpirun -np " + np + " " + mainClass.getName() + " failed:\n" + r.describe());
        return r;
    }

    /** Runs the ranks and returns what happened, success or not (for tests of failures). */
    public Result runAllowingFailure() {
        String mpirun = mpirun();
        Path dir;
        try {
            dir = Files.createTempDirectory("lethe-mpirun-");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a folder for the ranks' output", e);
        }
        List<String> cmd = new ArrayList<>(List.of(mpirun, "-np", Integer.toString(np)));
        if (allowRunAsRoot) cmd.add("--allow-run-as-root");
        if (oversubscribe) cmd.add("--oversubscribe");
        // the wrapper: $1 the output folder, the rest the rank's command line; R from Open MPI's environment
        cmd.addAll(List.of("sh", "-c", "d=$1; shift; r=${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-x}}; "
                + "\"$@\" >\"$d/rank.$r.out\" 2>\"$d/rank.$r.err\"; s=$?; echo $s >\"$d/rank.$r.exit\"; exit $s",
                "mpirank", dir.toString()));
        cmd.addAll(javaCommand());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path log = dir.resolve("mpirun.log");
        pb.redirectOutput(log.toFile());
        boolean timedOut = false;
        int exit;
        try {
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            exit = p.isAlive() ? -1 : p.exitValue();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for mpirun", e);
        }
        List<Rank> ranks = new ArrayList<>();
        for (int r = 0; r < np; r++) {
            String code = read(dir.resolve("rank." + r + ".exit")).strip();
            ranks.add(new Rank(r, code.isEmpty() ? null : Integer.valueOf(code),
                    read(dir.resolve("rank." + r + ".out")), read(dir.resolve("rank." + r + ".err"))));
        }
        Result result = new Result(List.copyOf(ranks), exit, read(log), timedOut, List.copyOf(cmd));
        deleteQuietly(dir);
        return result;
    }

    /** The mpirun to use: LETHE_MPIRUN, else the first on PATH; fails the test when there is none. */
    static String mpirun() { return mpirun(System.getenv()); }

    /** As mpirun(), reading LETHE_MPIRUN and PATH from {@code environment}. */
    static String mpirun(java.util.Map<String, String> environment) {
        String forced = environment.get("LETHE_MPIRUN");
        if (forced != null && !forced.isBlank()) {
            if (Files.isExecutable(Path.of(forced))) return forced;
            fail("LETHE_MPIRUN=" + forced + " is not an executable file");
        }
        String path = environment.getOrDefault("PATH", "");
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, "mpirun");
            if (Files.isExecutable(p)) return p.toString();
        }
        return fail("mpirun is not on PATH: the multi-rank tests need Open MPI. Install it with "
                + "`apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev` (or tools/setup-mpi.sh, "
                + "which ./run-tests and .ci/run call)");
    }

    /** java, this JVM's flags and lethe.* properties, the test class path, the main class and its arguments. */
    private List<String> javaCommand() {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-agentlib:jdwp") || a.startsWith("-Dlethe.")) continue;   // one debugger port; props below
            c.add(a);
        }
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("lethe.")).sorted()
                .forEach(k -> c.add("-D" + k + "=" + System.getProperty(k)));
        c.addAll(jvmFlags);
        String cp = System.getProperty("surefire.test.class.path");
        c.add("-cp");
        c.add(cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path"));
        c.add(mainClass.getName());
        c.addAll(args);
        return c;
    }

    static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + p + ": " + e.getMessage() + ")";
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }
}
