// Which rank this process is, read from the environment its launcher set, and which communicator it should use.
//
// Launchers, first match wins:
//   `lethe launch` (cuda)  LETHE_RANK, LETHE_WORLD_SIZE, LETHE_LOCAL_RANK, LETHE_MASTER (host:port of the NCCL
//                           rendezvous); the most specific, so a launch inside a Slurm allocation is still read right
//   Open MPI's mpirun      OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE, OMPI_COMM_WORLD_LOCAL_RANK
//   PMI (MPICH's hydra,    PMI_RANK, PMI_SIZE (no local rank: MPI_LOCALRANKID when set, else 0)
//        Intel MPI)
//   Slurm's srun           SLURM_PROCID, SLURM_STEP_NUM_TASKS, SLURM_LOCALID. Only inside a job step: an sbatch
//                           script itself also has SLURM_PROCID=0 and SLURM_NTASKS=N, but is one process, not rank
//                           0 of N, so SLURM_STEP_NUM_TASKS (set by srun only) must be there; SLURM_NTASKS is used
//                           when a step sets SLURM_STEP_ID without it.
// Nothing of these: one process (rank 0 of 1). The master for NCCL's rendezvous: LETHE_MASTER, else
// MASTER_ADDR:MASTER_PORT (torch.distributed's names), else none (then NCCL takes its unique id over MPI).
//
// The communicator: one rank -> SingleProcess; a cuda device -> NCCL (MPI through host copies, with a warning, when
// libnccl.so.2 is missing and an MPI launcher started the ranks); else (cpu, ref, cuda-emu) -> MPI. Each rank
// uses the GPU of index `local rank` (one GPU per process). The cuda backend opens its process's device 0, so that
// GPU is made the only visible one: CUDA_VISIBLE_DEVICES=<local rank> (or the local rank's entry of a list already
// set), left alone when it already names one device (`srun --gpus-per-task=1` does that); visibleDevices() computes
// it, Distributed.joinFromEnvironment sets it before CUDA is initialised, `lethe launch` sets it for its children.
// Everything is computed from a map of variables, so tests need no real environment.
package ai.lethe.distributed;

import ai.lethe.core.Device;
import java.util.Map;
import java.util.Objects;

public record DistributedEnvironment(int rank, int size, int localRank, Launcher launcher, String master) {

    /** Where the numbers came from. */
    public enum Launcher {
        NONE("none"), LETHE("lethe launch"), OPEN_MPI("Open MPI mpirun"), PMI("PMI (MPICH/Intel MPI)"), SLURM("Slurm srun");

        private final String description;

        Launcher(String description) { this.description = description; }

        public String description() { return description; }
    }

    /** The communicator kinds. */
    public enum Kind { SINGLE, MPI, NCCL }

    public DistributedEnvironment {
        Objects.requireNonNull(launcher, "launcher");
        if (size < 1) throw new IllegalArgumentException("world size must be >= 1, got " + size);
        if (rank < 0 || rank >= size) throw new IllegalArgumentException("rank " + rank + " is not in 0.." + (size - 1));
        if (localRank < 0) throw new IllegalArgumentException("local rank must be >= 0, got " + localRank);
    }

    /** A process on its own. */
    public static final DistributedEnvironment SINGLE = new DistributedEnvironment(0, 1, 0, Launcher.NONE, null);

    /** From this process's environment. */
    public static DistributedEnvironment detect() { return from(System.getenv()); }

    /** From {@code env}; an IllegalArgumentException naming the variable when a value is not a valid number. */
    public static DistributedEnvironment from(Map<String, String> env) {
        String master = master(env);
        if (has(env, "LETHE_RANK") || has(env, "LETHE_WORLD_SIZE"))
            return of(env, Launcher.LETHE, "LETHE_RANK", "LETHE_WORLD_SIZE", "LETHE_LOCAL_RANK", master);
        if (has(env, "OMPI_COMM_WORLD_SIZE"))
            return of(env, Launcher.OPEN_MPI, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", master);
        if (has(env, "PMI_SIZE"))
            return of(env, Launcher.PMI, "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", master);
        if (has(env, "SLURM_PROCID") && has(env, "SLURM_STEP_NUM_TASKS"))
            return of(env, Launcher.SLURM, "SLURM_PROCID", "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID", master);
        if (has(env, "SLURM_PROCID") && has(env, "SLURM_STEP_ID") && has(env, "SLURM_NTASKS"))
            return of(env, Launcher.SLURM, "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", master);
        return SINGLE;
    }

    private static DistributedEnvironment of(Map<String, String> env, Launcher launcher, String rankVar, String sizeVar,
                                             String localVar, String master) {
        int size = number(env, sizeVar, 1);
        int rank = number(env, rankVar, 0);
        int local = has(env, localVar) ? number(env, localVar, 0) : 0;
        if (size < 1) throw new IllegalArgumentException(sizeVar + "=" + env.get(sizeVar) + ": the world size must be >= 1");
        if (rank < 0 || rank >= size)
            throw new IllegalArgumentException(rankVar + "=" + env.get(rankVar) + " is not a rank of " + sizeVar + "=" + size
                    + " (0.." + (size - 1) + ")");
        if (local < 0) throw new IllegalArgumentException(localVar + "=" + env.get(localVar) + ": must be >= 0");
        return new DistributedEnvironment(rank, size, local, launcher, master);
    }

    private static String master(Map<String, String> env) {
        if (has(env, "LETHE_MASTER")) return env.get("LETHE_MASTER").strip();
        if (has(env, "MASTER_ADDR") && has(env, "MASTER_PORT"))
            return env.get("MASTER_ADDR").strip() + ":" + env.get("MASTER_PORT").strip();
        return null;
    }

    private static boolean has(Map<String, String> env, String name) {
        String v = env.get(name);
        return v != null && !v.isBlank();
    }

    private static int number(Map<String, String> env, String name, int missing) {
        String v = env.get(name);
        if (v == null || v.isBlank()) return missing;
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + v + " is not a whole number");
        }
    }

    /** True when the process is one of several ranks. */
    public boolean distributed() { return size > 1; }

    /** The communicator this rank uses with {@code device}: SINGLE for one rank, NCCL on cuda, MPI elsewhere. */
    public Kind kindFor(Device device) {
        if (size == 1) return Kind.SINGLE;
        return device.type().equals("cuda") ? Kind.NCCL : Kind.MPI;
    }

    /**
     * The device of this rank: for a cuda device when distributed, cuda:0 of the process, which is GPU `local rank`
     * once CUDA_VISIBLE_DEVICES is as visibleDevices says; else {@code device} as given.
     */
    public Device deviceFor(Device device) {
        return distributed() && device.type().equals("cuda") ? Device.cuda(0) : device;
    }

    /**
     * The CUDA_VISIBLE_DEVICES this rank should run with, given the current value ({@code current}, null when
     * unset): null (leave it) when not distributed or it already names exactly one device; the local rank's entry of
     * a longer list; else the local rank itself. An IllegalArgumentException when a list is shorter than the
     * local ranks on the machine.
     */
    public String visibleDevices(String current) {
        if (!distributed()) return null;
        if (current == null || current.isBlank()) return Integer.toString(localRank);
        String[] entries = current.strip().split(",");
        if (entries.length == 1) return null;
        if (localRank >= entries.length)
            throw new IllegalArgumentException("CUDA_VISIBLE_DEVICES=" + current + " names " + entries.length
                    + " GPUs but this rank has local rank " + localRank + ": one GPU per rank is needed");
        return entries[localRank].strip();
    }

    /**
     * Opens this rank's communicator for {@code device} (see kindFor) and checks that it agrees with the
     * environment (MPI's own rank and size must be the ones the launcher announced).
     */
    public Communicator connect(Device device) {
        return switch (kindFor(device)) {
            case SINGLE -> SingleProcess.INSTANCE;
            case MPI -> connectMpi();
            case NCCL -> {
                String noNccl = NcclCommunicator.unavailableReason();
                if (noNccl != null && mpiLaunched() && MpiCommunicator.unavailableReason() == null) {
                    // a GPU machine without NCCL, ranks started by MPI: MPI through host copies, slower but correct
                    System.getLogger("ai.lethe.distributed").log(System.Logger.Level.WARNING,
                            "NCCL is unavailable ({0}); cuda ranks use MPI through host copies instead", noNccl);
                    Communicator mpi = connectMpi();
                    yield mpi;
                }
                yield NcclCommunicator.connect(this, deviceFor(device));
            }
        };
    }

    private MpiCommunicator connectMpi() {
        MpiCommunicator mpi = MpiCommunicator.world();
        if (mpi.rank() != rank || mpi.size() != size)
            throw new IllegalStateException("MPI says rank " + mpi.rank() + " of " + mpi.size() + " but "
                    + launcher.description() + " announced rank " + rank + " of " + size
                    + " (ranks that talk MPI must be started by mpirun, srun --mpi=pmix or `lethe launch` on cpu/cuda-emu)");
        return mpi;
    }

    /** Whether an MPI launcher (Open MPI's mpirun, a PMI launcher) started this rank. */
    boolean mpiLaunched() { return launcher == Launcher.OPEN_MPI || launcher == Launcher.PMI; }

    /** "rank 1 of 2 (local 1), from Open MPI mpirun" or "a single process". */
    public String describe() {
        if (launcher == Launcher.NONE) return "a single process (no launcher variables in the environment)";
        return "rank " + rank + " of " + size + " (local rank " + localRank + "), from " + launcher.description()
                + (master == null ? "" : ", master " + master);
    }
}
