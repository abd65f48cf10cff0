// The rules of graph capture both runtimes keep (DeviceRuntime's file comment): which stream each thread captures,
// whether a capture was invalidated by a call it does not allow, and the CudaExceptions those calls get, named as the
// driver names them (CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, _INVALIDATED, _WRONG_THREAD). The emulator keeps each
// capture's GraphRecording here too; the NVIDIA runtime leaves the recording to the driver.
package ai.lethe.backend.cuda;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Capture state of one runtime: thread-safe. */
final class CaptureRules {
    /** One capture in progress. */
    static final class Capture {
        final Stream stream;
        final Thread thread;
        final GraphRecording recording = new GraphRecording();
        volatile String invalidatedBy;   // the call that invalidated it, or null

        Capture(Stream stream, Thread thread) {
            this.stream = stream;
            this.thread = thread;
        }
    }

    private final Map<Long, Capture> byStream = new ConcurrentHashMap<>();
    private final Map<Thread, Capture> byThread = new ConcurrentHashMap<>();

    /** Starts a capture of {@code stream} by the calling thread. */
    Capture begin(Stream stream) {
        if (stream.handle() == 0)
            throw new CudaException("beginCapture", "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", null,
                    "the legacy default stream cannot be captured; capture a stream from createStream");
        Thread t = Thread.currentThread();
        if (byThread.containsKey(t))
            throw new CudaException("beginCapture", "CUDA_ERROR_ILLEGAL_STATE", null,
                    "this thread already captures " + byThread.get(t).stream);
        Capture c = new Capture(stream, t);
        if (byStream.putIfAbsent(stream.handle(), c) != null)
            throw new CudaException("beginCapture", "CUDA_ERROR_ILLEGAL_STATE", null, stream + " is already being captured");
        byThread.put(t, c);
        return c;
    }

    /** Ends the calling thread's capture of {@code stream}; a CudaException when it was invalidated or is not this thread's. */
    Capture end(Stream stream) {
        Capture c = byStream.get(stream.handle());
        if (c == null)
            throw new CudaException("endCapture", "CUDA_ERROR_ILLEGAL_STATE", null, stream + " is not being captured");
        if (c.thread != Thread.currentThread())
            throw new CudaException("endCapture", "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD", null,
                    stream + " is captured by thread " + c.thread.getName());
        byStream.remove(stream.handle());
        byThread.remove(c.thread);
        if (c.invalidatedBy != null)
            throw new CudaException("endCapture", "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", null,
                    "the capture of " + stream + " was invalidated by " + c.invalidatedBy + ", which a capture does not allow");
        return c;
    }

    boolean capturing(Stream stream) { return byStream.containsKey(stream.handle()); }

    /** Whether the calling thread captures a stream. */
    boolean threadCaptures() { return !byThread.isEmpty() && byThread.containsKey(Thread.currentThread()); }

    /**
     * For a call a capture does not allow (a synchronisation, a host copy, an event, an allocation, a graph launch):
     * when the calling thread captures, invalidates its capture and throws the driver's error naming the call.
     */
    void forbid(String call) {
        if (byThread.isEmpty()) return;
        Capture c = byThread.get(Thread.currentThread());
        if (c == null) return;
        if (c.invalidatedBy == null) c.invalidatedBy = call;
        throw new CudaException(call, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", null,
                "not permitted while this thread captures " + c.stream + " into a graph (the capture is invalidated)");
    }

    /**
     * The capture that records work queued on {@code stream} by the calling thread, or null when the stream is not
     * captured; work from another thread on a captured stream, and work on another stream while this thread captures,
     * are errors naming the call.
     */
    Capture recorder(Stream stream, String call) {
        if (byStream.isEmpty()) return null;
        Capture c = byStream.get(stream.handle());
        Thread t = Thread.currentThread();
        if (c == null) {
            Capture mine = byThread.get(t);
            if (mine != null) {
                if (mine.invalidatedBy == null) mine.invalidatedBy = call;
                throw new CudaException(call, "CUDA_ERROR_STREAM_CAPTURE_ISOLATION", null, "queued on " + stream
                        + " while this thread captures " + mine.stream + " (the capture is invalidated)");
            }
            return null;
        }
        if (c.thread != t)
            throw new CudaException(call, "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD", null,
                    stream + " is being captured by thread " + c.thread.getName());
        return c;
    }
}
