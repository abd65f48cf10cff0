// cuBLASLt (libcublasLt.so.13, else libcublasLt.so.12) bound through FFM, for the NVIDIA runtime's GEMM with a bias
// epilogue (DeviceRuntime.sgemmBias: a linear layer's x · Wᵀ + b in one kernel). As CublasLibrary, every function is
// data (FUNCTIONS, checked by CublasLtDescriptorTest against JavaCPP's transcription of cublasLt.h in
// org/bytedeco/cuda/global/cublas.java) and every cublasStatus_t is checked: a failure is a CudaException naming the
// call and the status (CUBLAS_STATUS_*, from cublasLtGetStatusName) with the shapes involved.
//
// Layout. cuBLASLt is column-major; Lethe's matrices are row-major. A row-major [r, c] matrix with leading dimension ld
// is the column-major [c, r] matrix with the same ld (its transpose). Lethe asks for row-major
//     C[m, n] = op(A)[m, k] · op(B)[k, n] + bias[n] (bias added to every row of C),
// which is, transposed, the column-major
//     D[n, m] = op(B)ᵀ[n, k] · op(A)ᵀ[k, m] + bias (bias added to every COLUMN of D: a vector over D's n rows),
// so cublasLtMatmul gets A' = B (transa = transB), B' = A (transb = transA), D with n rows and m columns (ld = ldc),
// and CUBLASLT_EPILOGUE_BIAS's "bias vector of length = rows of D, broadcast to all columns" is exactly Lethe's bias
// [n] added to each row-major row. Stored layouts (cublasLtMatrixLayoutCreate's rows, cols, ld describe the matrix
// as stored, before its op): A' is [n, k] (transB false; ld = ldb) or [k, n] (transB true); B' is [k, m] (transA
// false; ld = lda) or [m, k] (transA true); C = D is [n, m], ld = ldc. beta = 0, so C is not read (C's descriptor is
// D's, as cuBLASLt requires for an in-place-free D = C layout).
//
// Precision (CudaPrecision, as the cuBLAS path): FP32 CUBLAS_COMPUTE_32F on CUDA_R_32F operands; TF32
// CUBLAS_COMPUTE_32F_FAST_TF32; BF16 CUDA_R_16BF A and B (the backend's packed copies), CUBLAS_COMPUTE_32F; D, C and
// the scale type CUDA_R_32F throughout, and so the bias (CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE is left at its default,
// "the type of D", so no combination is refused for an attribute Lethe does not need).
//
// Per shape (transposes, sizes, leading dimensions, precision and the 16-byte alignment of each pointer, on which the
// heuristic's choice depends) the matmul descriptor, the three layouts and the algorithm — the first result of
// cublasLtMatmulAlgoGetHeuristic with a workspace up to WORKSPACE_LIMIT — are created once and cached (at most
// CACHE_SIZE shapes, the least recently used destroyed). A shape cuBLASLt has no algorithm for is remembered as such
// and matmulBias returns false for it (the runtime then runs sgemm and the bias kernel). The bias pointer is set on
// the cached descriptor before each call; calls are serialised on this object. The workspace comes from the caller
// (the backend's caching allocator, in stream order).
//
// cublasLtMatmulHeuristicResult_t (cublasLt.h): cublasLtMatmulAlgo_t algo (uint64_t data[8], 64 bytes), size_t
// workspaceSize (offset 64), cublasStatus_t state (72), float wavesCount (76), int reserved[4] (80): 96 bytes.
package ai.lethe.backend.cuda;

import ai.lethe.backend.Precision;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/** The cuBLASLt functions Lethe uses, bound to one libcublasLt, and a handle that runs GEMMs with a bias epilogue. */
public final class CublasLtLibrary {
    /** The sonames tried, newest first. */
    public static final List<String> LIBRARIES = List.of("libcublasLt.so.13", "libcublasLt.so.12");

    // constants of cublasLt.h / cublas_api.h (checked by CublasLtDescriptorTest against JavaCPP's transcription)
    public static final int CUBLAS_STATUS_SUCCESS = 0;
    public static final int CUBLAS_STATUS_NOT_SUPPORTED = 15;
    public static final int CUBLAS_OP_N = 0;
    public static final int CUBLAS_OP_T = 1;
    public static final int CUBLAS_COMPUTE_32F = 68;
    public static final int CUBLAS_COMPUTE_32F_FAST_TF32 = 77;
    public static final int CUBLASLT_MATMUL_DESC_TRANSA = 3;
    public static final int CUBLASLT_MATMUL_DESC_TRANSB = 4;
    public static final int CUBLASLT_MATMUL_DESC_EPILOGUE = 7;
    public static final int CUBLASLT_MATMUL_DESC_BIAS_POINTER = 8;
    public static final int CUBLASLT_EPILOGUE_BIAS = 4;
    public static final int CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1;
    /** cudaDataType (library_types.h; checked by CublasLtDescriptorTest against the cudart transcription). */
    public static final int CUDA_R_32F = 0, CUDA_R_16BF = 14;

    /** Size of a cublasLtMatmulHeuristicResult_t and the offsets of the fields read (see the file comment). */
    static final long HEURISTIC_BYTES = 96, HEURISTIC_ALGO_BYTES = 64, HEURISTIC_WORKSPACE = 64, HEURISTIC_STATE = 72;
    /** The largest workspace an algorithm may ask for (cuBLAS's recommendation for Hopper is 32 MiB). */
    public static final long WORKSPACE_LIMIT = 32L << 20;
    /** Shapes whose descriptors are kept. */
    static final int CACHE_SIZE = 64;

    private static final ValueLayout A = ValueLayout.ADDRESS;
    private static final ValueLayout I = ValueLayout.JAVA_INT;
    private static final ValueLayout J = ValueLayout.JAVA_LONG;

    /** C: cublasStatus_t cublasLtCreate(cublasLtHandle_t* lightHandle) */
    public static final NativeFunction CREATE = NativeFunction.of("cublasLtCreate", I, A);
    /** C: cublasStatus_t cublasLtDestroy(cublasLtHandle_t lightHandle) */
    public static final NativeFunction DESTROY = NativeFunction.of("cublasLtDestroy", I, A);
    /** C: size_t cublasLtGetVersion(void) */
    public static final NativeFunction GET_VERSION = NativeFunction.of("cublasLtGetVersion", J);
    /** C: const char* cublasLtGetStatusName(cublasStatus_t status) */
    public static final NativeFunction GET_STATUS_NAME = NativeFunction.of("cublasLtGetStatusName", A, I);
    /** C: const char* cublasLtGetStatusString(cublasStatus_t status) */
    public static final NativeFunction GET_STATUS_STRING = NativeFunction.of("cublasLtGetStatusString", A, I);
    /** C: cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t* matmulDesc, cublasComputeType_t computeType, cudaDataType_t scaleType) */
    public static final NativeFunction MATMUL_DESC_CREATE = NativeFunction.of("cublasLtMatmulDescCreate", I, A, I, I);
    /** C: cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t matmulDesc) */
    public static final NativeFunction MATMUL_DESC_DESTROY = NativeFunction.of("cublasLtMatmulDescDestroy", I, A);
    /**
     * C: cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t
     * attr, const void* buf, size_t sizeInBytes)
     */
    public static final NativeFunction MATMUL_DESC_SET_ATTRIBUTE = NativeFunction.of("cublasLtMatmulDescSetAttribute", I, A, I, A, J);
    /**
     * C: cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t* matLayout, cudaDataType type, uint64_t rows,
     * uint64_t cols, int64_t ld)
     */
    public static final NativeFunction MATRIX_LAYOUT_CREATE = NativeFunction.of("cublasLtMatrixLayoutCreate", I, A, I, J, J, J);
    /** C: cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t matLayout) */
    public static final NativeFunction MATRIX_LAYOUT_DESTROY = NativeFunction.of("cublasLtMatrixLayoutDestroy", I, A);
    /** C: cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t* pref) */
    public static final NativeFunction PREFERENCE_CREATE = NativeFunction.of("cublasLtMatmulPreferenceCreate", I, A);
    /** C: cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t pref) */
    public static final NativeFunction PREFERENCE_DESTROY = NativeFunction.of("cublasLtMatmulPreferenceDestroy", I, A);
    /**
     * C: cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t pref,
     * cublasLtMatmulPreferenceAttributes_t attr, const void* buf, size_t sizeInBytes)
     */
    public static final NativeFunction PREFERENCE_SET_ATTRIBUTE = NativeFunction.of("cublasLtMatmulPreferenceSetAttribute", I, A, I, A, J);
    /**
     * C: cublasStatus_t cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t operationDesc,
     * cublasLtMatrixLayout_t Adesc, cublasLtMatrixLayout_t Bdesc, cublasLtMatrixLayout_t Cdesc, cublasLtMatrixLayout_t
     * Ddesc, cublasLtMatmulPreference_t preference, int requestedAlgoCount, cublasLtMatmulHeuristicResult_t
     * heuristicResultsArray[], int* returnAlgoCount)
     */
    public static final NativeFunction ALGO_GET_HEURISTIC = NativeFunction.of("cublasLtMatmulAlgoGetHeuristic",
            I, A, A, A, A, A, A, A, I, A, A);
    /**
     * C: cublasStatus_t cublasLtMatmul(cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t computeDesc, const void* alpha,
     * const void* A, cublasLtMatrixLayout_t Adesc, const void* B, cublasLtMatrixLayout_t Bdesc, const void* beta,
     * const void* C, cublasLtMatrixLayout_t Cdesc, void* D, cublasLtMatrixLayout_t Ddesc, const cublasLtMatmulAlgo_t*
     * algo, void* workspace, size_t workspaceSizeInBytes, cudaStream_t stream)
     */
    public static final NativeFunction MATMUL = NativeFunction.of("cublasLtMatmul", I, A, A, A, A, A, A, A, A, A, A, A, A, A, A, J, A);

    /** Every cuBLASLt function Lethe binds (the descriptor test enumerates this). */
    public static final List<NativeFunction> FUNCTIONS = List.of(CREATE, DESTROY, GET_VERSION, GET_STATUS_NAME, GET_STATUS_STRING,
            MATMUL_DESC_CREATE, MATMUL_DESC_DESTROY, MATMUL_DESC_SET_ATTRIBUTE, MATRIX_LAYOUT_CREATE, MATRIX_LAYOUT_DESTROY,
            PREFERENCE_CREATE, PREFERENCE_DESTROY, PREFERENCE_SET_ATTRIBUTE, ALGO_GET_HEURISTIC, MATMUL);

    /** The outcome of loading: a library, or why there is none. */
    public record Load(CublasLtLibrary library, String reason) {
        public boolean loaded() { return library != null; }
    }

    private final String soname;
    private final long version;
    private final Map<NativeFunction, MethodHandle> handles;

    private CublasLtLibrary(String soname, long version, Map<NativeFunction, MethodHandle> handles) {
        this.soname = soname;
        this.version = version;
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
        if (!b.bound()) return new Load(null, b.reason());
        try {
            long version = (long) b.handles().get(GET_VERSION).invokeExact();
            return new Load(new CublasLtLibrary(library, version, b.handles()), null);
        } catch (Throwable e) {
            if (e instanceof Error && !(e instanceof LinkageError)) throw (Error) e;
            return new Load(null, "cannot bind " + library + ": " + e);
        }
    }

    public String soname() { return soname; }

    /** cublasLtGetVersion(), e.g. 130100 for 13.1.0. */
    public long version() { return version; }

    /** "cuBLASLt 13.1.0 (libcublasLt.so.13)". */
    public String describe() {
        return "cuBLASLt " + version / 10000 + "." + (version % 10000) / 100 + "." + version % 100 + " (" + soname + ")";
    }

    private MethodHandle h(NativeFunction f) { return handles.get(f); }

    /** cublasStatus_t names (cublas_api.h), for when cublasLtGetStatusName cannot say. */
    private static final Map<Integer, String> STATUS_NAMES = Map.of(0, "CUBLAS_STATUS_SUCCESS", 1, "CUBLAS_STATUS_NOT_INITIALIZED",
            3, "CUBLAS_STATUS_ALLOC_FAILED", 7, "CUBLAS_STATUS_INVALID_VALUE", 8, "CUBLAS_STATUS_ARCH_MISMATCH",
            11, "CUBLAS_STATUS_MAPPING_ERROR", 13, "CUBLAS_STATUS_EXECUTION_FAILED", 14, "CUBLAS_STATUS_INTERNAL_ERROR",
            15, "CUBLAS_STATUS_NOT_SUPPORTED", 16, "CUBLAS_STATUS_LICENSE_ERROR");

    /** The status's name (CUBLAS_STATUS_*): cublasLtGetStatusName, else the table, else "cublasStatus_t <n>". */
    public String statusName(int status) {
        return string(GET_STATUS_NAME, status, STATUS_NAMES.getOrDefault(status, "cublasStatus_t " + status));
    }

    private String string(NativeFunction f, int status, String otherwise) {
        try {
            MemorySegment s = (MemorySegment) h(f).invokeExact(status);
            if (!s.equals(MemorySegment.NULL)) return s.reinterpret(1024).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable ignored) {
            // fall back
        }
        return otherwise;
    }

    /** Throws a CudaException naming the call and the status when it is not CUBLAS_STATUS_SUCCESS. */
    public void check(int status, String call, String context) {
        if (status == CUBLAS_STATUS_SUCCESS) return;
        throw new CudaException(call, statusName(status), null, string(GET_STATUS_STRING, status, "no description from cuBLASLt")
                + " (" + describe() + (context == null ? "" : "; " + context) + ")");
    }

    private Object invoke(NativeFunction f, Object... args) {
        try {
            return h(f).invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    private int call(NativeFunction f, Object... args) { return (int) invoke(f, args); }

    private static MemorySegment ptr(long address) { return MemorySegment.ofAddress(address); }

    /** A new handle (cublasLtCreate) on the calling thread's current context. */
    public Handle create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            check(call(CREATE, out), "cublasLtCreate", null);
            return new Handle(out.get(ValueLayout.ADDRESS, 0));
        }
    }

    /** One GEMM shape as cuBLASLt sees it (column-major, after the row-major swap) and what its choice depends on. */
    private record Key(int transa, int transb, int m, int n, int k, int lda, int ldb, int ldd, Precision precision, int aligned) {}

    /** The cached descriptors of one shape, and its algorithm (null: cuBLASLt has none for it). */
    private final class Plan {
        final MemorySegment desc, a, b, d;
        final MemorySegment algo;   // 64 bytes, global arena (cuBLASLt reads it at each call)
        final long workspaceBytes;

        Plan(MemorySegment desc, MemorySegment a, MemorySegment b, MemorySegment d, MemorySegment algo, long workspaceBytes) {
            this.desc = desc;
            this.a = a;
            this.b = b;
            this.d = d;
            this.algo = algo;
            this.workspaceBytes = workspaceBytes;
        }

        RuntimeException destroy(RuntimeException first) {
            first = attempt(first, () -> check(call(MATMUL_DESC_DESTROY, desc), "cublasLtMatmulDescDestroy", null));
            for (MemorySegment l : new MemorySegment[] {a, b, d})
                first = attempt(first, () -> check(call(MATRIX_LAYOUT_DESTROY, l), "cublasLtMatrixLayoutDestroy", null));
            return first;
        }
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

    /** One cuBLASLt handle and its cache of planned shapes. Calls are serialised on it. */
    public final class Handle implements AutoCloseable {
        private final MemorySegment handle;
        private final Map<Key, Plan> cache = new LinkedHashMap<>(16, 0.75f, true);
        private final Map<Key, String> unsupported = new LinkedHashMap<>();
        private boolean closed;

        private Handle(MemorySegment handle) { this.handle = handle; }

        public CublasLtLibrary library() { return CublasLtLibrary.this; }

        /**
         * Row-major C[m, n] = op(A) op(B) + bias (bias [n] float32 added to every row; C not read) on the stream, with
         * CUBLASLT_EPILOGUE_BIAS (see the file comment for the column-major mapping). A and B float32, or packed bf16
         * under BF16. Returns false, having done nothing, when cuBLASLt has no algorithm for the shape.
         */
        public synchronized boolean matmulBias(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long b,
                                               int ldb, long bias, long c, int ldc, long cuStream, Precision precision,
                                               LongUnaryOperator workspace) {
            if (closed) throw new IllegalStateException("this cuBLASLt handle is closed");
            // column-major: D[n, m] = op(B)ᵀ op(A)ᵀ: A' = B, B' = A
            int aligned = (a % 16 == 0 ? 1 : 0) | (b % 16 == 0 ? 2 : 0) | (c % 16 == 0 ? 4 : 0) | (bias % 16 == 0 ? 8 : 0);
            Key key = new Key(transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, ldb, lda, ldc,
                    precision, aligned);
            if (unsupported.containsKey(key)) return false;
            Plan p = plan(key, a, b, bias, c);
            if (p == null) return false;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment biasPointer = arena.allocate(ValueLayout.ADDRESS);
                biasPointer.set(ValueLayout.ADDRESS, 0, ptr(bias));
                check(call(MATMUL_DESC_SET_ATTRIBUTE, p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, biasPointer, ValueLayout.ADDRESS.byteSize()),
                        "cublasLtMatmulDescSetAttribute(CUBLASLT_MATMUL_DESC_BIAS_POINTER)", null);
                long ws = p.workspaceBytes == 0 ? 0 : workspace.applyAsLong(p.workspaceBytes);
                MemorySegment alpha = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f), beta = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 0f);
                int st = call(MATMUL, handle, p.desc, alpha, ptr(b), p.a, ptr(a), p.b, beta, ptr(c), p.d, ptr(c), p.d, p.algo,
                        ptr(ws), p.workspaceBytes, ptr(cuStream));
                check(st, "cublasLtMatmul", shapes(key) + ", workspace " + p.workspaceBytes + " bytes");
            }
            return true;
        }

        private Plan plan(Key key, long a, long b, long bias, long c) {
            Plan p = cache.get(key);
            if (p != null) return p;
            p = newPlan(key, a, b, bias, c);
            if (p == null) return null;
            cache.put(key, p);
            if (cache.size() > CACHE_SIZE) {
                var eldest = cache.entrySet().iterator();
                Plan old = eldest.next().getValue();
                eldest.remove();
                RuntimeException e = old.destroy(null);
                if (e != null) throw e;
            }
            return p;
        }

        /** The descriptors and algorithm of a shape; null (remembered) when cuBLASLt has no algorithm for it. */
        private Plan newPlan(Key key, long a, long b, long bias, long c) {
            String shapes = shapes(key);
            int ab = key.precision() == Precision.BF16 ? CUDA_R_16BF : CUDA_R_32F;
            int compute = key.precision() == Precision.TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
            MemorySegment desc = null, la = null, lb = null, ld = null, pref = null;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
                check(call(MATMUL_DESC_CREATE, out, compute, CUDA_R_32F), "cublasLtMatmulDescCreate", shapes);
                desc = out.get(ValueLayout.ADDRESS, 0);
                setInt(arena, desc, CUBLASLT_MATMUL_DESC_TRANSA, key.transa(), "CUBLASLT_MATMUL_DESC_TRANSA");
                setInt(arena, desc, CUBLASLT_MATMUL_DESC_TRANSB, key.transb(), "CUBLASLT_MATMUL_DESC_TRANSB");
                setInt(arena, desc, CUBLASLT_MATMUL_DESC_EPILOGUE, CUBLASLT_EPILOGUE_BIAS, "CUBLASLT_MATMUL_DESC_EPILOGUE");
                MemorySegment biasPointer = arena.allocate(ValueLayout.ADDRESS);
                biasPointer.set(ValueLayout.ADDRESS, 0, ptr(bias));   // the heuristic reads its alignment
                check(call(MATMUL_DESC_SET_ATTRIBUTE, desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, biasPointer, ValueLayout.ADDRESS.byteSize()),
                        "cublasLtMatmulDescSetAttribute(CUBLASLT_MATMUL_DESC_BIAS_POINTER)", shapes);
                // stored layouts (before the op): A' [m', k] or [k, m'], B' [k, n'] or [n', k], D [m', n']
                boolean ta = key.transa() == CUBLAS_OP_T, tb = key.transb() == CUBLAS_OP_T;
                la = layout(arena, ab, ta ? key.k() : key.m(), ta ? key.m() : key.k(), key.lda(), "A", shapes);
                lb = layout(arena, ab, tb ? key.n() : key.k(), tb ? key.k() : key.n(), key.ldb(), "B", shapes);
                ld = layout(arena, CUDA_R_32F, key.m(), key.n(), key.ldd(), "D", shapes);
                check(call(PREFERENCE_CREATE, out), "cublasLtMatmulPreferenceCreate", shapes);
                pref = out.get(ValueLayout.ADDRESS, 0);
                MemorySegment limit = arena.allocateFrom(ValueLayout.JAVA_LONG, WORKSPACE_LIMIT);
                check(call(PREFERENCE_SET_ATTRIBUTE, pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, limit, 8L),
                        "cublasLtMatmulPreferenceSetAttribute(CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES)", shapes);
                MemorySegment results = arena.allocate(HEURISTIC_BYTES, 8), count = arena.allocate(ValueLayout.JAVA_INT);
                int st = call(ALGO_GET_HEURISTIC, handle, desc, la, lb, ld, ld, pref, 1, results, count);
                long workspaceBytes = results.get(ValueLayout.JAVA_LONG, HEURISTIC_WORKSPACE);
                String none = st == CUBLAS_STATUS_NOT_SUPPORTED ? "cublasLtMatmulAlgoGetHeuristic: CUBLAS_STATUS_NOT_SUPPORTED"
                        : st == CUBLAS_STATUS_SUCCESS && count.get(ValueLayout.JAVA_INT, 0) < 1 ? "no algorithm returned"
                        : st == CUBLAS_STATUS_SUCCESS && results.get(ValueLayout.JAVA_INT, HEURISTIC_STATE) != CUBLAS_STATUS_SUCCESS
                        ? "the algorithm's state is " + statusName(results.get(ValueLayout.JAVA_INT, HEURISTIC_STATE))
                        : st == CUBLAS_STATUS_SUCCESS && (workspaceBytes < 0 || workspaceBytes > WORKSPACE_LIMIT)
                        ? "the algorithm asks for " + workspaceBytes + " bytes of workspace" : null;
                if (none != null) {
                    unsupported.put(key, none);
                    throw new Unsupported();
                }
                check(st, "cublasLtMatmulAlgoGetHeuristic", shapes);
                MemorySegment algo = Arena.global().allocate(HEURISTIC_ALGO_BYTES, 8);
                MemorySegment.copy(results, 0, algo, 0, HEURISTIC_ALGO_BYTES);
                Plan p = new Plan(desc, la, lb, ld, algo, workspaceBytes);
                desc = la = lb = ld = null;   // owned by the plan now
                return p;
            } catch (Unsupported u) {
                return null;
            } finally {
                RuntimeException first = null;
                if (pref != null) {
                    MemorySegment p = pref;
                    first = attempt(first, () -> check(call(PREFERENCE_DESTROY, p), "cublasLtMatmulPreferenceDestroy", null));
                }
                if (desc != null) {
                    MemorySegment d = desc;
                    first = attempt(first, () -> check(call(MATMUL_DESC_DESTROY, d), "cublasLtMatmulDescDestroy", null));
                }
                for (MemorySegment l : new MemorySegment[] {la, lb, ld})
                    if (l != null) first = attempt(first, () -> check(call(MATRIX_LAYOUT_DESTROY, l), "cublasLtMatrixLayoutDestroy", null));
                if (first != null) throw first;
            }
        }

        /** Why the last shape without an algorithm has none (tests, messages), or null. */
        synchronized String unsupportedReason() {
            return unsupported.isEmpty() ? null : unsupported.values().stream().reduce((x, y) -> y).orElse(null);
        }

        private void setInt(Arena arena, MemorySegment desc, int attribute, int value, String name) {
            check(call(MATMUL_DESC_SET_ATTRIBUTE, desc, attribute, arena.allocateFrom(ValueLayout.JAVA_INT, value), 4L),
                    "cublasLtMatmulDescSetAttribute(" + name + ")", null);
        }

        private MemorySegment layout(Arena arena, int type, long rows, long cols, long ld, String which, String shapes) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check(call(MATRIX_LAYOUT_CREATE, out, type, rows, cols, ld), "cublasLtMatrixLayoutCreate(" + which + ")", shapes);
            return out.get(ValueLayout.ADDRESS, 0);
        }

        /** Destroys every cached descriptor and the handle. */
        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            RuntimeException first = null;
            for (Plan p : cache.values()) first = p.destroy(first);
            cache.clear();
            first = attempt(first, () -> check(call(DESTROY, handle), "cublasLtDestroy", null));
            if (first != null) throw first;
        }
    }

    /** Thrown inside newPlan when the shape has no algorithm (caught there). */
    private static final class Unsupported extends RuntimeException {
        Unsupported() { super(null, null, false, false); }
    }

    static String shapes(Key key) {
        return "column-major D [" + key.m() + ", " + key.n() + "] = op(A') op(B') + bias [" + key.m() + "], k=" + key.k()
                + ", transa=" + (key.transa() == CUBLAS_OP_T ? "T" : "N") + ", transb=" + (key.transb() == CUBLAS_OP_T ? "T" : "N")
                + ", lda=" + key.lda() + ", ldb=" + key.ldb() + ", ldd=" + key.ldd() + ", " + key.precision();
    }
}
