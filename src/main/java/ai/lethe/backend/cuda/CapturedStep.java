// One captured step of the CUDA backend (GraphCapture.StepGraph).
//
// Replay (run(key, body, pass)): the first run captures the body's device work on the context's capture stream,
// allocating from this step's private pool (CudaAllocator.Pool), with its per-step scalars in a step-parameter block
// (StepParameters: the optimizers' kernels read them from device memory); the graph is instantiated, the block
// uploaded and the graph launched on the backend's stream. Every later run with an equal key replays it as it is: the
// host runs the caller's parameter pass (the same optimizer calls, which only write their new scalars into the block,
// CountingRuntime refusing any device work meanwhile), uploads the block (one staged copy) and launches the graph —
// no capture, no autograd, no kernel launch from Java. The intermediates of the captured step stay in the private pool
// for the graph's lifetime, so the replay's addresses are the capture's. A new key (the caller's: shapes, parameter
// set, optimizer layout), or a capture marked unreplayable (it drew random numbers, whose Philox counter goes by
// value), captures again — updating the instantiated graph in place when the topology is unchanged — logged at DEBUG
// with the reason.
//
// run(body) captures every time (the body's arguments may all change) and updates the instantiated graph in place.
//
// A body that fails — a call a capture does not allow, named in the CudaException — has run nothing on the device;
// the capture is discarded (so the next run captures again) and the error rethrown.
package ai.lethe.backend.cuda;

import ai.lethe.backend.GraphCapture;
import java.util.Objects;

/** A graph of one step, replayed or captured again with each run; not thread-safe (one loop drives it). */
final class CapturedStep implements GraphCapture.StepGraph {
    private static final System.Logger LOG = System.getLogger("ai.lethe.backend.cuda.graphs");

    private final CudaContext context;
    private final String what;
    private final CudaAllocator.Pool pool = new CudaAllocator.Pool();
    private final StepParameters parameters;
    private GraphExec exec;
    private Object capturedKey;       // the key of the replayable capture, or null
    private long launches, instantiations, updates, captures, replays;
    private boolean closed;

    CapturedStep(CudaContext context, String what) {
        this.context = context;
        this.what = what;
        this.parameters = new StepParameters(context, what);
    }

    @Override
    public boolean run(Object key, Runnable body, Runnable pass) {
        Objects.requireNonNull(key, "key");
        check();
        String why = whyCapture(key);
        if (why == null) {
            replay(pass);
            return false;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> this + ": capturing (" + why + ")");
        capturedKey = null;
        capture(body, parameters);
        String unreplayable = parameters.unreplayable();
        if (unreplayable == null) capturedKey = key;
        else LOG.log(System.Logger.Level.DEBUG, () -> this + ": captured anew each step: " + unreplayable);
        return true;
    }

    /** Why the step must be captured (a reason for the log), or null when the graph replays as it is. */
    private String whyCapture(Object key) {
        if (exec == null) return "first capture";
        if (capturedKey == null) return parameters.unreplayable() != null ? parameters.unreplayable() + " (captured each step)" : "the last capture was not replayable";
        if (!capturedKey.equals(key)) return "the step changed: " + capturedKey + " -> " + key;
        return null;
    }

    @Override
    public void run(Runnable body) {
        check();
        capturedKey = null;
        capture(body, null);
    }

    private void check() {
        if (closed) throw new IllegalStateException(what + ": the step graph is closed");
    }

    private void replay(Runnable pass) {
        DeviceRuntime rt = context.runtime();
        context.parameterPass(parameters, pass);
        parameters.upload();
        rt.launchGraph(exec, context.baseStream());
        launches++;
        replays++;
    }

    private void capture(Runnable body, StepParameters block) {
        DeviceRuntime rt = context.runtime();
        context.beginCapture(pool, block);
        Graph graph;
        try {
            try {
                body.run();
            } catch (RuntimeException | Error e) {
                try {
                    rt.destroyGraph(context.endCapture());
                } catch (RuntimeException invalidated) {
                    e.addSuppressed(invalidated);
                }
                throw e;
            }
            graph = context.endCapture();
            try {
                if (exec != null && rt.update(exec, graph)) {
                    updates++;
                } else {
                    if (exec != null) rt.destroyGraphExec(exec);
                    exec = null;
                    exec = rt.instantiate(graph);
                    instantiations++;
                }
            } finally {
                rt.destroyGraph(graph);
            }
            captures++;
            if (block != null) block.upload();
            rt.launchGraph(exec, context.baseStream());
            launches++;
        } finally {
            context.finishCapture();
        }
    }

    @Override public long launches() { return launches; }

    @Override public long instantiations() { return instantiations; }

    @Override public long updates() { return updates; }

    @Override public long captures() { return captures; }

    @Override public long replays() { return replays; }

    /** Bytes of device memory the step's private pool holds. */
    long poolBytes() { return pool.bytes(); }

    /** Slots of the step-parameter block the last capture used. */
    int parameterSlots() { return parameters.slots(); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            if (exec != null) context.runtime().destroyGraphExec(exec);
        } finally {
            exec = null;
            parameters.release();
            context.allocator().closePool(pool);
        }
    }

    @Override public String toString() { return "step graph '" + what + "' on " + context.device(); }
}
