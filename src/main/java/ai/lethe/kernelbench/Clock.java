// How `lethe bench` times one repetition of a case. On a CUDA device (cuda, cuda-emu) two device events are recorded
// on the backend's stream around the work and the elapsed time is read from them (what the device spent between
// the two points of the stream, not the host's launch time); elsewhere (cpu, ref: their kernels return when the
// work is done) the host's monotonic wall clock around the call.
package ai.lethe.kernelbench;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.cuda.CudaBackend;
import ai.lethe.backend.cuda.CudaContext;
import ai.lethe.backend.cuda.DeviceRuntime;
import ai.lethe.backend.cuda.Event;

/** Times a piece of work on one backend; close() releases what it holds (events). */
public sealed interface Clock extends AutoCloseable permits Clock.Wall, Clock.DeviceEvents {

    /** Milliseconds {@code work} took, the work complete when this returns. */
    double millis(Runnable work);

    /** Waits for everything queued so far (device errors surface here). */
    void finish();

    /** What the times are, for the report: "CUDA events on the backend's stream" or "wall clock". */
    String method();

    @Override void close();

    /** The clock for {@code backend}: device events on a CUDA backend (looking through CheckedBackend), else wall time. */
    static Clock of(Backend backend) {
        return Backends.implementation(backend) instanceof CudaBackend cuda ? new DeviceEvents(cuda.context()) : new Wall();
    }

    /** The host's System.nanoTime around a call whose work is complete when it returns (cpu, ref). */
    record Wall() implements Clock {
        @Override public double millis(Runnable work) {
            long t0 = System.nanoTime();
            work.run();
            return (System.nanoTime() - t0) / 1e6;
        }

        @Override public void finish() {}

        @Override public String method() { return "wall clock (System.nanoTime around the call)"; }

        @Override public void close() {}
    }

    /** Two events recorded on the backend's stream before and after the work; elapsed time from the runtime. */
    final class DeviceEvents implements Clock {
        private final CudaContext context;
        private final DeviceRuntime runtime;
        private final Event start, end;

        DeviceEvents(CudaContext context) {
            this.context = context;
            this.runtime = context.runtime();
            this.start = runtime.createEvent();
            Event e;
            try {
                e = runtime.createEvent();
            } catch (RuntimeException ex) {
                runtime.destroyEvent(start);
                throw ex;
            }
            this.end = e;
        }

        @Override public double millis(Runnable work) {
            runtime.record(start, context.stream());
            work.run();
            runtime.record(end, context.stream());
            runtime.synchronize(end);
            return runtime.elapsedMillis(start, end);
        }

        @Override public void finish() { context.synchronize(); }

        @Override public String method() { return "CUDA events recorded on the backend's stream around each run"; }

        @Override public void close() {
            runtime.destroyEvent(start);
            runtime.destroyEvent(end);
        }
    }
}
