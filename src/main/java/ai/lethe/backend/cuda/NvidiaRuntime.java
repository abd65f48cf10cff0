// The NVIDIA device: a DeviceRuntime over the CUDA driver API (CudaDriver, FFM to libcuda.so.1) and cuBLAS
// (CublasLibrary, FFM to libcublas.so.13/.12). It runs the kernels of the fatbin the build packs in the jar
// (cuda/lethe.fatbin: sm_80, sm_90, compute_90 PTX), loaded once with cuModuleLoadData into the device's primary
// context; each kernel's CUfunction is looked up by its (extern "C") name on first use and cached. Arguments are the
// KernelArgs pointer array cuLaunchKernel takes, so the bytes are those the emulator gets.
//
// Every CUresult is checked: a failure is a CudaException naming the call, the CUDA error name and the driver's
// description; an out-of-memory one states the bytes requested and free. Device faults are asynchronous: they
// surface at the next synchronisation (or a later call), and are reported with the last kernel launched on the
// stream being synchronised. The driver's current context is per thread, so each call first makes this runtime's
// context current on the calling thread (once per thread).
//
// Host memory handed to a copy: native segments go to the driver as they are (asynchronous only when pinned, e.g.
// from allocHost; pageable memory the driver stages before the call returns); heap segments (Java arrays) go
// through a native temporary, which is safe because a copy from pageable memory has read it when the call returns
// and a copy to pageable memory has completed then (CUDA driver API, "API synchronization behavior").
//
// Graphs: stream capture through the driver (cuStreamBeginCapture_v2 in relaxed mode, cuStreamEndCapture,
// cuGraphInstantiateWithFlags, cuGraphExecUpdate_v2, cuGraphLaunch), with the capture rules of DeviceRuntime kept on
// the Java side by CaptureRules, as in the emulator (the driver's relaxed mode lets the caching allocator's private
// pool grow with cuMemAlloc during a capture; CaptureRules refuses every other allocation).
//
// cuBLASLt (libcublasLt.so.13/.12, CublasLtLibrary) is loaded when the runtime opens, if present: sgemmBias (a linear
// layer's GEMM) then adds the bias in the GEMM's epilogue (CUBLASLT_EPILOGUE_BIAS, one kernel); without it, or with
// lethe.cuda.gemm-epilogue=off (GemmEpilogue), sgemm and the bias_add_rows_f32 kernel, and gemmEpilogueStatus() says why.
//
// cuDNN (libcudnn.so.9, CudnnLibrary) is loaded when the runtime opens, if the dynamic linker finds it: cudnn()
// then offers its convolutions (CudnnConvolutions, one handle created on first use), which CudaNn prefers where it
// supports the geometry; without it (the reason is kept for lethe info) convolutions run Lethe's own kernels.
//
// availability() never throws: it says why not (no libcuda.so.1, a driver older than CUDA 13, cuInit's error, no
// device, a device the fatbin has no code for, no fatbin) or what it found (device, memory, driver, fatbin).
package ai.lethe.backend.cuda;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Precision;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;

/** A CUDA device through the NVIDIA driver. */
public final class NvidiaRuntime implements DeviceRuntime {
    /** What the probe found on a usable device. */
    public record DeviceInfo(int ordinal, String name, long totalBytes, int computeMajor, int computeMinor,
                             int multiprocessors, int sharedPerBlockOptIn, int driverVersion) {
        /** "13.0" for 13000. */
        public String driverCuda() { return driverVersion / 1000 + "." + (driverVersion % 1000) / 10; }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s (compute %d.%d, %d SMs, %.1f GiB), driver CUDA %s", name, computeMajor,
                    computeMinor, multiprocessors, totalBytes / (double) (1L << 30), driverCuda());
        }
    }

    /** The outcome of a probe: the availability, and when available the driver, device and fatbin to open with. */
    record Probe(Availability availability, CudaDriver driver, DeviceInfo device, FatbinImage fatbin) {
        static Probe no(String reason, String fix) { return new Probe(Availability.no(reason, fix), null, null, null); }
    }

    private static final String DRIVER_FIX = "install an NVIDIA driver R580 or newer (CUDA 13) on a machine with an sm_80+ GPU";

    private static volatile Probe defaultProbe;

    /** Whether an NVIDIA GPU can be used here, and if not why. Never throws. */
    public static Availability availability() { return probeDefault().availability(); }

    private static Probe probeDefault() {
        Probe p = defaultProbe;
        if (p == null) defaultProbe = p = probe(CudaDriver.LIBRARY, NvidiaRuntime.class.getClassLoader(), 0);
        return p;
    }

    /** Probes a driver library (soname or path) and device ordinal, with the fatbin of the loader. Never throws. */
    static Probe probe(String library, ClassLoader loader, int ordinal) {
        try {
            String os = System.getProperty("os.name", "?");
            if (!os.toLowerCase(Locale.ROOT).startsWith("linux"))
                return Probe.no("not Linux (" + os + "): Lethe binds the Linux CUDA driver " + CudaDriver.LIBRARY, null);
            CudaDriver.Load load = CudaDriver.load(library);
            if (!load.loaded()) return Probe.no(load.reason(), DRIVER_FIX);
            CudaDriver d = load.driver();
            int rc = d.cuInit(0);
            if (rc != CudaStatus.CUDA_SUCCESS)
                return Probe.no("cuInit failed: " + d.errorName(rc) + " (" + d.errorString(rc) + ")",
                        rc == CudaStatus.CUDA_ERROR_NO_DEVICE ? null : DRIVER_FIX);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(ValueLayout.JAVA_LONG, 2);
                d.check(d.cuDriverGetVersion(out), "cuDriverGetVersion");
                int version = out.get(ValueLayout.JAVA_INT, 0);
                if (version < CudaDriver.MIN_DRIVER_VERSION)
                    return Probe.no("the driver supports CUDA " + version / 1000 + "." + (version % 1000) / 10
                            + "; Lethe's fatbin (nvcc 13) needs CUDA " + CudaDriver.MIN_DRIVER_VERSION / 1000 + ".0", DRIVER_FIX);
                d.check(d.cuDeviceGetCount(out), "cuDeviceGetCount");
                int count = out.get(ValueLayout.JAVA_INT, 0);
                if (count == 0) return Probe.no("no CUDA device (the driver reports 0 devices)", null);
                if (ordinal < 0 || ordinal >= count)
                    return Probe.no("no CUDA device " + ordinal + " (the driver reports " + count + ")", null);
                DeviceInfo info = deviceInfo(d, ordinal, version);
                FatbinImage fatbin;
                try {
                    fatbin = FatbinImage.fromClassPath(loader);
                } catch (RuntimeException e) {
                    return Probe.no(e.getMessage(), "build Lethe with nvcc 13 on the PATH (mvn package)");
                }
                if (!fatbin.runsOn(info.computeMajor(), info.computeMinor()))
                    return Probe.no(info.name() + " has compute capability " + info.computeMajor() + "." + info.computeMinor()
                            + "; the fatbin has code for " + String.join(", ", fatbin.architectures()) + " only", null);
                return new Probe(Availability.yes(info + ", fatbin " + String.join(" ", fatbin.architectures())), d, info, fatbin);
            }
        } catch (RuntimeException | LinkageError e) {
            return Probe.no("the CUDA probe failed: " + e, null);
        }
    }

    private static DeviceInfo deviceInfo(CudaDriver d, int ordinal, int driverVersion) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dev = a.allocate(ValueLayout.JAVA_INT);
            d.check(d.cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
            int device = dev.get(ValueLayout.JAVA_INT, 0);
            MemorySegment name = a.allocate(256);
            d.check(d.cuDeviceGetName(name, 256, device), "cuDeviceGetName");
            MemorySegment bytes = a.allocate(ValueLayout.JAVA_LONG);
            d.check(d.cuDeviceTotalMem(bytes, device), "cuDeviceTotalMem");
            return new DeviceInfo(ordinal, name.getString(0, StandardCharsets.UTF_8), bytes.get(ValueLayout.JAVA_LONG, 0),
                    attribute(d, a, device, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                    attribute(d, a, device, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                    attribute(d, a, device, CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                    attribute(d, a, device, CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN), driverVersion);
        }
    }

    private static int attribute(CudaDriver d, Arena a, int device, int attribute) {
        MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
        d.check(d.cuDeviceGetAttribute(out, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
        return out.get(ValueLayout.JAVA_INT, 0);
    }

    // ---------------------------------------------------------------- the runtime

    /** CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE (CudaStatus' table names it): cuGraphExecUpdate's "topologies differ". */
    private static final int GRAPH_EXEC_UPDATE_FAILURE = 910;

    private static final ThreadLocal<MemorySegment> CURRENT_CONTEXT = new ThreadLocal<>();

    private final CudaDriver driver;
    private final DeviceInfo device;
    private final FatbinImage fatbin;
    private final int cuDevice;
    private final MemorySegment context;
    private final MemorySegment module;
    private final Map<String, MemorySegment> functions = new ConcurrentHashMap<>();
    private final Map<Long, Long> allocations = new ConcurrentHashMap<>();  // device pointer -> bytes
    private final Map<Long, Long> hostAllocations = new ConcurrentHashMap<>();  // pinned host address -> bytes
    private final Set<Long> streams = ConcurrentHashMap.newKeySet();
    private final Set<Long> events = ConcurrentHashMap.newKeySet();
    private final Map<Long, String> lastKernel = new ConcurrentHashMap<>();  // stream -> last kernel launched on it
    private final AtomicLong liveBytes = new AtomicLong(), peakBytes = new AtomicLong(), launches = new AtomicLong();
    private final String cublasLibrary;  // null: the first of CublasLibrary.LIBRARIES
    private final Object cublasLock = new Object();
    private CublasLibrary.Handle cublas;
    private final CudnnConvolutions.Lazy cudnn;
    private final CublasLtLibrary.Load cublasLt;
    private final Object cublasLtLock = new Object();
    private CublasLtLibrary.Handle cublasLtHandle;
    private String cublasLtFailure;   // why the handle could not be created, or null
    private final CaptureRules capture = new CaptureRules();
    private final Set<Long> graphs = ConcurrentHashMap.newKeySet(), execs = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private NvidiaRuntime(CudaDriver driver, DeviceInfo device, FatbinImage fatbin, String cublasLibrary, String cudnnLibrary,
                          String cublasLtLibrary) {
        this.driver = driver;
        this.cublasLibrary = cublasLibrary;
        this.cublasLt = cublasLtLibrary == null ? CublasLtLibrary.load() : CublasLtLibrary.load(cublasLtLibrary);
        this.cudnn = new CudnnConvolutions.Lazy(cudnnLibrary == null ? CudnnLibrary.load() : CudnnLibrary.load(cudnnLibrary),
                this::makeCurrent);
        this.device = device;
        this.fatbin = fatbin;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG);
            driver.check(driver.cuDeviceGet(out, device.ordinal()), "cuDeviceGet(" + device.ordinal() + ")");
            cuDevice = out.get(ValueLayout.JAVA_INT, 0);
            driver.check(driver.cuDevicePrimaryCtxRetain(out, cuDevice), "cuDevicePrimaryCtxRetain");
            context = out.get(ValueLayout.ADDRESS, 0);
            try {
                makeCurrent();
                MemorySegment image = a.allocate(fatbin.bytes().length + 16L, 16);  // the driver copies it
                MemorySegment.copy(fatbin.bytes(), 0, image, ValueLayout.JAVA_BYTE, 0, fatbin.bytes().length);
                driver.check(driver.cuModuleLoadData(out, image), "cuModuleLoadData", null,
                        FatbinImage.RESOURCE + ", " + String.join(" ", fatbin.architectures()) + ", on " + device.name());
                module = out.get(ValueLayout.ADDRESS, 0);
            } catch (RuntimeException e) {
                driver.cuDevicePrimaryCtxRelease(cuDevice);
                throw e;
            }
        }
    }

    /** A runtime on device 0 through libcuda.so.1; an IllegalStateException with the probe's reason when unavailable. */
    public static NvidiaRuntime open() {
        Probe p = probeDefault();
        if (!p.availability().available()) throw new IllegalStateException("CUDA is not available: " + p.availability().reason());
        return new NvidiaRuntime(p.driver(), p.device(), p.fatbin(), null, null, null);
    }

    /**
     * A runtime through the given driver library (a soname or a path), on the device of that ordinal, with the fatbin
     * of the loader and the given cuBLAS library (null: the first of CublasLibrary.LIBRARIES).
     */
    static NvidiaRuntime open(String library, String cublasLibrary, ClassLoader loader, int ordinal) {
        return open(library, cublasLibrary, null, loader, ordinal);
    }

    /** As open(library, cublasLibrary, loader, ordinal), with the given cuDNN library (null: libcudnn.so.9). */
    static NvidiaRuntime open(String library, String cublasLibrary, String cudnnLibrary, ClassLoader loader, int ordinal) {
        return open(library, cublasLibrary, cudnnLibrary, null, loader, ordinal);
    }

    /** As open(library, cublasLibrary, cudnnLibrary, loader, ordinal), with the given cuBLASLt library (null: the first of CublasLtLibrary.LIBRARIES). */
    static NvidiaRuntime open(String library, String cublasLibrary, String cudnnLibrary, String cublasLtLibrary, ClassLoader loader,
                              int ordinal) {
        Probe p = probe(library, loader, ordinal);
        if (!p.availability().available()) throw new IllegalStateException("CUDA is not available: " + p.availability().reason());
        return new NvidiaRuntime(p.driver(), p.device(), p.fatbin(), cublasLibrary, cudnnLibrary, cublasLtLibrary);
    }

    /** The device this runtime runs on. */
    public DeviceInfo device() { return device; }

    @Override
    public String description() { return "cuda (" + device + ", fatbin " + String.join(" ", fatbin.architectures()) + ")"; }

    private void makeCurrent() {
        if (CURRENT_CONTEXT.get() == context) return;
        driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        CURRENT_CONTEXT.set(context);
    }

    private void enter() {
        if (closed) throw new IllegalStateException("this NvidiaRuntime is closed");
        makeCurrent();
    }

    private static MemorySegment handle(long h) { return MemorySegment.ofAddress(h); }

    // ---------------------------------------------------------------- memory

    @Override
    public long alloc(long bytes) {
        capture.forbid("alloc(" + bytes + " bytes)");
        return allocDuringCapture(bytes);
    }

    @Override
    public long allocDuringCapture(long bytes) {
        enter();
        if (bytes <= 0) throw new IllegalArgumentException("alloc: " + bytes + " bytes (must be > 0)");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG);
            int rc = driver.cuMemAlloc(out, bytes);
            if (rc == CudaStatus.CUDA_ERROR_OUT_OF_MEMORY) throw outOfMemory("alloc", bytes);
            driver.check(rc, "alloc(" + bytes + " bytes)");
            long p = out.get(ValueLayout.JAVA_LONG, 0);
            allocations.put(p, bytes);
            long live = liveBytes.addAndGet(bytes);
            peakBytes.accumulateAndGet(live, Math::max);
            return p;
        }
    }

    /** The out-of-memory error: the bytes requested, and free and total as the driver reports them now. */
    private CudaException outOfMemory(String call, long requested) {
        String free = "unknown";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(ValueLayout.JAVA_LONG), t = a.allocate(ValueLayout.JAVA_LONG);
            if (driver.cuMemGetInfo(f, t) == CudaStatus.CUDA_SUCCESS)
                free = f.get(ValueLayout.JAVA_LONG, 0) + " bytes free of " + t.get(ValueLayout.JAVA_LONG, 0);
        }
        return new CudaException(call, "CUDA_ERROR_OUT_OF_MEMORY", null, requested + " bytes requested, " + free
                + " on " + device.name() + " (this runtime holds " + liveBytes.get() + " bytes in " + allocations.size() + " allocations)");
    }

    @Override
    public void free(long devicePointer) {
        enter();
        capture.forbid("free");
        Long bytes = allocations.get(devicePointer);
        if (bytes == null)
            throw new IllegalArgumentException("free: 0x" + Long.toHexString(devicePointer) + " is not an allocation of this runtime");
        driver.check(driver.cuMemFree(devicePointer), "free");
        allocations.remove(devicePointer);
        liveBytes.addAndGet(-bytes);
    }

    /** Page-locked host memory (cuMemAllocHost): the source or target of truly asynchronous copies. */
    public MemorySegment allocHost(long bytes) {
        enter();
        if (bytes <= 0) throw new IllegalArgumentException("allocHost: " + bytes + " bytes (must be > 0)");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            int rc = driver.cuMemAllocHost(out, bytes);
            if (rc == CudaStatus.CUDA_ERROR_OUT_OF_MEMORY)
                throw new CudaException("allocHost", "CUDA_ERROR_OUT_OF_MEMORY", null, bytes + " bytes of pinned host memory requested");
            driver.check(rc, "allocHost(" + bytes + " bytes)");
            MemorySegment p = out.get(ValueLayout.ADDRESS, 0);
            hostAllocations.put(p.address(), bytes);
            return p.reinterpret(bytes);
        }
    }

    /** Frees memory from allocHost. */
    public void freeHost(MemorySegment host) {
        enter();
        if (hostAllocations.remove(host.address()) == null)
            throw new IllegalArgumentException("freeHost: 0x" + Long.toHexString(host.address()) + " is not from allocHost of this runtime");
        driver.check(driver.cuMemFreeHost(host), "freeHost");
    }

    @Override
    public void copyHostToDevice(long dst, MemorySegment src, long bytes, Stream stream) {
        enter();
        requireHost(src, bytes, "copyHostToDevice");
        capture.forbid("copyHostToDevice");
        capture.recorder(stream, "copyHostToDevice");
        if (bytes == 0) return;
        if (src.isNative()) {
            driver.check(driver.cuMemcpyHtoDAsync(dst, src, bytes, handle(stream.handle())), "copyHostToDevice(" + bytes + " bytes)");
            return;
        }
        try (Arena a = Arena.ofConfined()) {  // pageable: the driver has read it when the call returns
            MemorySegment tmp = a.allocate(bytes, 16);
            MemorySegment.copy(src, 0, tmp, 0, bytes);
            driver.check(driver.cuMemcpyHtoDAsync(dst, tmp, bytes, handle(stream.handle())), "copyHostToDevice(" + bytes + " bytes)");
        }
    }

    @Override
    public void copyDeviceToHost(MemorySegment dst, long src, long bytes, Stream stream) {
        enter();
        requireHost(dst, bytes, "copyDeviceToHost");
        capture.forbid("copyDeviceToHost");
        capture.recorder(stream, "copyDeviceToHost");
        if (dst.isReadOnly()) throw new IllegalArgumentException("copyDeviceToHost: the host destination is read-only");
        if (bytes == 0) return;
        if (dst.isNative()) {
            checkStream(driver.cuMemcpyDtoHAsync(dst, src, bytes, handle(stream.handle())), "copyDeviceToHost(" + bytes + " bytes)", stream);
            return;
        }
        try (Arena a = Arena.ofConfined()) {  // pageable: the copy has completed when the call returns
            MemorySegment tmp = a.allocate(bytes, 16);
            checkStream(driver.cuMemcpyDtoHAsync(tmp, src, bytes, handle(stream.handle())), "copyDeviceToHost(" + bytes + " bytes)", stream);
            MemorySegment.copy(tmp, 0, dst, 0, bytes);
        }
    }

    @Override
    public void copyDeviceToDevice(long dst, long src, long bytes, Stream stream) {
        enter();
        if (bytes < 0) throw new IllegalArgumentException("copyDeviceToDevice: " + bytes + " bytes");
        capture.recorder(stream, "copyDeviceToDevice");
        if (bytes == 0) return;
        driver.check(driver.cuMemcpyDtoDAsync(dst, src, bytes, handle(stream.handle())), "copyDeviceToDevice(" + bytes + " bytes)");
    }

    @Override
    public void memset8(long dst, int value, long count, Stream stream) {
        enter();
        capture.recorder(stream, "memset8");
        if (count == 0) return;
        driver.check(driver.cuMemsetD8Async(dst, (byte) value, count, handle(stream.handle())), "memset8(" + count + " bytes)");
    }

    @Override
    public void memset32(long dst, int value, long count, Stream stream) {
        enter();
        capture.recorder(stream, "memset32");
        if (count == 0) return;
        driver.check(driver.cuMemsetD32Async(dst, value, count, handle(stream.handle())), "memset32(" + count + " words)");
    }

    private static void requireHost(MemorySegment host, long bytes, String call) {
        if (bytes < 0 || host.byteSize() < bytes)
            throw new IllegalArgumentException(call + ": " + bytes + " bytes requested but the host segment has " + host.byteSize());
    }

    // ---------------------------------------------------------------- kernels

    private MemorySegment function(String kernel) {
        MemorySegment f = functions.get(kernel);
        if (f != null) return f;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            driver.check(driver.cuModuleGetFunction(out, module, a.allocateFrom(kernel)), "cuModuleGetFunction", kernel,
                    "no kernel of that name in " + FatbinImage.RESOURCE + " for " + device.name());
            f = out.get(ValueLayout.ADDRESS, 0);
        }
        functions.put(kernel, f);
        return f;
    }

    @Override
    public void setMaxDynamicSharedMemory(String kernel, int bytes) {
        enter();
        driver.check(driver.cuFuncSetAttribute(function(kernel), CudaDriver.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                "setMaxDynamicSharedMemory(" + bytes + ")", kernel, device.name() + " allows up to " + device.sharedPerBlockOptIn() + " bytes");
    }

    @Override
    public void launch(String kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, Stream stream, KernelArgs args) {
        enter();
        if (dynamicSharedBytes < 0) throw new IllegalArgumentException("launch of " + kernel + ": negative dynamic shared memory");
        capture.recorder(stream, "launch of " + kernel);
        MemorySegment f = function(kernel);
        try (Arena a = Arena.ofConfined()) {  // cuLaunchKernel copies the argument values before it returns
            int rc = driver.cuLaunchKernel(f, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(), dynamicSharedBytes,
                    handle(stream.handle()), args.pack(a), MemorySegment.NULL);
            launches.incrementAndGet();
            if (rc == CudaStatus.CUDA_SUCCESS) {
                lastKernel.put(stream.handle(), kernel);
                return;
            }
            throw driver.error(rc, "launch", kernel, "grid " + grid + ", block " + block + ", " + dynamicSharedBytes
                    + " bytes of dynamic shared memory, " + args);
        }
    }

    // ---------------------------------------------------------------- streams and events

    @Override
    public Stream createStream() { return createStream(CudaDriver.CU_STREAM_DEFAULT, "createStream"); }

    /** A CU_STREAM_NON_BLOCKING stream: its copies overlap the legacy default stream's kernels. */
    @Override
    public Stream createNonBlockingStream() { return createStream(CudaDriver.CU_STREAM_NON_BLOCKING, "createNonBlockingStream"); }

    private Stream createStream(int flags, String call) {
        enter();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            driver.check(driver.cuStreamCreate(out, flags), call);
            long h = out.get(ValueLayout.ADDRESS, 0).address();
            streams.add(h);
            return new Stream(h);
        }
    }

    @Override
    public void destroyStream(Stream stream) {
        enter();
        if (!streams.remove(stream.handle())) throw new IllegalArgumentException("destroyStream: " + stream + " is not a stream of this runtime");
        lastKernel.remove(stream.handle());
        driver.check(driver.cuStreamDestroy(handle(stream.handle())), "destroyStream");
    }

    @Override
    public void synchronize(Stream stream) {
        enter();
        capture.forbid("synchronize(stream)");
        capture.recorder(stream, "synchronize(stream)");
        checkStream(driver.cuStreamSynchronize(handle(stream.handle())), "synchronize(stream)", stream);
    }

    /** Like check, naming the last kernel launched on the stream: where an asynchronous device fault most likely came from. */
    private void checkStream(int rc, String call, Stream stream) {
        if (rc == CudaStatus.CUDA_SUCCESS) return;
        String kernel = lastKernel.get(stream.handle());
        throw driver.error(rc, call, kernel, kernel == null ? null
                : "the last kernel launched on this stream; a device fault may come from an earlier launch");
    }

    /** Makes the stream wait for the event (cuStreamWaitEvent): cross-stream ordering without a host wait. */
    @Override
    public void waitEvent(Stream stream, Event event) {
        enter();
        capture.forbid("waitEvent");
        capture.recorder(stream, "waitEvent");
        driver.check(driver.cuStreamWaitEvent(handle(stream.handle()), handle(event.handle()), 0), "waitEvent");
    }

    @Override
    public Event createEvent() {
        enter();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            driver.check(driver.cuEventCreate(out, CudaDriver.CU_EVENT_DEFAULT), "createEvent");
            long h = out.get(ValueLayout.ADDRESS, 0).address();
            events.add(h);
            return new Event(h);
        }
    }

    @Override
    public void destroyEvent(Event event) {
        enter();
        if (!events.remove(event.handle())) throw new IllegalArgumentException("destroyEvent: " + event + " is not an event of this runtime");
        driver.check(driver.cuEventDestroy(handle(event.handle())), "destroyEvent");
    }

    @Override
    public void record(Event event, Stream stream) {
        enter();
        capture.forbid("record(event)");
        capture.recorder(stream, "record(event)");
        driver.check(driver.cuEventRecord(handle(event.handle()), handle(stream.handle())), "record(event)");
    }

    @Override
    public void synchronize(Event event) {
        enter();
        capture.forbid("synchronize(event)");
        driver.check(driver.cuEventSynchronize(handle(event.handle())), "synchronize(event)");
    }

    @Override
    public float elapsedMillis(Event start, Event end) {
        enter();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_FLOAT);
            driver.check(driver.cuEventElapsedTime(out, handle(start.handle()), handle(end.handle())), "elapsedMillis");
            return out.get(ValueLayout.JAVA_FLOAT, 0);
        }
    }

    // ---------------------------------------------------------------- graphs

    @Override
    public void beginCapture(Stream stream) {
        enter();
        capture.begin(stream);
        int rc = driver.cuStreamBeginCapture(handle(stream.handle()), CudaDriver.CU_STREAM_CAPTURE_MODE_RELAXED);
        if (rc != CudaStatus.CUDA_SUCCESS) {
            try {   // forget the Java-side capture too
                capture.end(stream);
            } catch (RuntimeException ignored) {
                // the driver's error is the one to report
            }
            throw driver.error(rc, "beginCapture", null, null);
        }
    }

    @Override
    public Graph endCapture(Stream stream) {
        enter();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            int rc = driver.cuStreamEndCapture(handle(stream.handle()), out);
            RuntimeException rules = null;
            try {
                capture.end(stream);
            } catch (RuntimeException e) {
                rules = e;
            }
            long g = rc == CudaStatus.CUDA_SUCCESS ? out.get(ValueLayout.ADDRESS, 0).address() : 0;
            if (rules != null) {
                if (g != 0) driver.cuGraphDestroy(handle(g));
                throw rules;
            }
            driver.check(rc, "endCapture");
            graphs.add(g);
            return new Graph(g);
        }
    }

    @Override
    public boolean capturing(Stream stream) { return capture.capturing(stream); }

    @Override
    public GraphExec instantiate(Graph graph) {
        enter();
        if (!graphs.contains(graph.handle())) throw new IllegalArgumentException("instantiate: " + graph + " is not a graph of this runtime");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            driver.check(driver.cuGraphInstantiate(out, handle(graph.handle()), 0L), "instantiate");
            long e = out.get(ValueLayout.ADDRESS, 0).address();
            execs.add(e);
            return new GraphExec(e);
        }
    }

    @Override
    public boolean update(GraphExec exec, Graph graph) {
        enter();
        if (!execs.contains(exec.handle())) throw new IllegalArgumentException("update: " + exec + " is not an executable graph of this runtime");
        if (!graphs.contains(graph.handle())) throw new IllegalArgumentException("update: " + graph + " is not a graph of this runtime");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(CudaDriver.GRAPH_EXEC_UPDATE_RESULT_INFO_BYTES, 8);
            int rc = driver.cuGraphExecUpdate(handle(exec.handle()), handle(graph.handle()), info);
            if (rc == GRAPH_EXEC_UPDATE_FAILURE) return false;
            driver.check(rc, "update");
            return info.get(ValueLayout.JAVA_INT, 0) == CudaDriver.CU_GRAPH_EXEC_UPDATE_SUCCESS;
        }
    }

    @Override
    public void launchGraph(GraphExec exec, Stream stream) {
        enter();
        capture.forbid("launchGraph");
        capture.recorder(stream, "launchGraph");
        if (!execs.contains(exec.handle())) throw new IllegalArgumentException("launchGraph: " + exec + " is not an executable graph of this runtime");
        checkStream(driver.cuGraphLaunch(handle(exec.handle()), handle(stream.handle())), "launchGraph", stream);
    }

    @Override
    public void destroyGraph(Graph graph) {
        enter();
        if (!graphs.remove(graph.handle())) throw new IllegalArgumentException("destroyGraph: " + graph + " is not a graph of this runtime");
        driver.check(driver.cuGraphDestroy(handle(graph.handle())), "destroyGraph");
    }

    @Override
    public void destroyGraphExec(GraphExec exec) {
        enter();
        if (!execs.remove(exec.handle())) throw new IllegalArgumentException("destroyGraphExec: " + exec + " is not an executable graph of this runtime");
        driver.check(driver.cuGraphExecDestroy(handle(exec.handle())), "destroyGraphExec");
    }

    /** Waits for all work on the device's context (cuCtxSynchronize). */
    public void synchronizeDevice() {
        enter();
        driver.check(driver.cuCtxSynchronize(), "synchronizeDevice");
    }

    // ---------------------------------------------------------------- GEMM (cuBLAS)

    /** The cuBLAS handle of this runtime, created on first use (an IllegalStateException when cuBLAS is missing). */
    private CublasLibrary.Handle cublas() {
        synchronized (cublasLock) {
            if (cublas == null) {
                CublasLibrary.Load load = cublasLibrary == null ? CublasLibrary.load() : CublasLibrary.load(cublasLibrary);
                if (!load.loaded()) throw new IllegalStateException("cuBLAS is not available: " + load.reason());
                cublas = load.library().create();
            }
            return cublas;
        }
    }

    /**
     * Row-major GEMM on the stream: C[m,n] = alpha * op(A) op(B) + beta * C, op(A) [m,k], op(B) [k,n], leading
     * dimensions in elements of the row-major matrices as stored. FP32: cublasSgemm with true FP32 math; TF32: the
     * same with CUBLAS_TF32_TENSOR_OP_MATH; BF16: A and B are bf16, cublasGemmEx (CudaPrecision). See
     * CublasLibrary.sgemmRowMajor for the column-major mapping.
     */
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                      float beta, long c, int ldc, Stream stream, Precision precision) {
        enter();
        CublasLibrary.Handle h = cublas();
        synchronized (h) {
            h.setStream(stream.handle());
            h.setTf32(precision == Precision.TF32);
            if (precision == Precision.BF16) h.gemmBf16RowMajor(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            else h.sgemmRowMajor(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
    }

    /** sgemm over {@code batch} matrices at the given element strides (cublasSgemmStridedBatched, or ...Ex for BF16). */
    public void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                                    long strideA, long b, int ldb, long strideB, float beta, long c, int ldc, long strideC,
                                    int batch, Stream stream, Precision precision) {
        enter();
        CublasLibrary.Handle h = cublas();
        synchronized (h) {
            h.setStream(stream.handle());
            h.setTf32(precision == Precision.TF32);
            if (precision == Precision.BF16)
                h.gemmBf16StridedBatchedRowMajor(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c,
                        ldc, strideC, batch);
            else
                h.sgemmStridedBatchedRowMajor(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc,
                        strideC, batch);
        }
    }

    // ---------------------------------------------------------------- GEMM with a bias epilogue (cuBLASLt)

    /** The cuBLASLt handle, created on first use; null when the library is absent or the handle cannot be created. */
    private CublasLtLibrary.Handle cublasLt() {
        synchronized (cublasLtLock) {
            if (cublasLtHandle == null && cublasLt.loaded() && cublasLtFailure == null) {
                try {
                    makeCurrent();
                    cublasLtHandle = cublasLt.library().create();
                } catch (CudaException e) {
                    cublasLtFailure = cublasLt.library().describe() + " is loaded but " + e.getMessage();
                }
            }
            return cublasLtHandle;
        }
    }

    /**
     * cuBLASLt's GEMM with CUBLASLT_EPILOGUE_BIAS (CublasLtLibrary: the column-major mapping, descriptors cached per
     * shape) when libcublasLt loaded and lethe.cuda.gemm-epilogue is auto; else, or for a shape cuBLASLt has no
     * algorithm for, the interface's composition (cuBLAS sgemm, then the bias_add_rows_f32 kernel).
     */
    @Override
    public boolean sgemmBias(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long b, int ldb, long bias,
                             long c, int ldc, Stream stream, Precision precision, LongUnaryOperator workspace) {
        enter();
        if ((long) m * n > 0 && k > 0 && GemmEpilogue.mode() == GemmEpilogue.Mode.AUTO) {
            CublasLtLibrary.Handle lt = cublasLt();
            if (lt != null && lt.matmulBias(transA, transB, m, n, k, a, lda, b, ldb, bias, c, ldc, stream.handle(), precision, workspace))
                return true;
        }
        return DeviceRuntime.super.sgemmBias(transA, transB, m, n, k, a, lda, b, ldb, bias, c, ldc, stream, precision, workspace);
    }

    /** Whether sgemmBias takes cuBLASLt's epilogue: libcublasLt loaded, its handle created, the switch auto. */
    @Override
    public boolean gemmBiasFused() {
        return GemmEpilogue.mode() == GemmEpilogue.Mode.AUTO && cublasLt.loaded() && cublasLt() != null;
    }

    @Override
    public String gemmEpilogueStatus() {
        String kernel = "cuBLAS sgemm, then the " + GemmEpilogue.BIAS_KERNEL + " kernel";
        if (GemmEpilogue.mode() == GemmEpilogue.Mode.OFF) return kernel + " (" + GemmEpilogue.PROPERTY + "=off)";
        if (!cublasLt.loaded()) return kernel + " (" + cublasLt.reason() + ")";
        if (cublasLt() == null) return kernel + " (" + cublasLtFailure + ")";
        return cublasLt.library().describe() + ": the bias in the GEMM's epilogue (CUBLASLT_EPILOGUE_BIAS)";
    }

    // ---------------------------------------------------------------- convolution (cuDNN)

    @Override
    public Optional<CudnnConvolutions> cudnn() {
        enter();
        return cudnn.get();
    }

    @Override
    public String cudnnStatus() { return cudnn.status(); }

    // ---------------------------------------------------------------- counters and closing

    @Override
    public MemoryCounters memory() { return new MemoryCounters(liveBytes.get(), peakBytes.get(), allocations.size()); }

    @Override
    public long launches() { return launches.get(); }

    @Override
    public void close() {
        if (closed) return;
        makeCurrent();
        closed = true;
        RuntimeException first = null;
        first = attempt(first, () -> driver.check(driver.cuCtxSynchronize(), "close: cuCtxSynchronize"));
        synchronized (cublasLock) {
            if (cublas != null) first = attempt(first, cublas::close);
            cublas = null;
        }
        first = attempt(first, cudnn::close);
        synchronized (cublasLtLock) {
            if (cublasLtHandle != null) first = attempt(first, cublasLtHandle::close);
            cublasLtHandle = null;
        }
        for (long e : execs) first = attempt(first, () -> driver.check(driver.cuGraphExecDestroy(handle(e)), "close: cuGraphExecDestroy"));
        for (long g : graphs) first = attempt(first, () -> driver.check(driver.cuGraphDestroy(handle(g)), "close: cuGraphDestroy"));
        execs.clear();
        graphs.clear();
        for (long p : allocations.keySet()) first = attempt(first, () -> driver.check(driver.cuMemFree(p), "close: cuMemFree"));
        for (long p : hostAllocations.keySet())
            first = attempt(first, () -> driver.check(driver.cuMemFreeHost(handle(p)), "close: cuMemFreeHost"));
        for (long s : streams) first = attempt(first, () -> driver.check(driver.cuStreamDestroy(handle(s)), "close: cuStreamDestroy"));
        for (long e : events) first = attempt(first, () -> driver.check(driver.cuEventDestroy(handle(e)), "close: cuEventDestroy"));
        allocations.clear();
        hostAllocations.clear();
        streams.clear();
        events.clear();
        liveBytes.set(0);
        first = attempt(first, () -> driver.check(driver.cuModuleUnload(module), "close: cuModuleUnload"));
        first = attempt(first, () -> driver.check(driver.cuDevicePrimaryCtxRelease(cuDevice), "close: cuDevicePrimaryCtxRelease"));
        CURRENT_CONTEXT.remove();
        if (first != null) throw first;
    }

    private static RuntimeException attempt(RuntimeException first, Runnable r) {
        try {
            r.run();
            return first;
        } catch (RuntimeException e) {
            if (first == null) return e;
            first.addSuppressed(e);
            return first;
        }
    }
}
