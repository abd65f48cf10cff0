// The CUDA driver API (libcuda.so.1) bound through FFM: no JNI, no JCuda, no CUDA binary of our own. Every function
// Lethe calls is declared once below as data (symbol + FunctionDescriptor, in FUNCTIONS) and bound when the library
// loads; CudaDriverDescriptorTest checks each against its prototype in the toolkit's cuda.h (name after the header's
// #define versioning, e.g. cuMemAlloc -> cuMemAlloc_v2, arity, argument and return types), and the cuda.h constants
// used here against the header's enums.
//
// C -> FFM types: pointers and opaque handles (CUcontext, CUmodule, CUfunction, CUstream, CUevent: pointers to
// structs) -> ADDRESS; CUdeviceptr and size_t -> JAVA_LONG; int, unsigned int, CUdevice and enums -> JAVA_INT;
// unsigned char -> JAVA_BYTE; float -> JAVA_FLOAT; CUresult (the status) -> JAVA_INT.
//
// The symbols are the non-per-thread ones (no _ptsz/_ptds): stream 0 is the legacy default stream. The versioned
// symbols (_v2) are those of cuda.h 13.0; cuEventElapsedTime_v2 (CUDA 12.8+) is the newest, and the fatbin is built by
// nvcc 13, whose cubins and PTX need a CUDA 13 driver (R580+) anyway: MIN_DRIVER_VERSION.
package ai.lethe.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** The driver API functions Lethe uses, bound to one libcuda. */
public final class CudaDriver {
    /** The driver library's soname (installed with the NVIDIA driver, not with the toolkit). */
    public static final String LIBRARY = "libcuda.so.1";

    /** The oldest driver (cuDriverGetVersion: 1000 * major + 10 * minor) that runs nvcc 13's cubins and PTX. */
    public static final int MIN_DRIVER_VERSION = 13000;

    // constants of cuda.h (CudaDriverDescriptorTest checks each against the header's enum)
    public static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    public static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
    public static final int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
    public static final int CU_STREAM_DEFAULT = 0;
    /** cuStreamCreate flag: the stream does not synchronise with the legacy NULL stream (cuda.h CU_STREAM_NON_BLOCKING). */
    public static final int CU_STREAM_NON_BLOCKING = 1;
    public static final int CU_EVENT_DEFAULT = 0;
    /** Capture mode of beginCapture: the runtime keeps the rules itself (CaptureRules), so the driver's are relaxed. */
    public static final int CU_STREAM_CAPTURE_MODE_RELAXED = 2;
    /** cuGraphExecUpdate's result when the topologies match. */
    public static final int CU_GRAPH_EXEC_UPDATE_SUCCESS = 0;

    private static final ValueLayout A = ValueLayout.ADDRESS;
    private static final ValueLayout I = ValueLayout.JAVA_INT;
    private static final ValueLayout J = ValueLayout.JAVA_LONG;
    private static final ValueLayout B = ValueLayout.JAVA_BYTE;

    // ---- the bound functions, as data; "// C:" is the cuda.h prototype (API name before the #define)
    /** C: CUresult cuInit(unsigned int Flags) */
    public static final NativeFunction CU_INIT = NativeFunction.of("cuInit", I, I);
    /** C: CUresult cuDriverGetVersion(int *driverVersion) */
    public static final NativeFunction CU_DRIVER_GET_VERSION = NativeFunction.of("cuDriverGetVersion", I, A);
    /** C: CUresult cuGetErrorName(CUresult error, const char **pStr) */
    public static final NativeFunction CU_GET_ERROR_NAME = NativeFunction.of("cuGetErrorName", I, I, A);
    /** C: CUresult cuGetErrorString(CUresult error, const char **pStr) */
    public static final NativeFunction CU_GET_ERROR_STRING = NativeFunction.of("cuGetErrorString", I, I, A);
    /** C: CUresult cuDeviceGetCount(int *count) */
    public static final NativeFunction CU_DEVICE_GET_COUNT = NativeFunction.of("cuDeviceGetCount", I, A);
    /** C: CUresult cuDeviceGet(CUdevice *device, int ordinal) */
    public static final NativeFunction CU_DEVICE_GET = NativeFunction.of("cuDeviceGet", I, A, I);
    /** C: CUresult cuDeviceGetName(char *name, int len, CUdevice dev) */
    public static final NativeFunction CU_DEVICE_GET_NAME = NativeFunction.of("cuDeviceGetName", I, A, I, I);
    /** C: CUresult cuDeviceTotalMem(size_t *bytes, CUdevice dev) */
    public static final NativeFunction CU_DEVICE_TOTAL_MEM = NativeFunction.of("cuDeviceTotalMem_v2", I, A, I);
    /** C: CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev) */
    public static final NativeFunction CU_DEVICE_GET_ATTRIBUTE = NativeFunction.of("cuDeviceGetAttribute", I, A, I, I);
    /** C: CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev) */
    public static final NativeFunction CU_DEVICE_PRIMARY_CTX_RETAIN = NativeFunction.of("cuDevicePrimaryCtxRetain", I, A, I);
    /** C: CUresult cuDevicePrimaryCtxRelease(CUdevice dev) */
    public static final NativeFunction CU_DEVICE_PRIMARY_CTX_RELEASE = NativeFunction.of("cuDevicePrimaryCtxRelease_v2", I, I);
    /** C: CUresult cuCtxSetCurrent(CUcontext ctx) */
    public static final NativeFunction CU_CTX_SET_CURRENT = NativeFunction.of("cuCtxSetCurrent", I, A);
    /** C: CUresult cuCtxSynchronize(void) */
    public static final NativeFunction CU_CTX_SYNCHRONIZE = NativeFunction.of("cuCtxSynchronize", I);
    /** C: CUresult cuMemGetInfo(size_t *free, size_t *total) */
    public static final NativeFunction CU_MEM_GET_INFO = NativeFunction.of("cuMemGetInfo_v2", I, A, A);
    /** C: CUresult cuModuleLoadData(CUmodule *module, const void *image) */
    public static final NativeFunction CU_MODULE_LOAD_DATA = NativeFunction.of("cuModuleLoadData", I, A, A);
    /** C: CUresult cuModuleUnload(CUmodule hmod) */
    public static final NativeFunction CU_MODULE_UNLOAD = NativeFunction.of("cuModuleUnload", I, A);
    /** C: CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name) */
    public static final NativeFunction CU_MODULE_GET_FUNCTION = NativeFunction.of("cuModuleGetFunction", I, A, A, A);
    /** C: CUresult cuFuncSetAttribute(CUfunction hfunc, CUfunction_attribute attrib, int value) */
    public static final NativeFunction CU_FUNC_SET_ATTRIBUTE = NativeFunction.of("cuFuncSetAttribute", I, A, I, I);
    /**
     * C: CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, gridDimY, gridDimZ, unsigned int blockDimX,
     * blockDimY, blockDimZ, unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra)
     */
    public static final NativeFunction CU_LAUNCH_KERNEL = NativeFunction.of("cuLaunchKernel", I, A, I, I, I, I, I, I, I, A, A, A);
    /** C: CUresult cuMemAlloc(CUdeviceptr *dptr, size_t bytesize) */
    public static final NativeFunction CU_MEM_ALLOC = NativeFunction.of("cuMemAlloc_v2", I, A, J);
    /** C: CUresult cuMemFree(CUdeviceptr dptr) */
    public static final NativeFunction CU_MEM_FREE = NativeFunction.of("cuMemFree_v2", I, J);
    /** C: CUresult cuMemAllocHost(void **pp, size_t bytesize) */
    public static final NativeFunction CU_MEM_ALLOC_HOST = NativeFunction.of("cuMemAllocHost_v2", I, A, J);
    /** C: CUresult cuMemFreeHost(void *p) */
    public static final NativeFunction CU_MEM_FREE_HOST = NativeFunction.of("cuMemFreeHost", I, A);
    /** C: CUresult cuMemcpyHtoDAsync(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream) */
    public static final NativeFunction CU_MEMCPY_HTOD_ASYNC = NativeFunction.of("cuMemcpyHtoDAsync_v2", I, J, A, J, A);
    /** C: CUresult cuMemcpyDtoHAsync(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) */
    public static final NativeFunction CU_MEMCPY_DTOH_ASYNC = NativeFunction.of("cuMemcpyDtoHAsync_v2", I, A, J, J, A);
    /** C: CUresult cuMemcpyDtoDAsync(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) */
    public static final NativeFunction CU_MEMCPY_DTOD_ASYNC = NativeFunction.of("cuMemcpyDtoDAsync_v2", I, J, J, J, A);
    /** C: CUresult cuMemsetD8Async(CUdeviceptr dstDevice, unsigned char uc, size_t N, CUstream hStream) */
    public static final NativeFunction CU_MEMSET_D8_ASYNC = NativeFunction.of("cuMemsetD8Async", I, J, B, J, A);
    /** C: CUresult cuMemsetD32Async(CUdeviceptr dstDevice, unsigned int ui, size_t N, CUstream hStream) */
    public static final NativeFunction CU_MEMSET_D32_ASYNC = NativeFunction.of("cuMemsetD32Async", I, J, I, J, A);
    /** C: CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags) */
    public static final NativeFunction CU_STREAM_CREATE = NativeFunction.of("cuStreamCreate", I, A, I);
    /** C: CUresult cuStreamDestroy(CUstream hStream) */
    public static final NativeFunction CU_STREAM_DESTROY = NativeFunction.of("cuStreamDestroy_v2", I, A);
    /** C: CUresult cuStreamSynchronize(CUstream hStream) */
    public static final NativeFunction CU_STREAM_SYNCHRONIZE = NativeFunction.of("cuStreamSynchronize", I, A);
    /** C: CUresult cuStreamWaitEvent(CUstream hStream, CUevent hEvent, unsigned int Flags) */
    public static final NativeFunction CU_STREAM_WAIT_EVENT = NativeFunction.of("cuStreamWaitEvent", I, A, A, I);
    /** C: CUresult cuEventCreate(CUevent *phEvent, unsigned int Flags) */
    public static final NativeFunction CU_EVENT_CREATE = NativeFunction.of("cuEventCreate", I, A, I);
    /** C: CUresult cuEventDestroy(CUevent hEvent) */
    public static final NativeFunction CU_EVENT_DESTROY = NativeFunction.of("cuEventDestroy_v2", I, A);
    /** C: CUresult cuEventRecord(CUevent hEvent, CUstream hStream) */
    public static final NativeFunction CU_EVENT_RECORD = NativeFunction.of("cuEventRecord", I, A, A);
    /** C: CUresult cuEventSynchronize(CUevent hEvent) */
    public static final NativeFunction CU_EVENT_SYNCHRONIZE = NativeFunction.of("cuEventSynchronize", I, A);
    /** C: CUresult cuEventElapsedTime(float *pMilliseconds, CUevent hStart, CUevent hEnd) */
    public static final NativeFunction CU_EVENT_ELAPSED_TIME = NativeFunction.of("cuEventElapsedTime_v2", I, A, A, A);

    /** C: CUresult cuStreamBeginCapture(CUstream hStream, CUstreamCaptureMode mode) */
    public static final NativeFunction CU_STREAM_BEGIN_CAPTURE = NativeFunction.of("cuStreamBeginCapture_v2", I, A, I);
    /** C: CUresult cuStreamEndCapture(CUstream hStream, CUgraph *phGraph) */
    public static final NativeFunction CU_STREAM_END_CAPTURE = NativeFunction.of("cuStreamEndCapture", I, A, A);
    /** C: CUresult cuGraphInstantiate(CUgraphExec *phGraphExec, CUgraph hGraph, unsigned long long flags) */
    public static final NativeFunction CU_GRAPH_INSTANTIATE = NativeFunction.of("cuGraphInstantiateWithFlags", I, A, A, J);
    /** C: CUresult cuGraphExecUpdate(CUgraphExec hGraphExec, CUgraph hGraph, CUgraphExecUpdateResultInfo *resultInfo) */
    public static final NativeFunction CU_GRAPH_EXEC_UPDATE = NativeFunction.of("cuGraphExecUpdate_v2", I, A, A, A);
    /** C: CUresult cuGraphLaunch(CUgraphExec hGraphExec, CUstream hStream) */
    public static final NativeFunction CU_GRAPH_LAUNCH = NativeFunction.of("cuGraphLaunch", I, A, A);
    /** C: CUresult cuGraphExecDestroy(CUgraphExec hGraphExec) */
    public static final NativeFunction CU_GRAPH_EXEC_DESTROY = NativeFunction.of("cuGraphExecDestroy", I, A);
    /** C: CUresult cuGraphDestroy(CUgraph hGraph) */
    public static final NativeFunction CU_GRAPH_DESTROY = NativeFunction.of("cuGraphDestroy", I, A);

    /** Bytes of CUgraphExecUpdateResultInfo (result, pad, errorNode, errorFromNode) on x86-64. */
    public static final long GRAPH_EXEC_UPDATE_RESULT_INFO_BYTES = 24;

    /** Every driver function Lethe binds (the descriptor test enumerates this). */
    public static final List<NativeFunction> FUNCTIONS = List.of(CU_INIT, CU_DRIVER_GET_VERSION, CU_GET_ERROR_NAME,
            CU_GET_ERROR_STRING, CU_DEVICE_GET_COUNT, CU_DEVICE_GET, CU_DEVICE_GET_NAME, CU_DEVICE_TOTAL_MEM,
            CU_DEVICE_GET_ATTRIBUTE, CU_DEVICE_PRIMARY_CTX_RETAIN, CU_DEVICE_PRIMARY_CTX_RELEASE, CU_CTX_SET_CURRENT,
            CU_CTX_SYNCHRONIZE, CU_MEM_GET_INFO, CU_MODULE_LOAD_DATA, CU_MODULE_UNLOAD, CU_MODULE_GET_FUNCTION,
            CU_FUNC_SET_ATTRIBUTE, CU_LAUNCH_KERNEL, CU_MEM_ALLOC, CU_MEM_FREE, CU_MEM_ALLOC_HOST, CU_MEM_FREE_HOST,
            CU_MEMCPY_HTOD_ASYNC, CU_MEMCPY_DTOH_ASYNC, CU_MEMCPY_DTOD_ASYNC, CU_MEMSET_D8_ASYNC, CU_MEMSET_D32_ASYNC,
            CU_STREAM_CREATE, CU_STREAM_DESTROY, CU_STREAM_SYNCHRONIZE, CU_STREAM_WAIT_EVENT, CU_EVENT_CREATE,
            CU_EVENT_DESTROY, CU_EVENT_RECORD, CU_EVENT_SYNCHRONIZE, CU_EVENT_ELAPSED_TIME, CU_STREAM_BEGIN_CAPTURE,
            CU_STREAM_END_CAPTURE, CU_GRAPH_INSTANTIATE, CU_GRAPH_EXEC_UPDATE, CU_GRAPH_LAUNCH, CU_GRAPH_EXEC_DESTROY,
            CU_GRAPH_DESTROY);

    /** The outcome of loading the library: a driver, or why there is none (never both). */
    public record Load(CudaDriver driver, String reason) {
        public boolean loaded() { return driver != null; }
    }

    private final String library;
    private final Map<NativeFunction, MethodHandle> handles;

    private CudaDriver(String library, Map<NativeFunction, MethodHandle> handles) {
        this.library = library;
        this.handles = handles;
    }

    /** Loads libcuda.so.1 by soname (the dynamic linker's search). Never throws. */
    public static Load load() { return load(LIBRARY); }

    /**
     * Loads a driver library (a soname or a path) and binds every function of FUNCTIONS. Never throws: a missing
     * library or symbol is a reason ("libcuda.so.1 not found", "libcuda.so.1 lacks cuEventElapsedTime_v2 ...").
     */
    public static Load load(String library) {
        NativeFunction.Binding b = NativeFunction.bindAll(library, FUNCTIONS,
                " (no NVIDIA driver installed, or not on the loader's path)",
                " (the driver is older than the CUDA 13 API Lethe binds; install driver R580 or newer)");
        return b.bound() ? new Load(new CudaDriver(library, b.handles()), null) : new Load(null, b.reason());
    }

    /** The library this driver was loaded from (a soname or a path). */
    public String library() { return library; }

    private MethodHandle h(NativeFunction f) { return handles.get(f); }

    // ---------------------------------------------------------------- status checks

    /** Throws a CudaException naming the call and the error when {@code rc} is not CUDA_SUCCESS. */
    public void check(int rc, String call) { check(rc, call, null, null); }

    /**
     * Throws a CudaException naming the call, the kernel (for a launch, else null), the CUDA error name and the
     * driver's description (plus {@code context}, when given) when {@code rc} is not CUDA_SUCCESS.
     */
    public void check(int rc, String call, String kernel, String context) {
        if (rc == CudaStatus.CUDA_SUCCESS) return;
        throw error(rc, call, kernel, context);
    }

    /** The CudaException for a failed call (see check). */
    public CudaException error(int rc, String call, String kernel, String context) {
        String detail = errorString(rc);
        if (context != null) detail = detail + " (" + context + ")";
        return new CudaException(call, errorName(rc), kernel, detail);
    }

    /** The error's name: from cuda.h's table, else from the driver (a code newer than the table), else its number. */
    public String errorName(int rc) {
        var known = CudaStatus.name(rc);
        if (known.isPresent()) return known.get();
        String fromDriver = describe(CU_GET_ERROR_NAME, rc);
        return fromDriver != null ? fromDriver : CudaStatus.nameOrNumber(rc);
    }

    /** The driver's description of the error, or "no description" when it has none. */
    public String errorString(int rc) {
        String s = describe(CU_GET_ERROR_STRING, rc);
        return s != null ? s : "no description from the driver";
    }

    private String describe(NativeFunction f, int rc) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            int status = (int) h(f).invokeExact(rc, out);
            if (status != CudaStatus.CUDA_SUCCESS) return null;
            MemorySegment s = out.get(ValueLayout.ADDRESS, 0);
            return s.equals(MemorySegment.NULL) ? null : s.reinterpret(4096).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return null;
        }
    }

    // ---------------------------------------------------------------- calls (each returns the CUresult)

    public int cuInit(int flags) {
        try { return (int) h(CU_INIT).invokeExact(flags); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuDriverGetVersion(MemorySegment version) {
        try { return (int) h(CU_DRIVER_GET_VERSION).invokeExact(version); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuDeviceGetCount(MemorySegment count) {
        try { return (int) h(CU_DEVICE_GET_COUNT).invokeExact(count); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuDeviceGet(MemorySegment device, int ordinal) {
        try { return (int) h(CU_DEVICE_GET).invokeExact(device, ordinal); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuDeviceGetName(MemorySegment name, int len, int device) {
        try { return (int) h(CU_DEVICE_GET_NAME).invokeExact(name, len, device); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuDeviceTotalMem(MemorySegment bytes, int device) {
        try { return (int) h(CU_DEVICE_TOTAL_MEM).invokeExact(bytes, device); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuDeviceGetAttribute(MemorySegment value, int attribute, int device) {
        try { return (int) h(CU_DEVICE_GET_ATTRIBUTE).invokeExact(value, attribute, device); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuDevicePrimaryCtxRetain(MemorySegment context, int device) {
        try { return (int) h(CU_DEVICE_PRIMARY_CTX_RETAIN).invokeExact(context, device); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuDevicePrimaryCtxRelease(int device) {
        try { return (int) h(CU_DEVICE_PRIMARY_CTX_RELEASE).invokeExact(device); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuCtxSetCurrent(MemorySegment context) {
        try { return (int) h(CU_CTX_SET_CURRENT).invokeExact(context); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuCtxSynchronize() {
        try { return (int) h(CU_CTX_SYNCHRONIZE).invokeExact(); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuMemGetInfo(MemorySegment free, MemorySegment total) {
        try { return (int) h(CU_MEM_GET_INFO).invokeExact(free, total); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuModuleLoadData(MemorySegment module, MemorySegment image) {
        try { return (int) h(CU_MODULE_LOAD_DATA).invokeExact(module, image); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuModuleUnload(MemorySegment module) {
        try { return (int) h(CU_MODULE_UNLOAD).invokeExact(module); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuModuleGetFunction(MemorySegment function, MemorySegment module, MemorySegment name) {
        try { return (int) h(CU_MODULE_GET_FUNCTION).invokeExact(function, module, name); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuFuncSetAttribute(MemorySegment function, int attribute, int value) {
        try { return (int) h(CU_FUNC_SET_ATTRIBUTE).invokeExact(function, attribute, value); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuLaunchKernel(MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                              int sharedBytes, MemorySegment stream, MemorySegment kernelParams, MemorySegment extra) {
        try {
            return (int) h(CU_LAUNCH_KERNEL).invokeExact(function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes,
                    stream, kernelParams, extra);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int cuMemAlloc(MemorySegment devicePointer, long bytes) {
        try { return (int) h(CU_MEM_ALLOC).invokeExact(devicePointer, bytes); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuMemFree(long devicePointer) {
        try { return (int) h(CU_MEM_FREE).invokeExact(devicePointer); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuMemAllocHost(MemorySegment hostPointer, long bytes) {
        try { return (int) h(CU_MEM_ALLOC_HOST).invokeExact(hostPointer, bytes); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuMemFreeHost(MemorySegment host) {
        try { return (int) h(CU_MEM_FREE_HOST).invokeExact(host); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuMemcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try { return (int) h(CU_MEMCPY_HTOD_ASYNC).invokeExact(dst, src, bytes, stream); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuMemcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try { return (int) h(CU_MEMCPY_DTOH_ASYNC).invokeExact(dst, src, bytes, stream); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuMemcpyDtoDAsync(long dst, long src, long bytes, MemorySegment stream) {
        try { return (int) h(CU_MEMCPY_DTOD_ASYNC).invokeExact(dst, src, bytes, stream); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuMemsetD8Async(long dst, byte value, long count, MemorySegment stream) {
        try { return (int) h(CU_MEMSET_D8_ASYNC).invokeExact(dst, value, count, stream); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuMemsetD32Async(long dst, int value, long count, MemorySegment stream) {
        try { return (int) h(CU_MEMSET_D32_ASYNC).invokeExact(dst, value, count, stream); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuStreamCreate(MemorySegment stream, int flags) {
        try { return (int) h(CU_STREAM_CREATE).invokeExact(stream, flags); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuStreamDestroy(MemorySegment stream) {
        try { return (int) h(CU_STREAM_DESTROY).invokeExact(stream); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuStreamSynchronize(MemorySegment stream) {
        try { return (int) h(CU_STREAM_SYNCHRONIZE).invokeExact(stream); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuStreamWaitEvent(MemorySegment stream, MemorySegment event, int flags) {
        try { return (int) h(CU_STREAM_WAIT_EVENT).invokeExact(stream, event, flags); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuEventCreate(MemorySegment event, int flags) {
        try { return (int) h(CU_EVENT_CREATE).invokeExact(event, flags); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuEventDestroy(MemorySegment event) {
        try { return (int) h(CU_EVENT_DESTROY).invokeExact(event); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuEventRecord(MemorySegment event, MemorySegment stream) {
        try { return (int) h(CU_EVENT_RECORD).invokeExact(event, stream); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuEventSynchronize(MemorySegment event) {
        try { return (int) h(CU_EVENT_SYNCHRONIZE).invokeExact(event); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuEventElapsedTime(MemorySegment millis, MemorySegment start, MemorySegment end) {
        try { return (int) h(CU_EVENT_ELAPSED_TIME).invokeExact(millis, start, end); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuStreamBeginCapture(MemorySegment stream, int mode) {
        try { return (int) h(CU_STREAM_BEGIN_CAPTURE).invokeExact(stream, mode); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuStreamEndCapture(MemorySegment stream, MemorySegment graph) {
        try { return (int) h(CU_STREAM_END_CAPTURE).invokeExact(stream, graph); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuGraphInstantiate(MemorySegment exec, MemorySegment graph, long flags) {
        try { return (int) h(CU_GRAPH_INSTANTIATE).invokeExact(exec, graph, flags); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuGraphExecUpdate(MemorySegment exec, MemorySegment graph, MemorySegment resultInfo) {
        try { return (int) h(CU_GRAPH_EXEC_UPDATE).invokeExact(exec, graph, resultInfo); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuGraphLaunch(MemorySegment exec, MemorySegment stream) {
        try { return (int) h(CU_GRAPH_LAUNCH).invokeExact(exec, stream); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuGraphExecDestroy(MemorySegment exec) {
        try { return (int) h(CU_GRAPH_EXEC_DESTROY).invokeExact(exec); } catch (Throwable t) { throw rethrow(t); }
    }

    public int cuGraphDestroy(MemorySegment graph) {
        try { return (int) h(CU_GRAPH_DESTROY).invokeExact(graph); } catch (Throwable t) { throw rethrow(t); }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }
}
