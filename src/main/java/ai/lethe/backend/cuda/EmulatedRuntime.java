// The emulated CUDA device: a DeviceRuntime bound through FFM to liblethe_cudaemu.so (cuda-kernels/emu/), which
// runs Lethe's CUDA kernels on the CPU with the hardware's rules enforced. Every non-zero status becomes an
// EmulatorException naming the call, the violated rule and, for launches, the kernel.
//
// The library is loaded once per process (class-path resource native/linux-x86_64/liblethe_cudaemu.so, used in
// place from target/classes or extracted from the jar like liblethe_cpu.so); its device is one per process, so the
// memory counters and launch count are the process's. Each EmulatedRuntime frees what it allocated when closed.
// At load, each kernel's static shared memory is taken from the ptxas report (cuda/resources.tsv) when present.
//
// GEMM runs on the host through the cblas_sgemm of the OpenBLAS the cpu backend loaded and checked (the same
// library file, so the same kernel): device pointers are host addresses here, each operand's extent is first
// checked to lie inside one emulator allocation (lethe_emu_check_range), then wrapped as a MemorySegment of exactly
// that size. Row-major semantics (DeviceRuntime). Precision as on a GPU, computed on the host: under TF32 each
// operand is copied to host memory rounded to TF32 (ai.lethe.backend.Precision.roundToTf32, ties to even), under BF16
// the bf16 operands are widened to float32 copies, and cblas_sgemm runs on the copies (exact products of the rounded
// values, float32 accumulation: what the tensor cores compute, up to the order of the sums). sgemmBias (a linear
// layer's GEMM with its bias epilogue) adds the bias to C on the host right after cblas_sgemm, before it returns: no
// kernel, as cuBLASLt's epilogue launches none.
//
// Graphs: beginCapture(s) .. endCapture(s) records what the capturing thread queues on s into a GraphRecording (the
// kernels, memsets, device-to-device copies and GEMMs with their arguments; nothing runs) under the driver's rules
// (CaptureRules: a synchronisation, host copy, event, allocation outside allocDuringCapture or graph launch by the
// capturing thread is an error naming the call and invalidates the capture); launchGraph replays an instantiated
// recording in order on the stream it is launched on, update swaps in a new capture's arguments (same topology).
//
// Streams: every operation runs when it is queued, whatever its stream; a non-blocking stream (a copy stream) is
// tracked by StreamOrder, which refuses an operation touching memory another stream touched with no event ordering
// the two (what would be a race on a GPU), naming both operations.
//
// cuDNN: none (cudnn() is empty: the emulator runs Lethe's own convolution kernels), except for a runtime opened
// with a cuDNN-compatible library by path (openWithCudnn, for tests: the fake libcudnn of src/test/resources/cuda-fake,
// which computes on host pointers, and the emulator's device pointers are host addresses), so that CudaNn's cuDNN
// path and CudnnLibrary's binding run without a GPU.
package ai.lethe.backend.cuda;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Precision;
import ai.lethe.backend.cpu.BlasInfo;
import ai.lethe.backend.cpu.CpuBackend;
import ai.lethe.backend.cpu.NativeFiles;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongUnaryOperator;

/** The CPU emulator of a CUDA device. */
public final class EmulatedRuntime implements DeviceRuntime {
    static final String LIBRARY_NAME = "liblethe_cudaemu.so";
    static final String RESOURCE_DIR = "native/linux-x86_64/";
    static final String BUILD_ERROR_NAME = "CUDAEMU-BUILD-ERROR.txt";

    /** The emulator's fill of new allocations and guard zones (LETHE_EMU_NAN_BITS): a quiet NaN. */
    public static final int NAN_BITS = 0x7FF0DEAD;

    private static final Object LOCK = new Object();
    private static volatile Object loaded;  // Native, or the reason it is unavailable (String)
    private static volatile MethodHandle cblasSgemm;  // bound on first GEMM
    /** cblas_sgemm(order, transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc) (cblas.h). */
    private static final FunctionDescriptor CBLAS_SGEMM = FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
    private static final int CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112;

    private final Native lib;
    private final Set<Long> allocations = ConcurrentHashMap.newKeySet();
    private final Set<Long> streams = ConcurrentHashMap.newKeySet();
    private final Set<Long> events = ConcurrentHashMap.newKeySet();
    private final CudnnConvolutions.Lazy cudnn;
    private final CaptureRules capture = new CaptureRules();
    private final StreamOrder order = new StreamOrder();
    private final Map<Long, GraphRecording> graphs = new ConcurrentHashMap<>(), execs = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong nextGraph = new java.util.concurrent.atomic.AtomicLong(1);
    private volatile boolean closed;

    private EmulatedRuntime(Native lib, CudnnLibrary.Load cudnn) {
        this.lib = lib;
        this.cudnn = new CudnnConvolutions.Lazy(cudnn, () -> {});
        EmulatorBytes.of(lib.path);   // byte counting as -Dlethe.emu.count-bytes / LETHE_EMU_COUNT_BYTES ask, from the start
    }

    /** Whether the emulator can be used here, and if not why. */
    public static Availability availability() {
        Object l = load();
        if (l instanceof Native n)
            return Availability.yes("CUDA emulator (" + n.path + ", " + n.kernelCount() + " kernels)");
        return Availability.no((String) l, "build it with mvn package (needs g++ on linux-x86_64)");
    }

    /** A runtime on the emulated device; an IllegalStateException with the reason when the emulator is missing. */
    public static EmulatedRuntime open() {
        Object l = load();
        if (l instanceof Native n)
            return new EmulatedRuntime(n, new CudnnLibrary.Load(null, "the emulator has no cuDNN"));
        throw new IllegalStateException("the CUDA emulator is not available: " + l);
    }

    /**
     * A runtime on the emulated device whose cudnn() is the given cuDNN-compatible library (a path): for tests, with a
     * library that computes on host pointers. Its load failure is kept as cudnnStatus(), as on a GPU.
     */
    static EmulatedRuntime openWithCudnn(String cudnnLibrary) {
        Object l = load();
        if (l instanceof Native n) return new EmulatedRuntime(n, CudnnLibrary.load(cudnnLibrary));
        throw new IllegalStateException("the CUDA emulator is not available: " + l);
    }

    @Override
    public Optional<CudnnConvolutions> cudnn() {
        ensureOpen();
        return cudnn.get();
    }

    @Override
    public String cudnnStatus() { return cudnn.status(); }

    @Override
    public String description() { return "cuda-emu (" + LIBRARY_NAME + ", " + lib.kernelCount() + " kernels)"; }

    /** The kernels the emulator has, by name (production kernels and the emulator's test kernels). */
    public List<String> kernels() {
        List<String> names = new ArrayList<>();
        for (int i = 0, n = lib.kernelCount(); i < n; i++) names.add(lib.kernelName(i));
        return names;
    }

    /** The kernel's launch bound (the most threads a block), as its LETHE_KERNEL declares it. */
    public int launchBound(String kernel) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_INT, 2);
            check(lib.call(lib.kernelInfo, a.allocateFrom(kernel), out, out.asSlice(4)), "kernelInfo", kernel);
            return out.get(ValueLayout.JAVA_INT, 0);
        }
    }

    @Override
    public long alloc(long bytes) {
        capture.forbid("alloc(" + bytes + " bytes)");
        return allocDuringCapture(bytes);
    }

    @Override
    public long allocDuringCapture(long bytes) {
        ensureOpen();
        if (bytes <= 0) throw new IllegalArgumentException("alloc: " + bytes + " bytes (must be > 0)");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            check(lib.malloc(out, bytes), "alloc(" + bytes + " bytes)", null);
            long p = out.get(ValueLayout.ADDRESS, 0).address();
            allocations.add(p);
            return p;
        }
    }

    @Override
    public void free(long devicePointer) {
        ensureOpen();
        capture.forbid("free");
        check(lib.free(ptr(devicePointer)), "free", null);
        allocations.remove(devicePointer);
    }

    @Override
    public void copyHostToDevice(long dst, MemorySegment src, long bytes, Stream stream) {
        ensureOpen();
        requireHost(src, bytes, "copyHostToDevice");
        capture.forbid("copyHostToDevice");
        capture.recorder(stream, "copyHostToDevice");
        order.access(stream.handle(), "copyHostToDevice", dst, dst + bytes, true);
        check(lib.copy(lib.memcpyH2d, ptr(dst), src, bytes), "copyHostToDevice", null);
    }

    @Override
    public void copyDeviceToHost(MemorySegment dst, long src, long bytes, Stream stream) {
        ensureOpen();
        requireHost(dst, bytes, "copyDeviceToHost");
        capture.forbid("copyDeviceToHost");
        capture.recorder(stream, "copyDeviceToHost");
        if (dst.isReadOnly()) throw new IllegalArgumentException("copyDeviceToHost: the host destination is read-only");
        order.access(stream.handle(), "copyDeviceToHost", src, src + bytes, false);
        check(lib.copy(lib.memcpyD2h, dst, ptr(src), bytes), "copyDeviceToHost", null);
    }

    @Override
    public void copyDeviceToDevice(long dst, long src, long bytes, Stream stream) {
        ensureOpen();
        if (record(stream, "copyDeviceToDevice", new GraphRecording.CopyDeviceToDevice(dst, src, bytes))) return;
        order.access(stream.handle(), "copyDeviceToDevice (source)", src, src + bytes, false);
        order.access(stream.handle(), "copyDeviceToDevice", dst, dst + bytes, true);
        check(lib.copy(lib.memcpyD2d, ptr(dst), ptr(src), bytes), "copyDeviceToDevice", null);
    }

    @Override
    public void memset8(long dst, int value, long count, Stream stream) {
        ensureOpen();
        if (record(stream, "memset8", new GraphRecording.Memset(dst, value, count, 1))) return;
        order.access(stream.handle(), "memset8", dst, dst + count, true);
        check(lib.memset(lib.memsetD8, ptr(dst), value, count), "memset8", null);
    }

    @Override
    public void memset32(long dst, int value, long count, Stream stream) {
        ensureOpen();
        if (record(stream, "memset32", new GraphRecording.Memset(dst, value, count, 4))) return;
        order.access(stream.handle(), "memset32", dst, dst + 4 * count, true);
        check(lib.memset(lib.memsetD32, ptr(dst), value, count), "memset32", null);
    }

    @Override
    public void setMaxDynamicSharedMemory(String kernel, int bytes) {
        ensureOpen();
        try (Arena a = Arena.ofConfined()) {
            check(lib.call(lib.setMaxDynamicShared, a.allocateFrom(kernel), bytes), "setMaxDynamicSharedMemory", kernel);
        }
    }

    @Override
    public void launch(String kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, Stream stream, KernelArgs args) {
        ensureOpen();
        if (dynamicSharedBytes < 0) throw new IllegalArgumentException("launch of " + kernel + ": negative dynamic shared memory");
        if (record(stream, "launch of " + kernel, new GraphRecording.Launch(kernel, grid, block, dynamicSharedBytes, args.copy())))
            return;
        order.pointers(stream.handle(), "launch of " + kernel, args.pointers());
        try (Arena a = Arena.ofConfined()) {
            // the emulator checks the argument count and sizes against the kernel's parameters
            int rc = lib.launch(lib.name(kernel, a), grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(),
                    dynamicSharedBytes, args.pack(a), args.count(), a.allocateFrom(ValueLayout.JAVA_INT, args.sizes()));
            check(rc, "launch", kernel);
        }
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                      float beta, long c, int ldc, Stream stream, Precision precision) {
        if (record(stream, "sgemm", new GraphRecording.Gemm(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc,
                0, 1, false, precision))) return;
        sgemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1, stream, precision);
    }

    @Override
    public void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                                    long strideA, long b, int ldb, long strideB, float beta, long c, int ldc, long strideC,
                                    int batch, Stream stream, Precision precision) {
        ensureOpen();
        if (record(stream, "sgemmStridedBatched", new GraphRecording.Gemm(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb,
                strideB, beta, c, ldc, strideC, batch, true, precision))) return;
        String call = batch == 1 && strideC == 0 ? "sgemm" : "sgemmStridedBatched";
        order.pointers(stream.handle(), call, new long[] {a, b, c});
        gemmNow(call, transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch, precision);
    }

    /**
     * The bias epilogue as the GPU's: cblas_sgemm writes C = op(A) op(B) (operands rounded per precision as sgemm's),
     * then, before this call returns and with no kernel, every row of C gets bias added in float32 — fl(product + bias),
     * what cuBLASLt's CUBLASLT_EPILOGUE_BIAS computes from its float32 accumulator, and the very values of sgemm then
     * bias_add_rows_f32. The device's kernels read and write nothing for it (EmulatorBytes counts kernels only). Under
     * lethe.cuda.gemm-epilogue=off it is the interface's composition (sgemm, then the bias kernel).
     */
    @Override
    public boolean sgemmBias(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long b, int ldb, long bias,
                             long c, int ldc, Stream stream, Precision precision, LongUnaryOperator workspace) {
        if (!gemmBiasFused())
            return DeviceRuntime.super.sgemmBias(transA, transB, m, n, k, a, lda, b, ldb, bias, c, ldc, stream, precision, workspace);
        ensureOpen();
        if (record(stream, "sgemmBias", new GraphRecording.GemmBias(transA, transB, m, n, k, a, lda, b, ldb, bias, c, ldc,
                precision))) return true;
        String call = "sgemmBias";
        order.pointers(stream.handle(), call, new long[] {a, b, bias, c});
        if (k < 1) throw new IllegalArgumentException(call + ": k=" + k + " (the epilogue GEMM needs k >= 1)");
        if (m < 0 || n < 0) throw new IllegalArgumentException(call + ": negative size m=" + m + " n=" + n);
        if (m == 0 || n == 0) return true;
        checkRange(call, "bias", bias, 0, 4L * n, 1);
        gemmNow(call, transA, transB, m, n, k, 1f, a, lda, 0, b, ldb, 0, 0f, c, ldc, 0, 1, precision);
        MemorySegment cs = ptr(c).reinterpret(4 * extent(m, n, ldc)), bs = ptr(bias).reinterpret(4L * n);
        float[] row = new float[n];
        MemorySegment.copy(bs, ValueLayout.JAVA_FLOAT, 0, row, 0, n);
        for (long i = 0; i < m; i++) {
            long at = i * ldc;
            for (int j = 0; j < n; j++)
                cs.setAtIndex(ValueLayout.JAVA_FLOAT, at + j, cs.getAtIndex(ValueLayout.JAVA_FLOAT, at + j) + row[j]);
        }
        return true;
    }

    /** Whether sgemmBias adds the bias itself: unless lethe.cuda.gemm-epilogue=off. */
    @Override
    public boolean gemmBiasFused() { return GemmEpilogue.mode() == GemmEpilogue.Mode.AUTO; }

    @Override
    public String gemmEpilogueStatus() {
        return gemmBiasFused() ? "the emulator's GEMM adds the bias before it returns (as cuBLASLt's CUBLASLT_EPILOGUE_BIAS)"
                : "sgemm, then the " + GemmEpilogue.BIAS_KERNEL + " kernel (" + GemmEpilogue.PROPERTY + "=off)";
    }

    /** The GEMMs of sgemm / sgemmStridedBatched / sgemmBias, checked (sizes, leading dimensions, ranges) and run now. */
    private void gemmNow(String call, boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                         long strideA, long b, int ldb, long strideB, float beta, long c, int ldc, long strideC, int batch,
                         Precision precision) {
        if (m < 0 || n < 0 || k < 0 || batch < 0)
            throw new IllegalArgumentException(call + ": negative size m=" + m + " n=" + n + " k=" + k + " batch=" + batch);
        int colsA = transA ? m : k, rowsA = transA ? k : m, colsB = transB ? k : n, rowsB = transB ? n : k;
        if (lda < Math.max(1, colsA) || ldb < Math.max(1, colsB) || ldc < Math.max(1, n))
            throw new IllegalArgumentException(call + ": leading dimensions lda=" + lda + " ldb=" + ldb + " ldc=" + ldc
                    + " below the row lengths " + colsA + ", " + colsB + ", " + n + " (row-major, m=" + m + " n=" + n
                    + " k=" + k + (transA ? ", A transposed" : "") + (transB ? ", B transposed" : "") + ")");
        if (batch > 1 && strideC != 0 && Math.abs(strideC) < (long) (m - 1) * ldc + n)
            throw new IllegalArgumentException(call + ": C's matrices overlap (strideC=" + strideC + ", ldc=" + ldc + ", m=" + m + ")");
        if (m == 0 || n == 0 || batch == 0) return;
        int in = precision == Precision.BF16 ? 2 : 4;   // bytes of an A or B element
        long elementsA = k == 0 ? 0 : extent(rowsA, colsA, lda), elementsB = k == 0 ? 0 : extent(rowsB, colsB, ldb);
        long elementsC = extent(m, n, ldc);
        checkRange(call, "A", a, in * strideA, in * elementsA, batch);
        checkRange(call, "B", b, in * strideB, in * elementsB, batch);
        checkRange(call, "C", c, 4 * strideC, 4 * elementsC, batch);
        MethodHandle gemm = cblasSgemm();
        int ta = transA ? CBLAS_TRANS : CBLAS_NO_TRANS, tb = transB ? CBLAS_TRANS : CBLAS_NO_TRANS;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = null, sb = null;
            for (int i = 0; i < batch; i++) {
                if (sa == null || strideA != 0) sa = operand(arena, a + in * strideA * i, elementsA, precision);
                if (sb == null || strideB != 0) sb = operand(arena, b + in * strideB * i, elementsB, precision);
                MemorySegment sc = ptr(c + 4 * strideC * i).reinterpret(4 * elementsC);
                try {
                    gemm.invokeExact(CBLAS_ROW_MAJOR, ta, tb, m, n, k, alpha, sa, lda, sb, ldb, beta, sc, ldc);
                } catch (Throwable t) {
                    throw Native.rethrow(t);
                }
            }
        }
    }

    /**
     * What cblas_sgemm reads for an A or B operand of {@code elements} elements at device address p: the memory itself
     * (FP32), or a host copy rounded to TF32 (TF32) or widened from bf16 (BF16), allocated in the arena.
     */
    private static MemorySegment operand(Arena arena, long p, long elements, Precision precision) {
        if (elements == 0) return ptr(p).reinterpret(4);   // k = 0: not read
        return switch (precision) {
            case FP32 -> ptr(p).reinterpret(4 * elements);
            case TF32 -> {
                MemorySegment src = ptr(p).reinterpret(4 * elements), dst = arena.allocate(4 * elements, 64);
                for (long j = 0; j < elements; j++)
                    dst.setAtIndex(ValueLayout.JAVA_FLOAT, j, Precision.roundToTf32(src.getAtIndex(ValueLayout.JAVA_FLOAT, j)));
                yield dst;
            }
            case BF16 -> {
                MemorySegment src = ptr(p).reinterpret(2 * elements), dst = arena.allocate(4 * elements, 64);
                for (long j = 0; j < elements; j++)
                    dst.setAtIndex(ValueLayout.JAVA_INT, j, (src.getAtIndex(ValueLayout.JAVA_SHORT, j) & 0xFFFF) << 16);
                yield dst;
            }
        };
    }

    /** Elements a row-major [rows, cols] matrix with leading dimension ld spans (rows, cols > 0). */
    private static long extent(int rows, int cols, int ld) { return (long) (rows - 1) * ld + cols; }

    /**
     * Every matrix of a batch lies inside one allocation (the first and the last suffice: they are equally spaced);
     * strideBytes between the starts of consecutive matrices.
     */
    private void checkRange(String call, String which, long p, long strideBytes, long bytes, int batch) {
        if (bytes == 0) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocateFrom(call), w = arena.allocateFrom(which);
            check(lib.call(lib.checkRange, c, w, ptr(p), bytes), call, null);
            if (batch > 1) check(lib.call(lib.checkRange, c, w, ptr(p + strideBytes * (batch - 1L)), bytes), call, null);
        }
    }

    /** The cpu backend's checked cblas_sgemm, bound once; an IllegalStateException with the reason when it has none. */
    private static MethodHandle cblasSgemm() {
        MethodHandle h = cblasSgemm;
        if (h != null) return h;
        synchronized (LOCK) {
            if (cblasSgemm != null) return cblasSgemm;
            Backend cpu = Backends.implementation(Backends.byName("cpu"));
            Optional<BlasInfo> blas = cpu instanceof CpuBackend c ? c.blas() : Optional.empty();
            if (blas.isEmpty())
                throw new IllegalStateException("cuda-emu: GEMM runs on the cpu backend's OpenBLAS, which is not available: "
                        + cpu.availability().reason());
            MemorySegment f = SymbolLookup.libraryLookup(blas.get().path(), Arena.global()).find("cblas_sgemm")
                    .orElseThrow(() -> new IllegalStateException("cuda-emu: " + blas.get().path() + " exports no cblas_sgemm"));
            cblasSgemm = Linker.nativeLinker().downcallHandle(f, CBLAS_SGEMM);
            return cblasSgemm;
        }
    }

    @Override
    public Stream createStream() {
        ensureOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG);
            check(lib.call(lib.streamCreate, out), "createStream", null);
            long h = out.get(ValueLayout.JAVA_LONG, 0);
            streams.add(h);
            return new Stream(h);
        }
    }

    /** A stream that does not synchronise with the legacy default stream; the stream-order model tracks it. */
    @Override
    public Stream createNonBlockingStream() {
        Stream s = createStream();
        order.nonBlocking(s.handle());
        return s;
    }

    @Override
    public void destroyStream(Stream stream) {
        ensureOpen();
        check(lib.call(lib.streamDestroy, stream.handle()), "destroyStream", null);
        streams.remove(stream.handle());
        order.destroyed(stream.handle());
    }

    @Override
    public void synchronize(Stream stream) {
        ensureOpen();
        capture.forbid("synchronize(stream)");
        capture.recorder(stream, "synchronize(stream)");
        check(lib.call(lib.streamSynchronize, stream.handle()), "synchronize(stream)", null);
        order.synchronizedStream(stream.handle());
    }

    @Override
    public Event createEvent() {
        ensureOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG);
            check(lib.call(lib.eventCreate, out), "createEvent", null);
            long h = out.get(ValueLayout.JAVA_LONG, 0);
            events.add(h);
            return new Event(h);
        }
    }

    @Override
    public void destroyEvent(Event event) {
        ensureOpen();
        check(lib.call(lib.eventDestroy, event.handle()), "destroyEvent", null);
        events.remove(event.handle());
        order.destroyedEvent(event.handle());
    }

    @Override
    public void record(Event event, Stream stream) {
        ensureOpen();
        capture.forbid("record(event)");
        capture.recorder(stream, "record(event)");
        check(lib.call(lib.eventRecord, event.handle(), stream.handle()), "record(event)", null);
        order.record(event.handle(), stream.handle());
    }

    @Override
    public void synchronize(Event event) {
        ensureOpen();
        capture.forbid("synchronize(event)");
        check(lib.call(lib.eventSynchronize, event.handle()), "synchronize(event)", null);
        order.synchronizedEvent(event.handle());
    }

    @Override
    public void waitEvent(Stream stream, Event event) {
        ensureOpen();
        capture.forbid("waitEvent");
        capture.recorder(stream, "waitEvent");
        if (!events.contains(event.handle())) throw new IllegalArgumentException("waitEvent: " + event + " is not an event of this runtime");
        // every queued operation has completed when its call returns here, so the wait is already satisfied; the
        // stream-order model records the ordering it makes
        order.waitEvent(stream.handle(), event.handle());
    }

    // ---------------------------------------------------------------- graphs

    /** Records the operation when the calling thread captures {@code stream} (true); false when it should run now. */
    private boolean record(Stream stream, String call, GraphRecording.Op op) {
        CaptureRules.Capture c = capture.recorder(stream, call);
        if (c == null) return false;
        c.recording.add(op);
        return true;
    }

    @Override
    public void beginCapture(Stream stream) {
        ensureOpen();
        if (stream.handle() != 0 && !streams.contains(stream.handle()))
            throw new IllegalArgumentException("beginCapture: " + stream + " is not a stream of this runtime");
        capture.begin(stream);
    }

    @Override
    public Graph endCapture(Stream stream) {
        ensureOpen();
        GraphRecording r = capture.end(stream).recording;
        long id = nextGraph.getAndIncrement();
        graphs.put(id, r);
        return new Graph(id);
    }

    @Override
    public boolean capturing(Stream stream) { return capture.capturing(stream); }

    /** The operations of a captured graph (tests, messages). */
    public GraphRecording recording(Graph graph) { return graphOf(graph, "recording"); }

    private GraphRecording graphOf(Graph g, String call) {
        GraphRecording r = graphs.get(g.handle());
        if (r == null) throw new IllegalArgumentException(call + ": " + g + " is not a graph of this runtime");
        return r;
    }

    private GraphRecording execOf(GraphExec e, String call) {
        GraphRecording r = execs.get(e.handle());
        if (r == null) throw new IllegalArgumentException(call + ": " + e + " is not an executable graph of this runtime");
        return r;
    }

    @Override
    public GraphExec instantiate(Graph graph) {
        ensureOpen();
        GraphRecording exec = new GraphRecording();
        exec.updateFrom(graphOf(graph, "instantiate"));
        long id = nextGraph.getAndIncrement();
        execs.put(id, exec);
        return new GraphExec(id);
    }

    @Override
    public boolean update(GraphExec exec, Graph graph) {
        ensureOpen();
        GraphRecording e = execOf(exec, "update"), g = graphOf(graph, "update");
        if (!e.sameTopology(g)) return false;
        e.updateFrom(g);
        return true;
    }

    @Override
    public void launchGraph(GraphExec exec, Stream stream) {
        ensureOpen();
        capture.forbid("launchGraph");
        capture.recorder(stream, "launchGraph");
        execOf(exec, "launchGraph").replay(this, stream);
    }

    @Override
    public void destroyGraph(Graph graph) {
        if (graphs.remove(graph.handle()) == null)
            throw new IllegalArgumentException("destroyGraph: " + graph + " is not a graph of this runtime");
    }

    @Override
    public void destroyGraphExec(GraphExec exec) {
        if (execs.remove(exec.handle()) == null)
            throw new IllegalArgumentException("destroyGraphExec: " + exec + " is not an executable graph of this runtime");
    }

    @Override
    public float elapsedMillis(Event start, Event end) {
        ensureOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_FLOAT);
            check(lib.call(lib.eventElapsedMs, out, start.handle(), end.handle()), "elapsedMillis", null);
            return out.get(ValueLayout.JAVA_FLOAT, 0);
        }
    }

    @Override
    public MemoryCounters memory() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG, 3);
            lib.callVoid(lib.memStats, out, out.asSlice(8), out.asSlice(16));
            return new MemoryCounters(out.getAtIndex(ValueLayout.JAVA_LONG, 0), out.getAtIndex(ValueLayout.JAVA_LONG, 1),
                    out.getAtIndex(ValueLayout.JAVA_LONG, 2));
        }
    }

    @Override
    public long launches() { return lib.callLong(lib.launchCount); }

    /** The emulator's byte counting (EmulatorBytes): its switch, and the bytes each kernel read and wrote. */
    public EmulatorBytes bytes() { return EmulatorBytes.of(lib.path); }

    @Override
    public KernelBytes kernelBytes() { return bytes().totals().bytes(); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            cudnn.close();
        } finally {
            for (long p : allocations) lib.free(ptr(p));
            for (long s : streams) lib.call(lib.streamDestroy, s);
            for (long e : events) lib.call(lib.eventDestroy, e);
            allocations.clear();
            graphs.clear();
            execs.clear();
            streams.clear();
            events.clear();
            lib.callVoid(lib.clearError);
        }
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("this EmulatedRuntime is closed");
    }

    private static MemorySegment ptr(long address) { return MemorySegment.ofAddress(address); }

    private static void requireHost(MemorySegment host, long bytes, String call) {
        if (bytes < 0 || host.byteSize() < bytes)
            throw new IllegalArgumentException(call + ": " + bytes + " bytes requested but the host segment has " + host.byteSize());
    }

    /** Turns a non-zero status into an EmulatorException with the emulator's message. */
    private void check(int rc, String call, String kernel) {
        if (rc == 0) return;
        String message;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1024);
            lib.call(lib.lastError, buf, 1024L);
            message = buf.getString(0, StandardCharsets.UTF_8);
        }
        lib.callVoid(lib.clearError);
        throw new EmulatorException(call, EmulatorException.Violation.of(rc), kernel, message);
    }

    // ---------------------------------------------------------------- loading

    private static Object load() {
        Object l = loaded;
        if (l != null) return l;
        synchronized (LOCK) {
            if (loaded == null) loaded = loadNow(EmulatedRuntime.class.getClassLoader());
            return loaded;
        }
    }

    /** The loaded library, or why it cannot be loaded (a String): package-private for the build-script test. */
    static Object loadNow(ClassLoader loader) {
        String os = System.getProperty("os.name", "?"), arch = System.getProperty("os.arch", "?");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64")))
            return "not linux-x86_64 (" + os + "/" + arch + "): the CUDA emulator's fibers are x86-64 code";
        try {
            URL url = loader.getResource(RESOURCE_DIR + LIBRARY_NAME);
            if (url == null) return LIBRARY_NAME + " not built: " + buildError(loader);
            Path path = NativeFiles.inPlace(url);
            if (path == null) {
                byte[] bytes;
                try (InputStream in = url.openStream()) {
                    bytes = in.readAllBytes();
                }
                path = NativeFiles.extract(url, NativeFiles.cacheRoot().resolve(NativeFiles.sha256(bytes)), LIBRARY_NAME);
            }
            Native n = new Native(SymbolLookup.libraryLookup(path, Arena.global()), path);
            n.applyResourceReport(loader);
            return n;
        } catch (Exception | LinkageError e) {
            return "cannot load " + LIBRARY_NAME + ": " + e;
        }
    }

    private static String buildError(ClassLoader loader) throws IOException {
        URL report = loader.getResource(RESOURCE_DIR + BUILD_ERROR_NAME);
        if (report == null) return RESOURCE_DIR + LIBRARY_NAME + " is not on the class path";
        try (InputStream in = report.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    /** The library's downcall handles (cuda-kernels/emu/lethe_cudaemu.h documents each function). */
    private static final class Native {
        private static final ValueLayout A = ValueLayout.ADDRESS;
        private static final ValueLayout I = ValueLayout.JAVA_INT;
        private static final ValueLayout J = ValueLayout.JAVA_LONG;

        final Path path;
        final MethodHandle lastError, clearError, malloc, free, memcpyH2d, memcpyD2h, memcpyD2d, memsetD8, memsetD32, memStats,
                kernelCount, kernelName, kernelInfo, setStaticShared, setMaxDynamicShared, launch, launchCount, streamCreate,
                streamDestroy, streamSynchronize, eventCreate, eventDestroy, eventRecord, eventSynchronize, eventElapsedMs,
                checkRange;

        Native(SymbolLookup lookup, Path path) {
            this.path = path;
            lastError = bind(lookup, "lethe_emu_last_error", I, A, J);
            clearError = bindVoid(lookup, "lethe_emu_clear_error");
            malloc = bind(lookup, "lethe_emu_malloc", I, A, J);
            free = bind(lookup, "lethe_emu_free", I, A);
            // host copies may read or write heap segments (arrays): critical calls, which are short
            memcpyH2d = bindCritical(lookup, "lethe_emu_memcpy_h2d", I, A, A, J);
            memcpyD2h = bindCritical(lookup, "lethe_emu_memcpy_d2h", I, A, A, J);
            memcpyD2d = bind(lookup, "lethe_emu_memcpy_d2d", I, A, A, J);
            memsetD8 = bind(lookup, "lethe_emu_memset_d8", I, A, I, J);
            memsetD32 = bind(lookup, "lethe_emu_memset_d32", I, A, I, J);
            memStats = bindVoid(lookup, "lethe_emu_mem_stats", A, A, A);
            checkRange = bind(lookup, "lethe_emu_check_range", I, A, A, A, J);
            kernelCount = bind(lookup, "lethe_emu_kernel_count", I);
            kernelName = bind(lookup, "lethe_emu_kernel_name", A, I);
            kernelInfo = bind(lookup, "lethe_emu_kernel_info", I, A, A, A);
            setStaticShared = bind(lookup, "lethe_emu_set_static_shared", I, A, I);
            setMaxDynamicShared = bind(lookup, "lethe_emu_set_max_dynamic_shared", I, A, I);
            launch = bind(lookup, "lethe_emu_launch", I, A, I, I, I, I, I, I, I, A, I, A);
            launchCount = bind(lookup, "lethe_emu_launch_count", J);
            streamCreate = bind(lookup, "lethe_emu_stream_create", I, A);
            streamDestroy = bind(lookup, "lethe_emu_stream_destroy", I, J);
            streamSynchronize = bind(lookup, "lethe_emu_stream_synchronize", I, J);
            eventCreate = bind(lookup, "lethe_emu_event_create", I, A);
            eventDestroy = bind(lookup, "lethe_emu_event_destroy", I, J);
            eventRecord = bind(lookup, "lethe_emu_event_record", I, J, J);
            eventSynchronize = bind(lookup, "lethe_emu_event_synchronize", I, J);
            eventElapsedMs = bind(lookup, "lethe_emu_event_elapsed_ms", I, A, J, J);
        }

        /** Kernel names as C strings, kept for the process (one per kernel the emulator has). */
        private final Map<String, MemorySegment> names = new ConcurrentHashMap<>();

        int kernelCount() { return call(kernelCount); }

        /** The kernel's name as a C string: cached for the emulator's kernels, else allocated in the arena. */
        MemorySegment name(String kernel, Arena arena) {
            MemorySegment n = names.get(kernel);
            if (n != null) return n;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment info = a.allocate(ValueLayout.JAVA_INT, 2);
                if (call(kernelInfo, a.allocateFrom(kernel), info, info.asSlice(4)) != 0) {
                    callVoid(clearError);
                    return arena.allocateFrom(kernel);  // unknown: the launch reports it
                }
            }
            return names.computeIfAbsent(kernel, k -> Arena.global().allocateFrom(k));
        }

        // typed calls of the frequent functions (invokeExact: no boxing)
        int malloc(MemorySegment out, long bytes) {
            try {
                return (int) malloc.invokeExact(out, bytes);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        int free(MemorySegment p) {
            try {
                return (int) free.invokeExact(p);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        int copy(MethodHandle h, MemorySegment dst, MemorySegment src, long bytes) {
            try {
                return (int) h.invokeExact(dst, src, bytes);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        int memset(MethodHandle h, MemorySegment dst, int value, long count) {
            try {
                return (int) h.invokeExact(dst, value, count);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        int launch(MemorySegment name, int gx, int gy, int gz, int bx, int by, int bz, int shared, MemorySegment args,
                   int count, MemorySegment sizes) {
            try {
                return (int) launch.invokeExact(name, gx, gy, gz, bx, by, bz, shared, args, count, sizes);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        String kernelName(int i) {
            try {
                MemorySegment s = (MemorySegment) kernelName.invokeExact(i);
                return s.reinterpret(256).getString(0, StandardCharsets.UTF_8);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        /** Declares each kernel's static shared memory from the ptxas report (the largest over architectures). */
        void applyResourceReport(ClassLoader loader) {
            Map<String, Integer> shared = new HashMap<>();
            KernelResources.fromClassPath(loader).ifPresent(rows -> rows.forEach(
                    r -> shared.merge(r.kernel(), r.staticSharedBytes(), Math::max)));
            Set<String> known = new java.util.HashSet<>();
            for (int i = 0, n = kernelCount(); i < n; i++) known.add(kernelName(i));
            try (Arena a = Arena.ofConfined()) {
                shared.forEach((kernel, bytes) -> {
                    if (known.contains(kernel)) call(setStaticShared, a.allocateFrom(kernel), bytes.intValue());
                });
            }
        }

        int call(MethodHandle h, Object... args) {
            try {
                return (int) h.invokeWithArguments(args);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        long callLong(MethodHandle h) {
            try {
                return (long) h.invokeExact();
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        void callVoid(MethodHandle h, Object... args) {
            try {
                h.invokeWithArguments(args);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        static RuntimeException rethrow(Throwable t) {
            if (t instanceof RuntimeException r) return r;
            if (t instanceof Error e) throw e;
            return new IllegalStateException("native call failed", t);
        }

        private static MethodHandle bind(SymbolLookup lookup, String name, MemoryLayout result, MemoryLayout... args) {
            return Linker.nativeLinker().downcallHandle(symbol(lookup, name), FunctionDescriptor.of(result, args));
        }

        private static MethodHandle bindCritical(SymbolLookup lookup, String name, MemoryLayout result, MemoryLayout... args) {
            return Linker.nativeLinker().downcallHandle(symbol(lookup, name), FunctionDescriptor.of(result, args),
                    Linker.Option.critical(true));
        }

        private static MethodHandle bindVoid(SymbolLookup lookup, String name, MemoryLayout... args) {
            return Linker.nativeLinker().downcallHandle(symbol(lookup, name), FunctionDescriptor.ofVoid(args));
        }

        private static MemorySegment symbol(SymbolLookup lookup, String name) {
            return lookup.find(name).orElseThrow(() -> new IllegalStateException(LIBRARY_NAME + " lacks " + name));
        }
    }
}
