// Steps as device graphs where the backend can capture them (GraphCapture: cuda, cuda-emu) and the caller allows it
// (on by default; Trainer.Builder.cudaGraphs, TrainingLoop.cudaGraphs, FisherDiagonal, -Dlethe.cuda.graphs=false,
// LETHE_CUDA_GRAPHS=0, the CLI's --no-cuda-graphs). Used by the Trainer, the unlearning TrainingLoop and the Fisher
// diagonal.
//
// Each capturable step (a full batch: its shapes are those of every capturable step) after the first WARM_UP of them,
// which run eagerly and create what a step creates once (optimizer state, the device error record), goes through one
// StepGraph: its inputs (the batch's tensors) are copied into tensors of this runner's own, whose addresses the graph
// keeps (device-to-device copies on the backend's stream); the first such step is captured with those tensors as
// its inputs, and every later one with the same key replays the graph as it is — the body does not run; the caller's
// replay pass (the optimizer's replayStep) writes the step's scalars and the graph is launched: one graph launch, a few
// copies, no kernel launched from Java, nothing built on the host. A different key (the caller's: the optimizer's
// layout; plus the inputs' shapes and dtypes) captures again. Steps that are not capturable (the last, partial batch)
// and every step where graphs are off or unsupported run eagerly, with the batch's own tensors. Results are those of
// the eager steps, bit for bit (TrainerGraphsTest, FisherGraphsTest).
//
// Copy/compute overlap (prefetch): a caller that has the next batch on the host before it runs the current step
// stages it on the backend's copy stream (GraphCapture.InputRing: a ring of device buffers, an event per copy that the
// compute stream waits for, an event per take that the next copy into the slot waits for); the step then takes it
// into the graph's inputs on the device, with no host wait. The Trainer and the unlearning TrainingLoop do this when
// graphs are active, their loaders assembling batches on loaderDevice().
package ai.lethe.train;

import ai.lethe.backend.Backends;
import ai.lethe.backend.GraphCapture;
import ai.lethe.core.Device;
import ai.lethe.data.loader.Batch;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/** Runs steps eagerly or as a graph of one device; not thread-safe. */
public final class GraphedSteps implements AutoCloseable {
    /** Capturable steps run eagerly before the first capture. */
    public static final int WARM_UP = 1;

    /** The device work of one step on its inputs. */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs the step on {@code inputs}: the batch's own tensors when eager, this runner's copies of them when
         * captured ({@code graphed}: the work is recorded into a graph, so it must read nothing back from the device).
         */
        void run(List<Tensor> inputs, boolean graphed);
    }

    private final GraphCapture.StepGraph graph;   // null: every step eagerly
    private final String why;                     // why no graph, or null
    private final List<Tensor> statics = new ArrayList<>();
    private final Tensor lossRow;                 // null when no graph
    private final GraphCapture capability;        // null when no graph
    private final Device device;
    private GraphCapture.InputRing ring;          // made by the first prefetch
    private List<Tensor> staged;                  // the host inputs prefetch staged, or null
    private int[] stagedSlots;
    private int eagerCapturable;

    private GraphedSteps(GraphCapture capability, GraphCapture.StepGraph graph, String why, Device device) {
        this.capability = graph == null ? null : capability;
        this.graph = graph;
        this.why = why;
        this.device = device;
        this.lossRow = graph == null ? null : StepWindow.newRow(device);
    }

    /**
     * Starts copying the host inputs of a coming step to the device on a copy stream of its own (GraphCapture.InputRing),
     * so that the copy overlaps the steps before it; the step's run() then takes them (an event wait on the device, no
     * host wait). Only while graphs are active and for capturable steps (returns whether it staged); call it for the
     * next step before running the current one. The inputs may be on any device; they are read on the host.
     */
    public boolean prefetch(boolean capturable, List<Tensor> hostInputs) {
        if (graph == null || !capturable) return false;
        if (staged != null) throw new IllegalStateException("prefetch: the step staged before has not run yet");
        if (ring == null) ring = capability.newInputRing("graphed steps");
        int[] slots = new int[hostInputs.size()];
        for (int i = 0; i < slots.length; i++) {
            Tensor t = hostInputs.get(i).contiguous();
            long bytes = t.numel() * t.dtype().byteSize();
            slots[i] = ring.stage(bytes, segment -> Backends.of(t.device()).read(t.kernelView(), segment));
        }
        staged = hostInputs;
        stagedSlots = slots;
        return true;
    }

    /** The work of one batch in {@link #eachBatch}: {@code inputs} ([images, labels]) is what to hand to run(). */
    @FunctionalInterface
    public interface BatchStep {
        void run(Batch batch, List<Tensor> inputs, int step);
    }

    /**
     * Runs {@code step} on every batch of {@code batches} in order (steps numbered from 0), closing each batch after its
     * step. While graphs are active each batch is staged first (prefetch: the next batch right after the current step
     * is queued, so its copy overlaps that step) and run() takes it from the ring; {@code between} runs after each step
     * and the next batch's staging (the caller's periodic reads go there, so a read does not delay the next copy).
     */
    public void eachBatch(Iterator<Batch> batches, Predicate<Batch> capturable, BatchStep step, Runnable between) {
        Batch batch = batches.hasNext() ? batches.next() : null;
        // the same list object goes to prefetch and to run(): that is how run() knows the inputs were staged
        List<Tensor> inputs = batch == null ? null : List.of(batch.images(), batch.labels());
        if (batch != null) prefetch(capturable.test(batch), inputs);
        for (int n = 0; batch != null; n++) {
            Batch next = null;
            List<Tensor> nextInputs = null;
            try (Batch current = batch) {
                step.run(current, inputs, n);
                if (batches.hasNext()) {
                    next = batches.next();
                    nextInputs = List.of(next.images(), next.labels());
                    prefetch(capturable.test(next), nextInputs);
                }
            } catch (RuntimeException | Error e) {
                if (next != null) next.close();
                throw e;
            }
            batch = next;
            inputs = nextInputs;
            between.run();
        }
    }

    /**
     * A row [loss, correct] on the device that lives as long as this runner (StepWindow.newRow), for a captured step to
     * write its numbers into (a graph keeps the addresses it was captured with); null when steps run eagerly.
     */
    public Tensor lossRow() { return lossRow; }

    /**
     * Steps on {@code device}: captured when {@code enabled} and its backend supports graphs, else eagerly. {@code what}
     * names the step in messages ("training step").
     */
    public static GraphedSteps open(Device device, boolean enabled, String what) {
        if (!enabled) return new GraphedSteps(null, null, "CUDA graphs are switched off", device);
        GraphCapture g = GraphCapture.of(Backends.of(device));
        if (g == null) return new GraphedSteps(null, null, device + " has no graphs", device);
        String why = g.graphsUnsupported();
        return why != null ? new GraphedSteps(g, null, why, device) : new GraphedSteps(g, g.newStepGraph(what), null, device);
    }

    /**
     * The device a DataLoader should assemble this runner's batches on: the host (cpu when that backend is available,
     * else ref) when steps are captured — prefetch then copies each full batch on the copy stream while the step before
     * it runs, and run() uploads the others — else the steps' own device.
     */
    public Device loaderDevice() {
        if (graph == null) return device;
        return Backends.byName("cpu").availability().available() ? Device.CPU : Device.REF;
    }

    /** Whether capturable steps are captured (after the warm-up). */
    public boolean active() { return graph != null; }

    /** Why steps run eagerly, or null when they are captured. */
    public String whyEager() { return why; }

    /**
     * Runs one step on {@code inputs}: {@code body} eagerly, or as a graph when this runner is active, the step is
     * {@code capturable} and the warm-up is over — captured (the body runs on this runner's copies of the inputs) when
     * nothing is captured yet or {@code key} differs from the captured step's, else replayed ({@code replayPass} runs
     * instead of the body). Returns whether the step ran as a graph.
     */
    public boolean run(boolean capturable, Object key, List<Tensor> inputs, Body body, Runnable replayPass) {
        if (graph == null || !capturable || eagerCapturable < WARM_UP) {
            List<Tensor> made = new ArrayList<>();
            try {
                body.run(onDevice(inputs, made), false);
            } finally {
                made.forEach(Tensor::close);
            }
            if (capturable) eagerCapturable++;
            return false;
        }
        List<Object> fullKey = new ArrayList<>(inputs.size() + 1);
        fullKey.add(key);
        for (Tensor t : inputs) fullKey.add(t.shape() + " " + t.dtype());
        List<Tensor> in = staticInputs(inputs);
        graph.run(fullKey, () -> body.run(in, true), replayPass);
        return true;
    }

    /**
     * The inputs of an eager step on this runner's device: themselves, or copies (added to {@code made}, which the caller
     * closes) — taken from the ring when prefetch staged them, else uploaded.
     */
    private List<Tensor> onDevice(List<Tensor> inputs, List<Tensor> made) {
        if (staged == inputs) {
            for (Tensor t : inputs) made.add(Scope.unscoped(() -> Tensor.empty(t.shape(), t.dtype(), device)));
            take(made);
            return made;
        }
        List<Tensor> out = new ArrayList<>(inputs.size());
        for (Tensor t : inputs) {
            if (t.device().equals(device)) {
                out.add(t);
            } else {
                Tensor d = Scope.unscoped(() -> t.to(device));
                made.add(d);
                out.add(d);
            }
        }
        return out;
    }

    /** Takes the staged inputs into {@code into} (same shapes and dtypes) on the device. */
    private void take(List<Tensor> into) {
        for (int i = 0; i < into.size(); i++) ring.take(stagedSlots[i], into.get(i).kernelView());
        staged = null;
        stagedSlots = null;
    }

    /**
     * This runner's tensors for {@code inputs} (made again when a shape or dtype changes), holding their values: taken
     * from the ring when prefetch staged them, else copied on the device (a host input: uploaded).
     */
    private List<Tensor> staticInputs(List<Tensor> inputs) {
        boolean same = statics.size() == inputs.size();
        for (int i = 0; same && i < inputs.size(); i++)
            same = statics.get(i).shape().equals(inputs.get(i).shape()) && statics.get(i).dtype() == inputs.get(i).dtype();
        if (!same) {
            statics.forEach(Tensor::close);
            statics.clear();
            for (Tensor t : inputs) statics.add(Scope.unscoped(() -> Tensor.empty(t.shape(), t.dtype(), device)));
        }
        if (staged == inputs) {
            take(statics);
            return statics;
        }
        try (var _ = GradMode.noGrad()) {
            for (int i = 0; i < inputs.size(); i++) statics.get(i).copyFrom(inputs.get(i));
        }
        return statics;
    }

    /** Graph launches so far (each a whole step). */
    public long graphLaunches() { return graph == null ? 0 : graph.launches(); }

    /** Graph instantiations so far (the first capture's, and each after a change of topology). */
    public long instantiations() { return graph == null ? 0 : graph.instantiations(); }

    /** Steps captured so far (the first graphed step, and each after a change of key). */
    public long captures() { return graph == null ? 0 : graph.captures(); }

    /** Steps replayed without running their body. */
    public long replays() { return graph == null ? 0 : graph.replays(); }

    @Override public void close() {
        try {
            if (ring != null) ring.close();
            if (graph != null) graph.close();
        } finally {
            statics.forEach(Tensor::close);
            statics.clear();
            if (lossRow != null) lossRow.close();
        }
    }
}
