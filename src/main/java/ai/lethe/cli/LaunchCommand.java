// `lethe launch --nproc N [--master host:port] -- <lethe arguments...>`: runs N ranks of a lethe command on this
// machine, one process each, every output line prefixed with its rank. On cpu and cuda-emu the ranks talk MPI, so
// they run under Open MPI's mpirun (which must be on PATH or at LETHE_MPIRUN); on cuda they talk NCCL, so launch
// starts them itself with LETHE_RANK/LETHE_WORLD_SIZE/LETHE_LOCAL_RANK/LETHE_MASTER and one GPU each
// (CUDA_VISIBLE_DEVICES), rank 0 serving NCCL's unique id at the master (default localhost and a free port).
// If one rank fails the others are stopped and launch exits non-zero. Each rank is this JVM's java, flags and class
// path running ai.lethe.cli.Main with the given arguments (and the launcher's --device, when given).
// Across machines, use the cluster's launcher instead (srun, mpirun with a host file): docs/distributed.md.
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.distributed.DistributedEnvironment;
import ai.lethe.distributed.LocalLauncher;
import ai.lethe.distributed.TcpRendezvous;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "launch", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Run N ranks of a lethe command on this machine (data-parallel training, distributed Fisher).",
                "cpu/cuda-emu: under Open MPI's mpirun (MPI); cuda: N processes, one GPU each (NCCL).",
                "Example: lethe launch --nproc 2 -- train --model mlp --epochs 1"})
final class LaunchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @ParentCommand Main main;

    @Option(names = "--nproc", required = true, paramLabel = "N", description = "Number of ranks (processes), >= 1.")
    int nproc;

    @Option(names = "--master", paramLabel = "HOST:PORT",
            description = "Where rank 0 serves NCCL's unique id (cuda only; default localhost and a free port).")
    String master;

    @Parameters(arity = "1..*", paramLabel = "ARGS", description = "The lethe command and its arguments, after --.")
    List<String> command = new ArrayList<>();

    @Override public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (nproc < 1) throw new IllegalArgumentException("--nproc must be >= 1, got " + nproc);
        if (command.isEmpty()) throw new IllegalArgumentException("no command to launch: give it after --, e.g. -- info");
        String deviceOption = main == null ? null : main.device;
        List<String> args = new ArrayList<>();
        if (deviceOption != null && !names(command, "--device")) args.addAll(List.of("--device", deviceOption));
        args.addAll(command);
        Device device = deviceOf(command, deviceOption);
        List<String> rank = rankCommand(args);
        if (device.type().equals("cuda")) return spawnCudaRanks(rank, out, err);
        if (master != null)
            err.println("[launch] --master is for cuda ranks (NCCL); on " + device + " the ranks meet through mpirun");
        Path mpirun = LocalLauncher.findMpirun(System.getenv()).orElseThrow(() -> new IllegalStateException(
                "mpirun (Open MPI) is not on PATH: ranks on " + device.type() + " talk MPI and need it; install it with "
                        + "`apt-get install openmpi-bin libopenmpi-dev` (tools/setup-mpi.sh), or set "
                        + "LETHE_MPIRUN=/path/to/mpirun"));
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> cmd = LocalLauncher.mpirunCommand(mpirun, nproc, root, rank);
        err.println("[launch] " + nproc + " ranks on " + device + " under " + mpirun + " (MPI)");
        err.flush();
        return LocalLauncher.runMpirun(cmd, out, err);
    }

    /** cuda: N processes of {@code rank}, each with its LETHE_* variables and one GPU; rank 0 serves the NCCL id. */
    private int spawnCudaRanks(List<String> rank, PrintWriter out, PrintWriter err) throws IOException, InterruptedException {
        TcpRendezvous.Master m = master == null ? new TcpRendezvous.Master("localhost", freePort())
                : TcpRendezvous.Master.parse(master);
        List<LocalLauncher.RankSpec> ranks = new ArrayList<>();
        for (int r = 0; r < nproc; r++) {
            var env = new DistributedEnvironment(r, nproc, r, DistributedEnvironment.Launcher.LETHE, m.toString());
            Map<String, String> vars = new HashMap<>(Map.of("LETHE_RANK", Integer.toString(r), "LETHE_WORLD_SIZE",
                    Integer.toString(nproc), "LETHE_LOCAL_RANK", Integer.toString(r), "LETHE_MASTER", m.toString()));
            String visible = env.visibleDevices(System.getenv("CUDA_VISIBLE_DEVICES"));
            if (visible != null) vars.put("CUDA_VISIBLE_DEVICES", visible);
            ranks.add(new LocalLauncher.RankSpec(rank, vars));
        }
        err.println("[launch] " + nproc + " ranks on cuda (NCCL), master " + m);
        err.flush();
        return LocalLauncher.runRanks(ranks, out, err, Duration.ofSeconds(5));
    }

    /** The device the ranks will use: the command's --device, else the launcher's, else the default device. */
    static Device deviceOf(List<String> command, String deviceOption) {
        for (int i = 0; i < command.size(); i++) {
            String a = command.get(i);
            if (a.equals("--device") && i + 1 < command.size()) return Device.parse(command.get(i + 1));
            if (a.startsWith("--device=")) return Device.parse(a.substring("--device=".length()));
        }
        return deviceOption != null ? Device.parse(deviceOption) : Backends.defaultDevice();
    }

    private static boolean names(List<String> command, String option) {
        return command.stream().anyMatch(a -> a.equals(option) || a.startsWith(option + "="));
    }

    /** This JVM's java, its flags (no debugger agent: one port) and class path, running Main with {@code args}. */
    static List<String> rankCommand(List<String> args) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!a.startsWith("-agentlib:jdwp")) c.add(a);
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        c.add(Main.class.getName());
        c.addAll(args);
        return c;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
