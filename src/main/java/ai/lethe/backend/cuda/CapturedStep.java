// One captured step of the CUDA backend (GraphCapture.StepGraph): each run captures the body's device work on the
// context's capture stream, allocating from this step's private pool (CudaAllocator.Pool), then updates the
// instantiated graph with the new capture (DeviceRuntime.update: same topology, new arguments) or instantiates it
// afresh, and launches it on the backend's stream. A body that fails — a call a capture does not allow, named in the
// CudaException — has run nothing on the device; the capture is discarded and the error rethrown.
package ai.lethe.backend.cuda;

import ai.lethe.backend.GraphCapture;

/** A graph of one step, launched again with each run; not thread-safe (one training loop drives it). */
final class CapturedStep implements GraphCapture.StepGraph {
    private final CudaContext context;
    private final String what;
    private final CudaAllocator.Pool pool = new CudaAllocator.Pool();
    private GraphExec exec;
    private long launches, instantiations, updates;
    private boolean closed;

    CapturedStep(CudaContext context, String what) {
        this.context = context;
        this.what = what;
    }

    @Override
    public void run(Runnable body) {
        if (closed) throw new IllegalStateException(what + ": the step graph is closed");
        DeviceRuntime rt = context.runtime();
        context.beginCapture(pool);
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
            rt.launchGraph(exec, context.baseStream());
            launches++;
        } finally {
            context.finishCapture();
        }
    }

    @Override public long launches() { return launches; }

    @Override public long instantiations() { return instantiations; }

    @Override public long updates() { return updates; }

    /** Bytes of device memory the step's private pool holds. */
    long poolBytes() { return pool.bytes(); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            if (exec != null) context.runtime().destroyGraphExec(exec);
        } finally {
            exec = null;
            context.allocator().closePool(pool);
        }
    }

    @Override public String toString() { return "step graph '" + what + "' on " + context.device(); }
}
