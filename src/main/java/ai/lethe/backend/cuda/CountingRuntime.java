// A DeviceRuntime that counts what is asked of the one it wraps (DeviceCounters) and forwards every call unchanged.
// CudaBackend puts one between its families and the runtime it opens, so every launch, GEMM, synchronisation,
// allocation and host copy the backend makes is counted the same way on a GPU (NvidiaRuntime) and on the emulator
// (EmulatedRuntime). While a replayed step's parameter pass runs (CudaContext.parameterPass), every call of the passing
// thread that would queue device work, allocate or synchronise is refused with an IllegalStateException naming it: a
// replayed step does its device work only in its graph. Capabilities the wrapped runtime offers beyond the interface (EmulatedRuntime's launch shapes,
// PinnedHostMemory) are found through delegate(). CountingRuntimeTest checks that every method of DeviceRuntime,
// defaults included, is forwarded here, so a method added to the interface cannot silently bypass the wrapped runtime.
package ai.lethe.backend.cuda;

import ai.lethe.backend.Precision;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;

/** Counts the calls made of a DeviceRuntime; thread-safe. */
public final class CountingRuntime implements DeviceRuntime {
    private final DeviceRuntime delegate;
    private final AtomicLong launches = new AtomicLong(), gemms = new AtomicLong(), syncs = new AtomicLong(),
            eventWaits = new AtomicLong(), allocs = new AtomicLong(), h2dCopies = new AtomicLong(),
            h2dBytes = new AtomicLong(), d2hCopies = new AtomicLong(), d2hBytes = new AtomicLong(),
            captured = new AtomicLong(), graphLaunches = new AtomicLong(), d2dCopies = new AtomicLong(),
            asyncH2dCopies = new AtomicLong();
    private final java.util.Set<Stream> nonBlocking = java.util.concurrent.ConcurrentHashMap.newKeySet();   // copy streams

    private volatile Thread refusing;     // the thread whose device work is refused (a parameter pass), or null
    private volatile String refusal;

    /**
     * Refuses, from now on, every call that would queue device work, allocate or synchronise when made by {@code thread}
     * (an IllegalStateException naming the call and {@code why}); null lifts the refusal. One thread at a time.
     */
    void refuseWork(Thread thread, String why) {
        refusal = why;
        refusing = thread;
    }

    private void allowed(String call) {
        if (refusing != null && refusing == Thread.currentThread())
            throw new IllegalStateException(call + " during " + refusal);
    }

    public CountingRuntime(DeviceRuntime delegate) {
        if (delegate instanceof CountingRuntime) throw new IllegalArgumentException("CountingRuntime: the runtime is already counted");
        this.delegate = delegate;
    }

    /** The runtime this one counts for. */
    public DeviceRuntime delegate() { return delegate; }

    /** {@code rt} itself, or the runtime it counts for when it is a CountingRuntime. */
    public static DeviceRuntime unwrap(DeviceRuntime rt) { return rt instanceof CountingRuntime c ? c.delegate : rt; }

    /** The counts so far. */
    public DeviceCounters counters() {
        KernelBytes bytes = delegate.kernelBytes();
        return new DeviceCounters(launches.get(), gemms.get(), syncs.get(), eventWaits.get(), allocs.get(), h2dCopies.get(),
                h2dBytes.get(), d2hCopies.get(), d2hBytes.get(), captured.get(), graphLaunches.get(), d2dCopies.get(),
                bytes.read(), bytes.written(), asyncH2dCopies.get());
    }

    @Override public String description() { return delegate.description(); }

    /** Counted as a device allocation when called (whether or not the runtime has the memory). */
    @Override public long alloc(long bytes) {
        allowed("alloc");
        allocs.incrementAndGet();
        return delegate.alloc(bytes);
    }

    @Override public void free(long devicePointer) { delegate.free(devicePointer); }

    @Override public void copyHostToDevice(long dst, MemorySegment src, long bytes, Stream stream) {
        allowed("copyHostToDevice");
        h2dCopies.incrementAndGet();
        h2dBytes.addAndGet(bytes);
        if (nonBlocking.contains(stream)) asyncH2dCopies.incrementAndGet();
        delegate.copyHostToDevice(dst, src, bytes, stream);
    }

    @Override public void copyDeviceToHost(MemorySegment dst, long src, long bytes, Stream stream) {
        allowed("copyDeviceToHost");
        d2hCopies.incrementAndGet();
        d2hBytes.addAndGet(bytes);
        delegate.copyDeviceToHost(dst, src, bytes, stream);
    }

    /** Whether the operation about to be forwarded is captured (counted as such) rather than run. */
    private boolean captured(Stream stream) {
        if (!delegate.capturing(stream)) return false;
        captured.incrementAndGet();
        return true;
    }

    @Override public void copyDeviceToDevice(long dst, long src, long bytes, Stream stream) {
        allowed("copyDeviceToDevice");
        if (!captured(stream)) d2dCopies.incrementAndGet();
        delegate.copyDeviceToDevice(dst, src, bytes, stream);
    }

    @Override public void memset8(long dst, int value, long count, Stream stream) {
        allowed("memset8");
        captured(stream);
        delegate.memset8(dst, value, count, stream);
    }

    @Override public void memset32(long dst, int value, long count, Stream stream) {
        allowed("memset32");
        captured(stream);
        delegate.memset32(dst, value, count, stream);
    }

    @Override public void setMaxDynamicSharedMemory(String kernel, int bytes) { delegate.setMaxDynamicSharedMemory(kernel, bytes); }

    @Override public void launch(String kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, Stream stream, KernelArgs args) {
        allowed("launch of " + kernel);
        if (!captured(stream)) launches.incrementAndGet();
        delegate.launch(kernel, grid, block, dynamicSharedBytes, stream, args);
    }

    @Override public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                                float beta, long c, int ldc, Stream stream, Precision precision) {
        allowed("sgemm");
        if (!captured(stream)) gemms.incrementAndGet();
        delegate.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, stream, precision);
    }

    @Override public void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                                              long strideA, long b, int ldb, long strideB, float beta, long c, int ldc,
                                              long strideC, int batch, Stream stream, Precision precision) {
        allowed("sgemmStridedBatched");
        if (!captured(stream)) gemms.incrementAndGet();
        delegate.sgemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC,
                batch, stream, precision);
    }

    /**
     * Counted as one GEMM call, and as one kernel launch more when the wrapped runtime added the bias with a kernel after
     * its GEMM (it returned false: no epilogue, e.g. a GPU without cuBLASLt), so the counts are what ran.
     */
    @Override public boolean sgemmBias(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long b, int ldb,
                                       long bias, long c, int ldc, Stream stream, Precision precision, LongUnaryOperator workspace) {
        allowed("sgemmBias");
        boolean captured = captured(stream);
        if (!captured) gemms.incrementAndGet();
        boolean fused = delegate.sgemmBias(transA, transB, m, n, k, a, lda, b, ldb, bias, c, ldc, stream, precision, workspace);
        if (!fused) (captured ? this.captured : launches).incrementAndGet();
        return fused;
    }

    @Override public boolean gemmBiasFused() { return delegate.gemmBiasFused(); }

    @Override public String gemmEpilogueStatus() { return delegate.gemmEpilogueStatus(); }

    @Override public Stream createStream() { return delegate.createStream(); }

    @Override public Stream createNonBlockingStream() {
        Stream s = delegate.createNonBlockingStream();
        nonBlocking.add(s);
        return s;
    }

    @Override public void destroyStream(Stream stream) {
        nonBlocking.remove(stream);
        delegate.destroyStream(stream);
    }

    @Override public void synchronize(Stream stream) {
        allowed("synchronize(stream)");
        syncs.incrementAndGet();
        delegate.synchronize(stream);
    }

    @Override public Event createEvent() { return delegate.createEvent(); }

    @Override public void destroyEvent(Event event) { delegate.destroyEvent(event); }

    @Override public void record(Event event, Stream stream) {
        allowed("record(event)");
        delegate.record(event, stream);
    }

    @Override public void synchronize(Event event) {
        allowed("synchronize(event)");
        eventWaits.incrementAndGet();
        delegate.synchronize(event);
    }

    @Override public void waitEvent(Stream stream, Event event) {
        allowed("waitEvent");
        delegate.waitEvent(stream, event);
    }

    @Override public void beginCapture(Stream stream) { delegate.beginCapture(stream); }

    @Override public Graph endCapture(Stream stream) { return delegate.endCapture(stream); }

    @Override public boolean capturing(Stream stream) { return delegate.capturing(stream); }

    @Override public GraphExec instantiate(Graph graph) { return delegate.instantiate(graph); }

    @Override public boolean update(GraphExec exec, Graph graph) { return delegate.update(exec, graph); }

    /** Counted as one graph launch (the operations inside are not counted again). */
    @Override public void launchGraph(GraphExec exec, Stream stream) {
        allowed("launchGraph");
        graphLaunches.incrementAndGet();
        delegate.launchGraph(exec, stream);
    }

    @Override public void destroyGraph(Graph graph) { delegate.destroyGraph(graph); }

    @Override public void destroyGraphExec(GraphExec exec) { delegate.destroyGraphExec(exec); }

    /** Counted as a device allocation, as alloc. */
    @Override public long allocDuringCapture(long bytes) {
        allowed("allocDuringCapture");
        allocs.incrementAndGet();
        return delegate.allocDuringCapture(bytes);
    }

    @Override public float elapsedMillis(Event start, Event end) { return delegate.elapsedMillis(start, end); }

    @Override public MemoryCounters memory() { return delegate.memory(); }

    @Override public Optional<CudnnConvolutions> cudnn() { return delegate.cudnn(); }

    @Override public String cudnnStatus() { return delegate.cudnnStatus(); }

    @Override public long launches() { return delegate.launches(); }

    @Override public KernelBytes kernelBytes() { return delegate.kernelBytes(); }

    @Override public void close() { delegate.close(); }

    @Override public String toString() { return "counted " + delegate; }
}
