// The process's communicator, like torch.distributed's default process group: SingleProcess until the process
// joins a group (Distributed.join, which the CLI calls when the environment names more than one rank: mpirun,
// srun, `lethe launch`), that group's communicator afterwards. The Trainer, the unlearning methods' training loop
// and the Fisher diagonals ask it how many ranks share the work and which one this process is.
package ai.lethe.distributed;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import java.util.Objects;

public final class Distributed {
    private static volatile Communicator current = SingleProcess.INSTANCE;

    private Distributed() {}

    /** The communicator of this process (SingleProcess when it has not joined a group). */
    public static Communicator current() { return current; }

    /** True when this process is one of several ranks. */
    public static boolean active() { return current.size() > 1; }

    /**
     * Makes {@code communicator} the process's communicator; fails when it already has one other than
     * SingleProcess (leave it first). Returns it, for try-with-resources.
     */
    public static synchronized Communicator join(Communicator communicator) {
        Objects.requireNonNull(communicator, "communicator");
        if (current != SingleProcess.INSTANCE && current != communicator)
            throw new IllegalStateException("this process already belongs to a group (" + current.name() + ", rank "
                + current.rank() + " of " + current.size() + "); leave it first");
        current = communicator;
        return communicator;
    }

    /**
     * Joins the group the environment describes (DistributedEnvironment.detect(): mpirun, srun, `lethe launch`)
     * when it names more than one rank, on {@code device} (null: the default device, resolved after the next step):
     * first makes the rank's GPU the process's only visible CUDA device (CUDA_VISIBLE_DEVICES, before CUDA is
     * initialised), then opens the communicator (MPI, or NCCL on cuda). Returns the process's communicator
     * (SingleProcess when the environment names one rank). The CLI calls this at start-up.
     */
    public static synchronized Communicator joinFromEnvironment(Device device) {
        DistributedEnvironment env = DistributedEnvironment.detect();
        if (!env.distributed()) return current;
        String visible = env.visibleDevices(NativeEnvironment.get("CUDA_VISIBLE_DEVICES"));
        if (visible != null) NativeEnvironment.set("CUDA_VISIBLE_DEVICES", visible);
        Device d = device == null ? Backends.defaultDevice() : device;
        return join(env.connect(d));
    }

    /** Closes the current communicator and returns the process to SingleProcess. */
    public static synchronized void leave() {
        Communicator c = current;
        current = SingleProcess.INSTANCE;
        c.close();
    }
}
