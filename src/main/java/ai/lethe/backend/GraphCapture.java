// Optional capability of a Backend implementation: capturing a whole step (a training step, a Fisher batch) as a
// device graph and launching it as one unit, as CUDA graphs do (the CUDA backends on cuda and cuda-emu). A caller
// (Trainer, the unlearning TrainingLoop, FisherDiagonal) runs each step's body through StepGraph.run: the body's device
// work is captured, not run; the graph is instantiated the first time, then updated in place with each new capture's
// arguments (a learning rate, an optimizer's step count, addresses) while its topology stays the same, re-instantiated
// when it changes, and launched. The body must not read from the device or synchronise (an error naming the call: see
// DeviceRuntime), and its inputs must be the same tensors every time (copy each batch into them first) for the graph
// to update rather than re-instantiate. Results equal the eager step's exactly: the launched graph is the work the
// body asked for, in order.
//
// The switch: graphs are on by default where supported; -Dlethe.cuda.graphs=false or LETHE_CUDA_GRAPHS=0 (the CLI's
// --no-cuda-graphs sets the property) turns them off.
package ai.lethe.backend;

import java.util.Locale;

/** A backend that can capture steps into graphs. */
public interface GraphCapture {
    String PROPERTY = "lethe.cuda.graphs";
    String ENV = "LETHE_CUDA_GRAPHS";

    /** Why steps cannot be captured on this backend now, or null when they can. */
    String graphsUnsupported();

    /** A new, empty step graph (its private memory pool lives until it is closed). */
    StepGraph newStepGraph(String what);

    /** One captured step, launched again with each run. */
    interface StepGraph extends AutoCloseable {
        /** Captures {@code body}'s device work, updates or instantiates the graph, and launches it. */
        void run(Runnable body);

        /** Graph launches so far (one per run). */
        long launches();

        /** Instantiations so far (the first run's, and each after a change of topology). */
        long instantiations();

        /** Runs whose capture updated the instantiated graph in place. */
        long updates();

        @Override void close();
    }

    /**
     * Whether graphs are on by the settings: -Dlethe.cuda.graphs, else LETHE_CUDA_GRAPHS, else on. An
     * IllegalArgumentException naming the setting for a value other than true/false/1/0/on/off.
     */
    static boolean enabledBySettings() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) return parse(p, "-D" + PROPERTY);
        String e = System.getenv(ENV);
        if (e != null && !e.isBlank()) return parse(e, ENV);
        return true;
    }

    static boolean parse(String value, String source) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "on", "yes" -> true;
            case "false", "0", "off", "no" -> false;
            default -> throw new IllegalArgumentException(source + "=" + value + ": expected true or false (1 or 0)");
        };
    }

    /** The capability of {@code backend} (looking through CheckedBackend), or null when it has none. */
    static GraphCapture of(Backend backend) {
        return Backends.implementation(backend) instanceof GraphCapture g ? g : null;
    }
}
