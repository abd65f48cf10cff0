// cuDNN 9 (libcudnn.so.9) bound through FFM: the legacy convolution API that cuDNN 9 still exports (cudnn_cnn.h,
// cudnn_ops.h, cudnn_graph.h), for the NVIDIA runtime's convolutions. As CudaDriver and CublasLibrary, every function is
// data (FUNCTIONS: symbol and FunctionDescriptor, checked by CudnnDescriptorTest against JavaCPP's transcription of
// the cuDNN 9.19 headers) and every cudnnStatus_t is checked: a failure is a CudaException naming the call and the
// status name (CUDNN_STATUS_*), with cudnnGetErrorString's text and the shapes involved.
//
// Opaque handles and descriptors are pointers (ADDRESS); enums and ints are JAVA_INT; size_t is JAVA_LONG. alpha and
// beta are host pointers to float (the data type is CUDNN_DATA_FLOAT). The algorithm-search results are arrays of
// cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t, 48 bytes each: algo (int, offset 0), status (int, 4), time
// (float, 8), memory (size_t, 16), determinism (int, 24), mathType (int, 28), int reserved[3].
//
// CudnnConvolutions holds a handle and runs the convolutions; this class only loads the library and checks statuses.
package ai.lethe.backend.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** The cuDNN functions Lethe uses, bound to one libcudnn. */
public final class CudnnLibrary {
    /** The soname loaded by default. */
    public static final String LIBRARY = "libcudnn.so.9";

    // constants of cudnn_graph.h / cudnn_ops.h / cudnn_cnn.h (checked by CudnnDescriptorTest)
    public static final int CUDNN_STATUS_SUCCESS = 0;
    public static final int CUDNN_STATUS_BAD_PARAM = 2000;
    public static final int CUDNN_STATUS_NOT_SUPPORTED = 3000;
    public static final int CUDNN_DATA_FLOAT = 0;
    public static final int CUDNN_TENSOR_NCHW = 0;
    public static final int CUDNN_CROSS_CORRELATION = 1;
    public static final int CUDNN_DEFAULT_MATH = 0;
    public static final int CUDNN_TENSOR_OP_MATH = 1;
    public static final int CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION = 2;
    public static final int CUDNN_FMA_MATH = 3;
    public static final int CUDNN_CONVOLUTION_FWD_ALGO_COUNT = 8;
    public static final int CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT = 6;
    public static final int CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT = 7;

    /** Size of a cudnnConvolution*AlgoPerf_t and the offsets of the fields read. */
    static final long PERF_BYTES = 48, PERF_ALGO = 0, PERF_STATUS = 4, PERF_MEMORY = 16, PERF_MATH_TYPE = 28;

    /** cudnnStatus_t names (cudnn_graph.h of cuDNN 9). */
    private static final Map<Integer, String> STATUS_NAMES = Map.ofEntries(Map.entry(0, "CUDNN_STATUS_SUCCESS"),
            Map.entry(1001, "CUDNN_STATUS_NOT_INITIALIZED"), Map.entry(1002, "CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH"),
            Map.entry(1003, "CUDNN_STATUS_SERIALIZATION_VERSION_MISMATCH"), Map.entry(1004, "CUDNN_STATUS_DEPRECATED"),
            Map.entry(1005, "CUDNN_STATUS_LICENSE_ERROR"), Map.entry(1006, "CUDNN_STATUS_RUNTIME_IN_PROGRESS"),
            Map.entry(1007, "CUDNN_STATUS_RUNTIME_FP_OVERFLOW"), Map.entry(1008, "CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED"),
            Map.entry(2000, "CUDNN_STATUS_BAD_PARAM"), Map.entry(2001, "CUDNN_STATUS_INVALID_VALUE"),
            Map.entry(2002, "CUDNN_STATUS_BAD_PARAM_NULL_POINTER"), Map.entry(2003, "CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER"),
            Map.entry(2004, "CUDNN_STATUS_BAD_PARAM_NOT_FINALIZED"), Map.entry(2005, "CUDNN_STATUS_BAD_PARAM_OUT_OF_BOUND"),
            Map.entry(2006, "CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT"), Map.entry(2007, "CUDNN_STATUS_BAD_PARAM_STREAM_MISMATCH"),
            Map.entry(2008, "CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH"), Map.entry(2009, "CUDNN_STATUS_BAD_PARAM_DUPLICATED_ENTRIES"),
            Map.entry(2010, "CUDNN_STATUS_BAD_PARAM_ATTRIBUTE_TYPE"), Map.entry(2011, "CUDNN_STATUS_BAD_PARAM_CUDA_GRAPH_MISMATCH"),
            Map.entry(2012, "CUDNN_STATUS_BAD_PARAM_DESCRIPTOR_TYPE"), Map.entry(3000, "CUDNN_STATUS_NOT_SUPPORTED"),
            Map.entry(3001, "CUDNN_STATUS_NOT_SUPPORTED_GRAPH_PATTERN"), Map.entry(3002, "CUDNN_STATUS_NOT_SUPPORTED_SHAPE"),
            Map.entry(3003, "CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE"), Map.entry(3004, "CUDNN_STATUS_NOT_SUPPORTED_LAYOUT"),
            Map.entry(3005, "CUDNN_STATUS_NOT_SUPPORTED_INCOMPATIBLE_CUDA_DRIVER"),
            Map.entry(3006, "CUDNN_STATUS_NOT_SUPPORTED_INCOMPATIBLE_CUDART"), Map.entry(3007, "CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH"),
            Map.entry(3008, "CUDNN_STATUS_NOT_SUPPORTED_RUNTIME_PREREQUISITE_MISSING"),
            Map.entry(3009, "CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE"),
            Map.entry(3010, "CUDNN_STATUS_NOT_SUPPORTED_SHARED_MEMORY_INSUFFICIENT"),
            Map.entry(3011, "CUDNN_STATUS_NOT_SUPPORTED_PADDING"), Map.entry(3012, "CUDNN_STATUS_NOT_SUPPORTED_BAD_LAUNCH_PARAM"),
            Map.entry(3013, "CUDNN_STATUS_NOT_SUPPORTED_CUDA_GRAPH_NATIVE_API"),
            Map.entry(3014, "CUDNN_STATUS_NOT_SUPPORTED_INVALID_DYNAMIC_SHAPE"), Map.entry(4000, "CUDNN_STATUS_INTERNAL_ERROR"),
            Map.entry(4001, "CUDNN_STATUS_INTERNAL_ERROR_COMPILATION_FAILED"),
            Map.entry(4002, "CUDNN_STATUS_INTERNAL_ERROR_UNEXPECTED_VALUE"),
            Map.entry(4003, "CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED"),
            Map.entry(4004, "CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED"),
            Map.entry(4005, "CUDNN_STATUS_INTERNAL_ERROR_BAD_LAUNCH_PARAM"),
            Map.entry(4006, "CUDNN_STATUS_INTERNAL_ERROR_TEXTURE_CREATION_FAILED"), Map.entry(5000, "CUDNN_STATUS_EXECUTION_FAILED"),
            Map.entry(5001, "CUDNN_STATUS_EXECUTION_FAILED_CUDA_DRIVER"), Map.entry(5002, "CUDNN_STATUS_EXECUTION_FAILED_CUBLAS"),
            Map.entry(5003, "CUDNN_STATUS_EXECUTION_FAILED_CUDART"), Map.entry(5004, "CUDNN_STATUS_EXECUTION_FAILED_CURAND"));

    private static final ValueLayout A = ValueLayout.ADDRESS;
    private static final ValueLayout I = ValueLayout.JAVA_INT;
    private static final ValueLayout J = ValueLayout.JAVA_LONG;

    /** C: size_t cudnnGetVersion(void) */
    public static final NativeFunction GET_VERSION = NativeFunction.of("cudnnGetVersion", J);
    /** C: const char* cudnnGetErrorString(cudnnStatus_t status) */
    public static final NativeFunction GET_ERROR_STRING = NativeFunction.of("cudnnGetErrorString", A, I);
    /** C: cudnnStatus_t cudnnCreate(cudnnHandle_t* handle) */
    public static final NativeFunction CREATE = NativeFunction.of("cudnnCreate", I, A);
    /** C: cudnnStatus_t cudnnDestroy(cudnnHandle_t handle) */
    public static final NativeFunction DESTROY = NativeFunction.of("cudnnDestroy", I, A);
    /** C: cudnnStatus_t cudnnSetStream(cudnnHandle_t handle, cudaStream_t streamId) */
    public static final NativeFunction SET_STREAM = NativeFunction.of("cudnnSetStream", I, A, A);
    /** C: cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t* tensorDesc) */
    public static final NativeFunction CREATE_TENSOR = NativeFunction.of("cudnnCreateTensorDescriptor", I, A);
    /**
     * C: cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t tensorDesc, cudnnTensorFormat_t format,
     * cudnnDataType_t dataType, int n, int c, int h, int w)
     */
    public static final NativeFunction SET_TENSOR_4D = NativeFunction.of("cudnnSetTensor4dDescriptor", I, A, I, I, I, I, I, I);
    /** C: cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t tensorDesc) */
    public static final NativeFunction DESTROY_TENSOR = NativeFunction.of("cudnnDestroyTensorDescriptor", I, A);
    /** C: cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t* filterDesc) */
    public static final NativeFunction CREATE_FILTER = NativeFunction.of("cudnnCreateFilterDescriptor", I, A);
    /**
     * C: cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t filterDesc, cudnnDataType_t dataType,
     * cudnnTensorFormat_t format, int k, int c, int h, int w) — data type before format, unlike the tensor's
     */
    public static final NativeFunction SET_FILTER_4D = NativeFunction.of("cudnnSetFilter4dDescriptor", I, A, I, I, I, I, I, I);
    /** C: cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t filterDesc) */
    public static final NativeFunction DESTROY_FILTER = NativeFunction.of("cudnnDestroyFilterDescriptor", I, A);
    /** C: cudnnStatus_t cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t* convDesc) */
    public static final NativeFunction CREATE_CONVOLUTION = NativeFunction.of("cudnnCreateConvolutionDescriptor", I, A);
    /**
     * C: cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t convDesc, int pad_h, int pad_w,
     * int u, int v, int dilation_h, int dilation_w, cudnnConvolutionMode_t mode, cudnnDataType_t computeType)
     */
    public static final NativeFunction SET_CONVOLUTION_2D = NativeFunction.of("cudnnSetConvolution2dDescriptor",
            I, A, I, I, I, I, I, I, I, I);
    /** C: cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t convDesc, cudnnMathType_t mathType) */
    public static final NativeFunction SET_CONVOLUTION_MATH_TYPE = NativeFunction.of("cudnnSetConvolutionMathType", I, A, I);
    /** C: cudnnStatus_t cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t convDesc) */
    public static final NativeFunction DESTROY_CONVOLUTION = NativeFunction.of("cudnnDestroyConvolutionDescriptor", I, A);
    /**
     * C: cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(cudnnHandle_t handle, cudnnTensorDescriptor_t srcDesc,
     * cudnnFilterDescriptor_t filterDesc, cudnnConvolutionDescriptor_t convDesc, cudnnTensorDescriptor_t destDesc,
     * int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionFwdAlgoPerf_t* perfResults)
     */
    public static final NativeFunction GET_FORWARD_ALGORITHM = NativeFunction.of("cudnnGetConvolutionForwardAlgorithm_v7",
            I, A, A, A, A, A, I, A, A);
    /**
     * C: cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithm_v7(cudnnHandle_t handle, cudnnFilterDescriptor_t
     * filterDesc, cudnnTensorDescriptor_t diffDesc, cudnnConvolutionDescriptor_t convDesc, cudnnTensorDescriptor_t
     * gradDesc, int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionBwdDataAlgoPerf_t* perfResults)
     */
    public static final NativeFunction GET_BACKWARD_DATA_ALGORITHM = NativeFunction.of(
            "cudnnGetConvolutionBackwardDataAlgorithm_v7", I, A, A, A, A, A, I, A, A);
    /**
     * C: cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithm_v7(cudnnHandle_t handle, cudnnTensorDescriptor_t
     * srcDesc, cudnnTensorDescriptor_t diffDesc, cudnnConvolutionDescriptor_t convDesc, cudnnFilterDescriptor_t
     * gradDesc, int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionBwdFilterAlgoPerf_t* perfResults)
     */
    public static final NativeFunction GET_BACKWARD_FILTER_ALGORITHM = NativeFunction.of(
            "cudnnGetConvolutionBackwardFilterAlgorithm_v7", I, A, A, A, A, A, I, A, A);
    /**
     * C: cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t handle, cudnnTensorDescriptor_t xDesc,
     * cudnnFilterDescriptor_t wDesc, cudnnConvolutionDescriptor_t convDesc, cudnnTensorDescriptor_t yDesc,
     * cudnnConvolutionFwdAlgo_t algo, size_t* sizeInBytes)
     */
    public static final NativeFunction GET_FORWARD_WORKSPACE = NativeFunction.of("cudnnGetConvolutionForwardWorkspaceSize",
            I, A, A, A, A, A, I, A);
    /**
     * C: cudnnStatus_t cudnnGetConvolutionBackwardDataWorkspaceSize(cudnnHandle_t handle, cudnnFilterDescriptor_t wDesc,
     * cudnnTensorDescriptor_t dyDesc, cudnnConvolutionDescriptor_t convDesc, cudnnTensorDescriptor_t dxDesc,
     * cudnnConvolutionBwdDataAlgo_t algo, size_t* sizeInBytes)
     */
    public static final NativeFunction GET_BACKWARD_DATA_WORKSPACE = NativeFunction.of(
            "cudnnGetConvolutionBackwardDataWorkspaceSize", I, A, A, A, A, A, I, A);
    /**
     * C: cudnnStatus_t cudnnGetConvolutionBackwardFilterWorkspaceSize(cudnnHandle_t handle, cudnnTensorDescriptor_t
     * xDesc, cudnnTensorDescriptor_t dyDesc, cudnnConvolutionDescriptor_t convDesc, cudnnFilterDescriptor_t gradDesc,
     * cudnnConvolutionBwdFilterAlgo_t algo, size_t* sizeInBytes)
     */
    public static final NativeFunction GET_BACKWARD_FILTER_WORKSPACE = NativeFunction.of(
            "cudnnGetConvolutionBackwardFilterWorkspaceSize", I, A, A, A, A, A, I, A);
    /**
     * C: cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t handle, const void* alpha, cudnnTensorDescriptor_t xDesc,
     * const void* x, cudnnFilterDescriptor_t wDesc, const void* w, cudnnConvolutionDescriptor_t convDesc,
     * cudnnConvolutionFwdAlgo_t algo, void* workSpace, size_t workSpaceSizeInBytes, const void* beta,
     * cudnnTensorDescriptor_t yDesc, void* y)
     */
    public static final NativeFunction CONVOLUTION_FORWARD = NativeFunction.of("cudnnConvolutionForward",
            I, A, A, A, A, A, A, A, I, A, J, A, A, A);
    /**
     * C: cudnnStatus_t cudnnConvolutionBackwardData(cudnnHandle_t handle, const void* alpha, cudnnFilterDescriptor_t
     * wDesc, const void* w, cudnnTensorDescriptor_t dyDesc, const void* dy, cudnnConvolutionDescriptor_t convDesc,
     * cudnnConvolutionBwdDataAlgo_t algo, void* workSpace, size_t workSpaceSizeInBytes, const void* beta,
     * cudnnTensorDescriptor_t dxDesc, void* dx)
     */
    public static final NativeFunction CONVOLUTION_BACKWARD_DATA = NativeFunction.of("cudnnConvolutionBackwardData",
            I, A, A, A, A, A, A, A, I, A, J, A, A, A);
    /**
     * C: cudnnStatus_t cudnnConvolutionBackwardFilter(cudnnHandle_t handle, const void* alpha, cudnnTensorDescriptor_t
     * xDesc, const void* x, cudnnTensorDescriptor_t dyDesc, const void* dy, cudnnConvolutionDescriptor_t convDesc,
     * cudnnConvolutionBwdFilterAlgo_t algo, void* workSpace, size_t workSpaceSizeInBytes, const void* beta,
     * cudnnFilterDescriptor_t dwDesc, void* dw)
     */
    public static final NativeFunction CONVOLUTION_BACKWARD_FILTER = NativeFunction.of("cudnnConvolutionBackwardFilter",
            I, A, A, A, A, A, A, A, I, A, J, A, A, A);
    /**
     * C: cudnnStatus_t cudnnAddTensor(cudnnHandle_t handle, const void* alpha, cudnnTensorDescriptor_t aDesc,
     * const void* A, const void* beta, cudnnTensorDescriptor_t cDesc, void* C)
     */
    public static final NativeFunction ADD_TENSOR = NativeFunction.of("cudnnAddTensor", I, A, A, A, A, A, A, A);

    /** Every cuDNN function Lethe binds (the descriptor test enumerates this). */
    public static final List<NativeFunction> FUNCTIONS = List.of(GET_VERSION, GET_ERROR_STRING, CREATE, DESTROY, SET_STREAM,
            CREATE_TENSOR, SET_TENSOR_4D, DESTROY_TENSOR, CREATE_FILTER, SET_FILTER_4D, DESTROY_FILTER, CREATE_CONVOLUTION,
            SET_CONVOLUTION_2D, SET_CONVOLUTION_MATH_TYPE, DESTROY_CONVOLUTION, GET_FORWARD_ALGORITHM,
            GET_BACKWARD_DATA_ALGORITHM, GET_BACKWARD_FILTER_ALGORITHM, GET_FORWARD_WORKSPACE, GET_BACKWARD_DATA_WORKSPACE,
            GET_BACKWARD_FILTER_WORKSPACE, CONVOLUTION_FORWARD, CONVOLUTION_BACKWARD_DATA, CONVOLUTION_BACKWARD_FILTER,
            ADD_TENSOR);

    /** The outcome of loading: a library, or why there is none. */
    public record Load(CudnnLibrary library, String reason) {
        public boolean loaded() { return library != null; }
    }

    private final String soname;
    private final long version;
    private final Map<NativeFunction, MethodHandle> handles;

    private CudnnLibrary(String soname, long version, Map<NativeFunction, MethodHandle> handles) {
        this.soname = soname;
        this.version = version;
        this.handles = handles;
    }

    /** Loads libcudnn.so.9 through the dynamic linker. Never throws. */
    public static Load load() { return load(LIBRARY); }

    /**
     * Loads one library (a soname or a path), binds FUNCTIONS and checks that it is cuDNN 9 (cudnnGetVersion in
     * [90000, 100000)). Never throws.
     */
    public static Load load(String library) {
        NativeFunction.Binding b = NativeFunction.bindAll(library, FUNCTIONS, "", "");
        if (!b.bound()) return new Load(null, b.reason());
        try {
            long version = (long) b.handles().get(GET_VERSION).invokeExact();
            if (version < 90000 || version >= 100000)
                return new Load(null, library + " is cuDNN " + versionString(version) + "; Lethe binds cuDNN 9's API");
            return new Load(new CudnnLibrary(library, version, b.handles()), null);
        } catch (Throwable e) {
            if (e instanceof Error && !(e instanceof LinkageError)) throw (Error) e;
            return new Load(null, "cannot bind " + library + ": " + e);
        }
    }

    /** "9.19.0" for 91900 (cuDNN 9: major * 10000 + minor * 100 + patch). */
    static String versionString(long v) { return v / 10000 + "." + (v % 10000) / 100 + "." + v % 100; }

    public String soname() { return soname; }

    /** cudnnGetVersion(), e.g. 91900. */
    public long version() { return version; }

    /** "cuDNN 9.19.0 (libcudnn.so.9)". */
    public String describe() { return "cuDNN " + versionString(version) + " (" + soname + ")"; }

    MethodHandle h(NativeFunction f) { return handles.get(f); }

    /** The status's name (CUDNN_STATUS_*), else "cudnnStatus_t <n>". */
    public static String statusName(int status) {
        return STATUS_NAMES.getOrDefault(status, "cudnnStatus_t " + status);
    }

    private String errorString(int status) {
        try {
            MemorySegment s = (MemorySegment) h(GET_ERROR_STRING).invokeExact(status);
            if (!s.equals(MemorySegment.NULL)) return s.reinterpret(1024).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable ignored) {
            // no description
        }
        return "no description from cuDNN";
    }

    /** Throws a CudaException naming the call and the status when it is not CUDNN_STATUS_SUCCESS. */
    public void check(int status, String call, String context) {
        if (status == CUDNN_STATUS_SUCCESS) return;
        throw new CudaException(call, statusName(status), null,
                errorString(status) + " (" + describe() + (context == null ? "" : "; " + context) + ")");
    }
}
