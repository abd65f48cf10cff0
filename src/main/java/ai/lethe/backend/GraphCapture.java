// Optional capability of a Backend implementation: capturing a whole step (a training step, a Fisher batch) as a
// device graph and launching it as one unit, as CUDA graphs do (the CUDA backends on cuda and cuda-emu). A caller
// (Trainer, the unlearning TrainingLoop, FisherDiagonal; train.GraphedSteps does it for them) runs each step through
// StepGraph.run(key, body, pass):
// - the first run, and any run whose key differs from the captured one, captures the body's device work (not run),
//   instantiates the graph and launches it;
// - every other run replays the graph as it is: the body does not run; the host runs `pass`, the step's parameter
//   pass — the optimizer's host side (Optimizer.replayStep: its learning rate, step counts and bias corrections),
//   which only writes the step's scalars into the graph's step-parameter block, any device work there being an error
//   — then the block is copied to the device and the graph launched. So a replayed step builds no autograd graph and
//   launches no kernel from Java.
// The body must not read from the device or synchronise (an error naming the call: see DeviceRuntime), its inputs must
// be the same tensors every time (copy each batch into them first: GraphedSteps does), and everything else it reads
// must be the same each step except what the pass writes (a capture that draws random numbers is captured anew each
// step). The key names what the graph depends on besides that (input shapes, the optimizer's layout: its masks and
// state buffers); a new key captures again. Results equal the eager steps' exactly: the graph is the work the body
// asked for, in order, with the scalars the eager step would have passed.
//
// run(body) is the older form: it captures every run and updates the instantiated graph in place with the new
// capture's arguments (the host still builds the whole step).
//
// The switch: graphs are on by default where supported; -Dlethe.cuda.graphs=false or LETHE_CUDA_GRAPHS=0 (the CLI's
// --no-cuda-graphs sets the property) turns them off, for training, unlearning and the Fisher diagonal alike.
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

    /**
     * A ring of device buffers that host data reaches through a copy stream of its own, so the next batch's copy
     * overlaps the current step (on cuda/cuda-emu: the CUDA backend's InputRing).
     */
    InputRing newInputRing(String what);

    /** Host data staged on a copy stream, then taken into a step's input on the backend's stream. */
    interface InputRing extends AutoCloseable {
        /**
         * Fills the next slot's host buffer ({@code fill} writes exactly {@code bytes}), queues its copy to the device on
         * the copy stream and returns the slot, without waiting for the copy.
         */
        int stage(long bytes, java.util.function.Consumer<java.lang.foreign.MemorySegment> fill);

        /** Orders the backend's stream after the slot's copy (an event wait, not a host wait) and copies it into dst. */
        void take(int slot, View dst);

        @Override void close();
    }

    /** One captured step, replayed (or captured again) with each run. */
    interface StepGraph extends AutoCloseable {
        /**
         * Runs one step: captures {@code body} and launches the graph when nothing replayable is captured or {@code key}
         * (compared with equals) differs from the captured step's; otherwise runs {@code pass} (no device work allowed),
         * uploads the step's parameters and launches the captured graph. Returns whether the body ran (was captured).
         */
        boolean run(Object key, Runnable body, Runnable pass);

        /** Captures {@code body}'s device work, updates or instantiates the graph, and launches it (every run). */
        void run(Runnable body);

        /** Graph launches so far (one per run). */
        long launches();

        /** Instantiations so far (the first run's, and each after a change of topology). */
        long instantiations();

        /** Captures that updated the instantiated graph in place. */
        long updates();

        /** Runs that captured the body. */
        long captures();

        /** Runs that replayed the graph without running the body. */
        long replays();

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
