// What every kernel family of the CUDA backend shares: the runtime (counted: CountingRuntime, DeviceCounters), the
// stream the backend queues its work on, the caching allocator, the host staging buffers, and the common moves — a
// view's device pointer, a 1-D grid-stride launch, temporaries, and the strided copy and fill (memory.cu) the families
// also use to stage operands. One per CudaBackend.
//
// Pointers handed to kernels are the storage's base pointer; a view's element offset travels in its StridedArg (or
// is added by elementPointer for kernels that take contiguous buffers).
//
// Adding an op to a family: a kernel in cuda-kernels/<family>.cu (LETHE_KERNEL, shapes in a comment on every buffer
// parameter, strided views as `StridedView` parameters from strided.cuh); in Java, check dtypes (CudaMath.requireDType
// gives the cpu backend's messages), copy an input that overlaps the output away (temps().separate), pack the views
// with StridedArg.coalesce(op, shape, views...)[i].put(args) in the kernel's parameter order, launch on this
// context's stream (launch1d for grid-stride kernels), and remove the op from the test suite's KnownMissing list
// (CudaKnownMissingTest insists); the conformance suite then compares it with ref on cuda-emu.
//
// Data-dependent errors (an index out of range) are found by the kernel, which records the first one in this
// context's DeviceErrors record; synchronize() — and so every read() — checks it and throws an
// IndexOutOfBoundsException naming the op, the value and the bound (DESIGN.md: such errors may surface at the next
// synchronisation, as PyTorch's device-side asserts do). The record's copy rides on that synchronisation: one
// synchronize() is one runtime.synchronize(stream) unless an error was found.
//
// Graph capture (CapturedStep): while a thread captures, stream() is, for that thread only, the context's capture
// stream (the legacy default stream cannot be captured), so every family's work lands in the graph; the graph is then
// launched on the backend's stream, in order with everything else. Other threads (the loader's uploads) keep the
// backend's stream meanwhile.
package ai.lethe.backend.cuda;

import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/** The device, stream and allocator of one CUDA backend, with the helpers its families share. */
public final class CudaContext {
    /** Threads per block of the elementwise (grid-stride) kernels. */
    public static final int BLOCK = 256;
    /** The most blocks a grid-stride launch uses on a GPU (each thread then walks several elements). */
    public static final int MAX_GRID = 4096;
    /**
     * The most blocks on the emulator, where every thread is a fiber to create and schedule: the kernels are
     * grid-stride loops, so a smaller grid computes the same result with fewer, longer-running threads (3-5 times
     * faster there for elementwise kernels over a million elements), and 256 blocks still spread over its workers.
     */
    public static final int MAX_GRID_EMULATED = 256;

    private final Device device;
    private final CountingRuntime runtime;
    private final Stream stream;
    private final CudaAllocator allocator;
    private final int maxGrid;
    private final DeviceErrors errors;
    private final HostStaging staging;
    private volatile Thread capturing;     // the thread whose stream() is the capture stream, or null
    private Stream captureStream;          // created on first capture
    private volatile Thread parameterThread;        // the thread capturing or passing with `parameters`, or null
    private volatile StepParameters parameters;     // the step-parameter block in use by that thread

    /** A context over {@code runtime} (the allocator must allocate through the same counted runtime). */
    CudaContext(Device device, CountingRuntime runtime, Stream stream, CudaAllocator allocator) {
        this.device = device;
        this.runtime = runtime;
        this.stream = stream;
        this.allocator = allocator;
        this.maxGrid = runtime.delegate() instanceof EmulatedRuntime ? MAX_GRID_EMULATED : MAX_GRID;  // see emulated()
        this.errors = new DeviceErrors(runtime, stream);
        this.staging = new HostStaging(runtime, stream);
    }

    public Device device() { return device; }

    /** The runtime, behind the CountingRuntime that counts what the backend asks of it. */
    public DeviceRuntime runtime() { return runtime; }

    /** What the backend has asked of the device so far (launches, synchronisations, allocations, copies). */
    public DeviceCounters counters() { return runtime.counters(); }

    /** The host staging buffers of write() and read(). */
    HostStaging staging() { return staging; }

    /** The stream every op of the backend is queued on (for a thread capturing a graph: the capture stream). */
    public Stream stream() { return capturing == Thread.currentThread() ? captureStream : stream; }

    /** The backend's stream, whichever thread asks (graphs are launched there). */
    Stream baseStream() { return stream; }

    /** Starts a capture by the calling thread into the runtime's graph, allocating from {@code pool}. */
    void beginCapture(CudaAllocator.Pool pool) { beginCapture(pool, null); }

    /**
     * Starts a capture by the calling thread into the runtime's graph, allocating from {@code pool}; ops with per-step
     * scalars take them from {@code parameters} (null: by value, as eagerly).
     */
    synchronized void beginCapture(CudaAllocator.Pool pool, StepParameters parameters) {
        if (capturing != null) throw new IllegalStateException("graph capture: thread " + capturing.getName() + " is already capturing on " + device);
        if (captureStream == null) captureStream = runtime.createStream();
        allocator.beginCapture(pool);
        try {
            runtime.beginCapture(captureStream);
        } catch (RuntimeException e) {
            allocator.endCapture();
            throw e;
        }
        capturing = Thread.currentThread();
        if (parameters != null) {
            parameters.capture();
            this.parameters = parameters;
            parameterThread = capturing;
        }
    }

    /** Ends the calling thread's capture and returns its graph (the allocator's capture ends in finishCapture). */
    synchronized Graph endCapture() {
        if (capturing != Thread.currentThread()) throw new IllegalStateException("graph capture: this thread is not capturing");
        capturing = null;
        endParameters(false);
        return runtime.endCapture(captureStream);
    }

    /** After the graph of a capture is launched (or the capture failed): the allocator serves everyone as before. */
    void finishCapture() { allocator.endCapture(); }

    /**
     * Runs a replayed step's parameter pass on the calling thread: ops with per-step scalars write them into
     * {@code parameters}' slots, and any device work (a launch, copy, GEMM, allocation or synchronisation) is an
     * IllegalStateException naming it (CountingRuntime).
     */
    void parameterPass(StepParameters parameters, Runnable pass) {
        Thread t = Thread.currentThread();
        synchronized (this) {
            if (parameterThread != null) throw new IllegalStateException("parameter pass: thread " + parameterThread.getName() + " already uses a step-parameter block");
            parameters.pass();
            this.parameters = parameters;
            parameterThread = t;
        }
        runtime.refuseWork(t, "a replayed step's parameter pass (it only sets the step's scalars; the graph does the work)");
        boolean done = false;
        try {
            pass.run();
            done = true;
        } finally {
            runtime.refuseWork(null, null);
            synchronized (this) { endParameters(done); }
        }
    }

    /** Stops the calling thread's use of its step-parameter block; {@code check}: a pass must have set every slot. */
    private void endParameters(boolean check) {
        StepParameters p = parameters;
        if (p != null && parameterThread == Thread.currentThread()) {
            parameters = null;
            parameterThread = null;
            p.finish(check);
        }
    }

    /** The step-parameter block the calling thread captures or passes with, or null (eager: scalars by value). */
    StepParameters stepParameters() { return parameterThread == Thread.currentThread() ? parameters : null; }

    /**
     * Tells the capture in progress on the calling thread, if any, that it queued work whose by-value arguments change
     * every step ({@code why}): its graph cannot be replayed as it is.
     */
    void unreplayable(String why) {
        StepParameters p = stepParameters();
        if (p != null) p.unreplayable(why);
    }

    public CudaAllocator allocator() { return allocator; }

    /** The device-side error record (index ops' out-of-range indices), checked by {@link #synchronize}. */
    public DeviceErrors errors() { return errors; }

    /**
     * Waits for every queued op; device faults surface here at the latest, and so do data-dependent errors the kernels
     * recorded (DeviceErrors: an IndexOutOfBoundsException naming the op).
     */
    public void synchronize() {
        long issued = staging.issued();   // staged copies queued before this point are done once it returns
        boolean check = errors.queueCheck();
        runtime.synchronize(stream);
        staging.completedThrough(issued);
        if (check) errors.check();
    }

    /** A new storage of {@code bytes} bytes on this device, uninitialised. */
    public CudaStorage allocate(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("allocate: negative size " + bytes);
        return new CudaStorage(device, allocator, allocator.allocate(Math.max(bytes, 1), stream), bytes);
    }

    /** Temporaries for one op, released together (try-with-resources). */
    public CudaTemps temps() { return new CudaTemps(this); }

    // ---- pointers and launches ---------------------------------------------------------------------------------

    /** The device pointer of a view's storage (its byte 0); an IllegalArgumentException naming the op otherwise. */
    public long basePointer(String op, View v) {
        Storage s = v.storage();
        if (!(s instanceof CudaStorage c) || c.allocator() != allocator)
            throw new IllegalArgumentException(op + ": needs a view on " + device + ", got a storage on " + s.device());
        return c.pointer();
    }

    /** The device pointer of a view's element [0, ..., 0] (for kernels that take a contiguous buffer). */
    public long elementPointer(String op, View v) { return basePointer(op, v) + v.byteOffset(); }

    /**
     * Whether the device is the emulator, where launch shapes may be chosen smaller (fewer fibers) for the same
     * kernels and results: grids (maxGrid) and, for block reductions, threads per block.
     */
    public boolean emulated() { return maxGrid == MAX_GRID_EMULATED; }

    /** The most blocks of a grid-stride launch on this device (MAX_GRID, or MAX_GRID_EMULATED on the emulator). */
    public int maxGrid() { return maxGrid; }

    /** The grid of a grid-stride launch over n elements on a GPU: ceil(n / BLOCK) blocks, at most MAX_GRID. */
    public static Dim3 gridFor(long n) { return Dim3.of((int) Math.max(1, Math.min(MAX_GRID, (n + BLOCK - 1) / BLOCK))); }

    /** The grid of a grid-stride launch over n elements on this device: ceil(n / BLOCK) blocks, at most maxGrid(). */
    public Dim3 grid(long n) { return Dim3.of((int) Math.max(1, Math.min(maxGrid, (n + BLOCK - 1) / BLOCK))); }

    /** Launches a grid-stride kernel over n elements (BLOCK threads a block) on the backend's stream. */
    public void launch1d(String kernel, long n, KernelArgs args) {
        runtime.launch(kernel, grid(n), Dim3.of(BLOCK), 0, stream(), args);
    }

    /** Launches with an explicit shape on the backend's stream. */
    public void launch(String kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, KernelArgs args) {
        runtime.launch(kernel, grid, block, dynamicSharedBytes, stream(), args);
    }

    /** The element-type code kernels take (memory.cu: 0 float32, 1 float64, 2 int64). */
    public static int dtypeCode(DType t) {
        return switch (t) {
            case FLOAT32 -> 0;
            case FLOAT64 -> 1;
            case INT64 -> 2;
        };
    }

    // ---- copy and fill ---------------------------------------------------------------------------------------

    /** dst = src elementwise (same shape), converting dtypes as the SPI's copy does. */
    public void copy(View src, View dst) {
        long n = dst.numel();
        if (n == 0 || sameLayout(src, dst)) return;
        if (src.dtype() == dst.dtype() && src.isContiguous() && dst.isContiguous()) {
            long bytes = n * dst.dtype().byteSize();
            if (!overlaps(src, dst)) {
                runtime.copyDeviceToDevice(elementPointer("copy", dst), elementPointer("copy", src), bytes, stream());
                return;
            }
        }
        if (overlaps(src, dst)) {
            try (CudaTemps t = temps()) {
                View away = t.allocate(src.dtype(), src.shape());
                copy(src, away);
                copy(away, dst);
            }
            return;
        }
        StridedArg[] v = StridedArg.coalesce("copy", dst.shape(), src, dst);
        KernelArgs args = new KernelArgs().pointer(basePointer("copy", src)).i32(dtypeCode(src.dtype()));
        v[0].put(args).pointer(basePointer("copy", dst)).i32(dtypeCode(dst.dtype()));
        v[1].put(args).i64(n);
        launch1d("copy_strided", n, args);
    }

    /** Every element of dst = value (converted to its dtype). */
    public void fill(View dst, double value) {
        long n = dst.numel();
        if (n == 0) return;
        if (dst.dtype() == DType.FLOAT32 && dst.isContiguous()) {
            launch1d("fill_f32", n / 4 + 1, new KernelArgs().pointer(elementPointer("fill", dst)).f32((float) value).i64(n));
            return;
        }
        StridedArg v = StridedArg.of("fill", dst);
        KernelArgs args = new KernelArgs().pointer(basePointer("fill", dst)).i32(dtypeCode(dst.dtype()));
        v.put(args).f64(value).i64(n);
        launch1d("fill_strided", n, args);
    }

    /** Whether two views address exactly the same elements in the same order. */
    public static boolean sameLayout(View a, View b) {
        return a.storage() == b.storage() && a.dtype() == b.dtype() && a.offset() == b.offset()
                && Arrays.equals(a.shape(), b.shape()) && Arrays.equals(a.strides(), b.strides());
    }

    /** Whether the byte ranges two views span intersect (conservative: strided views may interleave without sharing). */
    public static boolean overlaps(View a, View b) {
        if (a.storage() != b.storage() || a.numel() == 0 || b.numel() == 0) return false;
        long[] ra = span(a), rb = span(b);
        return ra[0] < rb[1] && rb[0] < ra[1];
    }

    /** [first byte, end byte) of a non-empty view. */
    private static long[] span(View v) {
        long lo = v.offset(), hi = v.offset();
        for (int d = 0; d < v.rank(); d++) {
            long step = (v.dim(d) - 1) * v.stride(d);
            if (step < 0) lo += step;
            else hi += step;
        }
        int e = v.dtype().byteSize();
        return new long[] {lo * e, (hi + 1) * e};
    }
}
