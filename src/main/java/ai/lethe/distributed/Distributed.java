// The process's communicator, like torch.distributed's default process group: SingleProcess until the process
// joins a group (Distributed.join, which the CLI calls when the environment names more than one rank: mpirun,
// srun, `lethe launch`), that group's communicator afterwards. The Trainer, the unlearning methods' training loop
// and the Fisher diagonals ask it how many ranks share the work and which one this process is.
package ai.lethe.distributed;

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

    /** Closes the current communicator and returns the process to SingleProcess. */
    public static synchronized void leave() {
        Communicator c = current;
        current = SingleProcess.INSTANCE;
        c.close();
    }
}
