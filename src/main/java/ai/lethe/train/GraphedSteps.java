// Training steps as device graphs where the backend can capture them (GraphCapture: cuda, cuda-emu) and the caller
// allows it (on by default; Trainer.Builder.cudaGraphs, -Dlethe.cuda.graphs=false, LETHE_CUDA_GRAPHS=0, the CLI's
// --no-cuda-graphs): each capturable step (a full batch: the shape is fixed) after the first WARM_UP of them, which
// run eagerly and create what a step creates once (optimizer state, the device error record), is captured and
// launched as one graph; the graph updates in place with each step's new arguments (the learning rate, an optimizer's
// step count, the batch's addresses), so a step costs one graph launch. Steps that are not capturable (the last,
// partial batch) and every step where graphs are off or unsupported run eagerly. Results are those of the eager steps,
// bit for bit (the graph is the step's own work, in order): TrainerGraphsTest compares weights.
package ai.lethe.train;

import ai.lethe.backend.Backends;
import ai.lethe.backend.GraphCapture;
import ai.lethe.core.Device;

/** Runs steps eagerly or as a graph of one device; not thread-safe. */
public final class GraphedSteps implements AutoCloseable {
    /** Capturable steps run eagerly before the first capture. */
    public static final int WARM_UP = 1;

    private final GraphCapture.StepGraph graph;   // null: every step eagerly
    private final String why;                     // why no graph, or null
    private int eagerCapturable;

    private GraphedSteps(GraphCapture.StepGraph graph, String why) {
        this.graph = graph;
        this.why = why;
    }

    /**
     * Steps on {@code device}: captured when {@code enabled} and its backend supports graphs, else eagerly. {@code what}
     * names the step in messages ("training step").
     */
    public static GraphedSteps open(Device device, boolean enabled, String what) {
        if (!enabled) return new GraphedSteps(null, "CUDA graphs are switched off");
        GraphCapture g = GraphCapture.of(Backends.of(device));
        if (g == null) return new GraphedSteps(null, device + " has no graphs");
        String why = g.graphsUnsupported();
        return why != null ? new GraphedSteps(null, why) : new GraphedSteps(g.newStepGraph(what), null);
    }

    /** Whether capturable steps are captured (after the warm-up). */
    public boolean active() { return graph != null; }

    /** Why steps run eagerly, or null when they are captured. */
    public String whyEager() { return why; }

    /**
     * Runs one step: {@code body} eagerly, or captured and launched as a graph when this runner is active, the step is
     * {@code capturable} (its shapes are those of every capturable step) and the warm-up is over.
     */
    public void run(boolean capturable, Runnable body) {
        if (graph == null || !capturable || eagerCapturable < WARM_UP) {
            body.run();
            if (capturable) eagerCapturable++;
            return;
        }
        graph.run(body);
    }

    /** Graph launches so far (each a whole step). */
    public long graphLaunches() { return graph == null ? 0 : graph.launches(); }

    /** Graph instantiations so far (the first capture's, and each after a change of topology). */
    public long instantiations() { return graph == null ? 0 : graph.instantiations(); }

    @Override public void close() {
        if (graph != null) graph.close();
    }
}
