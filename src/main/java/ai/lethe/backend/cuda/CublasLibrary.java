// cuBLAS (libcublas.so.13, else libcublas.so.12) bound through FFM, for the NVIDIA runtime's GEMMs. As in CudaDriver,
// every function is data (FUNCTIONS: symbol after cublas_v2.h's #defines, e.g. cublasCreate -> cublasCreate_v2, and
// FunctionDescriptor), and every cublasStatus_t is checked: a failure names the call and the status name.
//
// The descriptors and constants follow cublas_api.h of cuBLAS 13. The toolkit on the build machines has no cuBLAS
// headers, so CublasDescriptorTest checks them against JavaCPP's transcription of cuBLAS 13.1's headers (the sources
// jar of org.bytedeco:cuda 13.1-9.19-1.5.13, a test dependency), and against cublas_api.h too where a full CUDA
// install has it.
//
// Column-major: cuBLAS computes C = alpha op(A) op(B) + beta C on column-major matrices. Lethe stores row-major; a
// row-major [r,c] matrix with leading dimension ld is the column-major [c,r] matrix with the same ld, i.e. its
// transpose. So row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: call cuBLAS with the operands
// swapped (B first), the transpose flags as given, and m and n exchanged. sgemmRowMajor does exactly that.
//
// Math mode: CUBLAS_DEFAULT_MATH (true FP32) unless TF32 is asked for (CUBLAS_TF32_TENSOR_OP_MATH); pointer mode
// host (alpha and beta passed by host pointer). bf16 autocast (ai.lethe.backend.Precision.BF16) goes through
// cublasGemmEx / cublasGemmStridedBatchedEx: A and B CUDA_R_16BF, C CUDA_R_32F, CUBLAS_COMPUTE_32F (float32
// accumulation; cuBLAS uses bf16 tensor cores for it), CUBLAS_GEMM_DEFAULT. The cudaDataType values (library_types.h)
// are checked against JavaCPP's transcription of cudart (PrecisionCublasTest).
//
// cuDNN (libcudnn.so.9, convolutions) is bound next to this class, the same way: CudnnLibrary and CudnnConvolutions.
package ai.lethe.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The cuBLAS functions Lethe uses, bound to one libcublas. */
public final class CublasLibrary {
    /** The sonames tried, newest first. */
    public static final List<String> LIBRARIES = List.of("libcublas.so.13", "libcublas.so.12");

    // constants of cublas_api.h (checked by CublasDescriptorTest where the header is)
    public static final int CUBLAS_STATUS_SUCCESS = 0;
    public static final int CUBLAS_OP_N = 0;
    public static final int CUBLAS_OP_T = 1;
    public static final int CUBLAS_DEFAULT_MATH = 0;
    public static final int CUBLAS_TF32_TENSOR_OP_MATH = 3;
    public static final int CUBLAS_POINTER_MODE_HOST = 0;
    public static final int CUBLAS_COMPUTE_32F = 68;
    public static final int CUBLAS_GEMM_DEFAULT = -1;
    /** cudaDataType (library_types.h): float32 and bfloat16. */
    public static final int CUDA_R_32F = 0, CUDA_R_16BF = 14;

    /** cublasStatus_t names (cublas_api.h), for when cublasGetStatusName cannot say. */
    private static final Map<Integer, String> STATUS_NAMES = Map.of(0, "CUBLAS_STATUS_SUCCESS", 1, "CUBLAS_STATUS_NOT_INITIALIZED",
            3, "CUBLAS_STATUS_ALLOC_FAILED", 7, "CUBLAS_STATUS_INVALID_VALUE", 8, "CUBLAS_STATUS_ARCH_MISMATCH",
            11, "CUBLAS_STATUS_MAPPING_ERROR", 13, "CUBLAS_STATUS_EXECUTION_FAILED", 14, "CUBLAS_STATUS_INTERNAL_ERROR",
            15, "CUBLAS_STATUS_NOT_SUPPORTED", 16, "CUBLAS_STATUS_LICENSE_ERROR");

    private static final ValueLayout A = ValueLayout.ADDRESS;
    private static final ValueLayout I = ValueLayout.JAVA_INT;
    private static final ValueLayout J = ValueLayout.JAVA_LONG;

    /** C: cublasStatus_t cublasCreate_v2(cublasHandle_t* handle) */
    public static final NativeFunction CUBLAS_CREATE = NativeFunction.of("cublasCreate_v2", I, A);
    /** C: cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) */
    public static final NativeFunction CUBLAS_DESTROY = NativeFunction.of("cublasDestroy_v2", I, A);
    /** C: cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int* version) */
    public static final NativeFunction CUBLAS_GET_VERSION = NativeFunction.of("cublasGetVersion_v2", I, A, A);
    /** C: cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId) */
    public static final NativeFunction CUBLAS_SET_STREAM = NativeFunction.of("cublasSetStream_v2", I, A, A);
    /** C: cublasStatus_t cublasSetPointerMode_v2(cublasHandle_t handle, cublasPointerMode_t mode) */
    public static final NativeFunction CUBLAS_SET_POINTER_MODE = NativeFunction.of("cublasSetPointerMode_v2", I, A, I);
    /** C: cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) */
    public static final NativeFunction CUBLAS_SET_MATH_MODE = NativeFunction.of("cublasSetMathMode", I, A, I);
    /** C: const char* cublasGetStatusName(cublasStatus_t status) */
    public static final NativeFunction CUBLAS_GET_STATUS_NAME = NativeFunction.of("cublasGetStatusName", A, I);
    /** C: const char* cublasGetStatusString(cublasStatus_t status) */
    public static final NativeFunction CUBLAS_GET_STATUS_STRING = NativeFunction.of("cublasGetStatusString", A, I);
    /**
     * C: cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m,
     * int n, int k, const float* alpha, const float* A, int lda, const float* B, int ldb, const float* beta, float* C, int ldc)
     */
    public static final NativeFunction CUBLAS_SGEMM = NativeFunction.of("cublasSgemm_v2", I, A, I, I, I, I, I, A, A, I, A, I, A, A, I);
    /**
     * C: cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t
     * transb, int m, int n, int k, const float* alpha, const float* A, int lda, long long int strideA, const float* B,
     * int ldb, long long int strideB, const float* beta, float* C, int ldc, long long int strideC, int batchCount)
     */
    public static final NativeFunction CUBLAS_SGEMM_STRIDED_BATCHED = NativeFunction.of("cublasSgemmStridedBatched",
            I, A, I, I, I, I, I, A, A, I, J, A, I, J, A, A, I, J, I);

    /**
     * C: cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m,
     * int n, int k, const void* alpha, const void* A, cudaDataType Atype, int lda, const void* B, cudaDataType Btype,
     * int ldb, const void* beta, void* C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType,
     * cublasGemmAlgo_t algo)
     */
    public static final NativeFunction CUBLAS_GEMM_EX = NativeFunction.of("cublasGemmEx",
            I, A, I, I, I, I, I, A, A, I, I, A, I, I, A, A, I, I, I, I);
    /**
     * C: cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t
     * transb, int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype, int lda, long long int strideA,
     * const void* B, cudaDataType Btype, int ldb, long long int strideB, const void* beta, void* C, cudaDataType Ctype,
     * int ldc, long long int strideC, int batchCount, cublasComputeType_t computeType, cublasGemmAlgo_t algo)
     */
    public static final NativeFunction CUBLAS_GEMM_STRIDED_BATCHED_EX = NativeFunction.of("cublasGemmStridedBatchedEx",
            I, A, I, I, I, I, I, A, A, I, I, J, A, I, I, J, A, A, I, I, J, I, I, I);

    /** Every cuBLAS function Lethe binds (the descriptor test enumerates this). */
    public static final List<NativeFunction> FUNCTIONS = List.of(CUBLAS_CREATE, CUBLAS_DESTROY, CUBLAS_GET_VERSION,
            CUBLAS_SET_STREAM, CUBLAS_SET_POINTER_MODE, CUBLAS_SET_MATH_MODE, CUBLAS_GET_STATUS_NAME, CUBLAS_GET_STATUS_STRING,
            CUBLAS_SGEMM, CUBLAS_SGEMM_STRIDED_BATCHED, CUBLAS_GEMM_EX, CUBLAS_GEMM_STRIDED_BATCHED_EX);

    /** The outcome of loading: a library, or why there is none. */
    public record Load(CublasLibrary library, String reason) {
        public boolean loaded() { return library != null; }
    }

    private final String soname;
    private final Map<NativeFunction, MethodHandle> handles;

    private CublasLibrary(String soname, Map<NativeFunction, MethodHandle> handles) {
        this.soname = soname;
        this.handles = handles;
    }

    /** Loads the first of LIBRARIES the dynamic linker finds. Never throws. */
    public static Load load() {
        List<String> reasons = new ArrayList<>();
        for (String name : LIBRARIES) {
            Load l = load(name);
            if (l.loaded()) return l;
            reasons.add(l.reason());
        }
        return new Load(null, String.join("; ", reasons));
    }

    /** Loads one library (a soname or a path) and binds FUNCTIONS. Never throws. */
    public static Load load(String library) {
        NativeFunction.Binding b = NativeFunction.bindAll(library, FUNCTIONS, "", "");
        return b.bound() ? new Load(new CublasLibrary(library, b.handles()), null) : new Load(null, b.reason());
    }

    public String soname() { return soname; }

    private MethodHandle h(NativeFunction f) { return handles.get(f); }

    /** The status's name: cublasGetStatusName, else the table, else its number. */
    public String statusName(int status) {
        try {
            MemorySegment s = (MemorySegment) h(CUBLAS_GET_STATUS_NAME).invokeExact(status);
            if (!s.equals(MemorySegment.NULL)) return s.reinterpret(256).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable ignored) {
            // fall back to the table
        }
        return STATUS_NAMES.getOrDefault(status, "cublasStatus_t " + status);
    }

    private String statusString(int status) {
        try {
            MemorySegment s = (MemorySegment) h(CUBLAS_GET_STATUS_STRING).invokeExact(status);
            if (!s.equals(MemorySegment.NULL)) return s.reinterpret(1024).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable ignored) {
            // no description
        }
        return "no description from cuBLAS";
    }

    /** Throws a CudaException naming the call and the status when it is not CUBLAS_STATUS_SUCCESS. */
    public void check(int status, String call, String context) {
        if (status == CUBLAS_STATUS_SUCCESS) return;
        throw new CudaException(call, statusName(status), null, statusString(status) + (context == null ? "" : " (" + context + ")"));
    }

    /** A new cuBLAS handle (on the calling thread's current context): pointer mode host, FP32 math. */
    public Handle create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            check((int) h(CUBLAS_CREATE).invokeExact(out), "cublasCreate", soname);
            Handle handle = new Handle(out.get(ValueLayout.ADDRESS, 0));
            try {
                check((int) h(CUBLAS_SET_POINTER_MODE).invokeExact(handle.handle, CUBLAS_POINTER_MODE_HOST), "cublasSetPointerMode", null);
                handle.setTf32(false);
            } catch (RuntimeException e) {
                handle.close();
                throw e;
            }
            return handle;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** One cuBLAS handle. Not thread-safe: callers serialise its use (NvidiaRuntime locks it per GEMM). */
    public final class Handle implements AutoCloseable {
        private final MemorySegment handle;
        private long stream = -1;
        private int mathMode = -1;
        private boolean closed;

        private Handle(MemorySegment handle) { this.handle = handle; }

        /** cuBLAS's version (e.g. 130000 for 13.0.0). */
        public int version() {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
                check((int) h(CUBLAS_GET_VERSION).invokeExact(handle, out), "cublasGetVersion", null);
                return out.get(ValueLayout.JAVA_INT, 0);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw CudaDriver.rethrow(t);
            }
        }

        /** Queues this handle's work on the stream (a CUstream; 0 = the legacy default stream). */
        public void setStream(long cuStream) {
            if (cuStream == stream) return;
            try {
                check((int) h(CUBLAS_SET_STREAM).invokeExact(handle, MemorySegment.ofAddress(cuStream)), "cublasSetStream", null);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw CudaDriver.rethrow(t);
            }
            stream = cuStream;
        }

        /** TF32 tensor-op math when allowed; true FP32 (CUBLAS_DEFAULT_MATH) otherwise. */
        public void setTf32(boolean allow) {
            int mode = allow ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH;
            if (mode == mathMode) return;
            try {
                check((int) h(CUBLAS_SET_MATH_MODE).invokeExact(handle, mode), "cublasSetMathMode(" + mode + ")", null);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw CudaDriver.rethrow(t);
            }
            mathMode = mode;
        }

        /**
         * Column-major cublasSgemm: C[m,n] = alpha op(A) op(B) + beta C with op(A) [m,k] and op(B) [k,n], all
         * column-major with leading dimensions lda, ldb, ldc (device pointers).
         */
        public void sgemm(int transA, int transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                          float beta, long c, int ldc) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment al = arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha), be = arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta);
                int st = (int) h(CUBLAS_SGEMM).invokeExact(handle, transA, transB, m, n, k, al, MemorySegment.ofAddress(a), lda,
                        MemorySegment.ofAddress(b), ldb, be, MemorySegment.ofAddress(c), ldc);
                check(st, "cublasSgemm", "m=" + m + " n=" + n + " k=" + k + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw CudaDriver.rethrow(t);
            }
        }

        /** Column-major cublasSgemmStridedBatched: batch GEMMs, operand i at pointer + i * stride (elements). */
        public void sgemmStridedBatched(int transA, int transB, int m, int n, int k, float alpha, long a, int lda, long strideA,
                                        long b, int ldb, long strideB, float beta, long c, int ldc, long strideC, int batch) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment al = arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha), be = arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta);
                int st = (int) h(CUBLAS_SGEMM_STRIDED_BATCHED).invokeExact(handle, transA, transB, m, n, k, al,
                        MemorySegment.ofAddress(a), lda, strideA, MemorySegment.ofAddress(b), ldb, strideB, be,
                        MemorySegment.ofAddress(c), ldc, strideC, batch);
                check(st, "cublasSgemmStridedBatched", "m=" + m + " n=" + n + " k=" + k + " batch=" + batch);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw CudaDriver.rethrow(t);
            }
        }

        /**
         * Row-major C[m,n] = alpha op(A) op(B) + beta C (op(A) [m,k], op(B) [k,n]; lda, ldb, ldc the row-major leading
         * dimensions): the column-major call C^T[n,m] = op(B)^T op(A)^T, i.e. operands swapped and m, n exchanged.
         */
        public void sgemmRowMajor(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b,
                                  int ldb, float beta, long c, int ldc) {
            sgemm(transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, alpha, b, ldb, a, lda, beta, c, ldc);
        }

        /** The row-major form of sgemmStridedBatched (see sgemmRowMajor). */
        public void sgemmStridedBatchedRowMajor(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                                                long strideA, long b, int ldb, long strideB, float beta, long c, int ldc,
                                                long strideC, int batch) {
            sgemmStridedBatched(transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, alpha,
                    b, ldb, strideB, a, lda, strideA, beta, c, ldc, strideC, batch);
        }

        /**
         * Column-major cublasGemmEx with bf16 A and B (CUDA_R_16BF), float32 C (CUDA_R_32F), CUBLAS_COMPUTE_32F and
         * CUBLAS_GEMM_DEFAULT; as sgemm otherwise (leading dimensions in elements).
         */
        public void gemmBf16(int transA, int transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                             float beta, long c, int ldc) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment al = arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha), be = arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta);
                int st = (int) h(CUBLAS_GEMM_EX).invokeExact(handle, transA, transB, m, n, k, al, MemorySegment.ofAddress(a),
                        CUDA_R_16BF, lda, MemorySegment.ofAddress(b), CUDA_R_16BF, ldb, be, MemorySegment.ofAddress(c), CUDA_R_32F,
                        ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
                check(st, "cublasGemmEx", "bf16 inputs, m=" + m + " n=" + n + " k=" + k + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw CudaDriver.rethrow(t);
            }
        }

        /** Column-major cublasGemmStridedBatchedEx with the types of gemmBf16 (strides in elements). */
        public void gemmBf16StridedBatched(int transA, int transB, int m, int n, int k, float alpha, long a, int lda,
                                           long strideA, long b, int ldb, long strideB, float beta, long c, int ldc,
                                           long strideC, int batch) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment al = arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha), be = arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta);
                int st = (int) h(CUBLAS_GEMM_STRIDED_BATCHED_EX).invokeExact(handle, transA, transB, m, n, k, al,
                        MemorySegment.ofAddress(a), CUDA_R_16BF, lda, strideA, MemorySegment.ofAddress(b), CUDA_R_16BF, ldb,
                        strideB, be, MemorySegment.ofAddress(c), CUDA_R_32F, ldc, strideC, batch, CUBLAS_COMPUTE_32F,
                        CUBLAS_GEMM_DEFAULT);
                check(st, "cublasGemmStridedBatchedEx", "bf16 inputs, m=" + m + " n=" + n + " k=" + k + " batch=" + batch);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw CudaDriver.rethrow(t);
            }
        }

        /** The row-major form of gemmBf16 (see sgemmRowMajor). */
        public void gemmBf16RowMajor(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                                     long b, int ldb, float beta, long c, int ldc) {
            gemmBf16(transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, alpha, b, ldb, a, lda,
                    beta, c, ldc);
        }

        /** The row-major form of gemmBf16StridedBatched (see sgemmRowMajor). */
        public void gemmBf16StridedBatchedRowMajor(boolean transA, boolean transB, int m, int n, int k, float alpha, long a,
                                                   int lda, long strideA, long b, int ldb, long strideB, float beta, long c,
                                                   int ldc, long strideC, int batch) {
            gemmBf16StridedBatched(transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, alpha,
                    b, ldb, strideB, a, lda, strideA, beta, c, ldc, strideC, batch);
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            try {
                check((int) h(CUBLAS_DESTROY).invokeExact(handle), "cublasDestroy", null);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw CudaDriver.rethrow(t);
            }
        }
    }
}
