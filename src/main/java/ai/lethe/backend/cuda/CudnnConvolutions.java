// One cuDNN handle of a device runtime and the convolutions Lethe runs through it: forward (with the bias added by
// cudnnAddTensor), backward data and backward filter, float32 NCHW input, KCRS weight, cross-correlation (what every
// Lethe backend computes), padding, stride and dilation per axis, one group.
//
// Per geometry (and math type) the descriptors — x [N,C,H,W], w [K,C,kh,kw], y [N,K,OH,OW], bias [1,K,1,1] and the
// convolution — are created once and cached (at most CACHE_SIZE geometries, the least recently used destroyed), and so
// is each direction's algorithm: the first result of cudnnGetConvolution*Algorithm_v7 (cuDNN's heuristic order)
// with status SUCCESS, a workspace (the larger of its perf result and cudnnGet*WorkspaceSize) within WORKSPACE_LIMIT,
// and, unless TF32 is allowed, the FMA math type. The convolution descriptor's math type is CUDNN_FMA_MATH (true FP32,
// no tensor cores) by default, CUDNN_DEFAULT_MATH when the caller allows TF32, and is set to the chosen algorithm's
// before each call (cuDNN takes algorithm and math type together). An algorithm of math type
// CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION is never taken: it may convert float32 operands to FP16, whose range is not
// float32's. The tf32 flag is how Precision reaches cuDNN (CudaPrecision): TF32 sets it; BF16 sets it on operands
// the caller has already rounded to bf16 (exact on TF32 tensor cores); FP32 leaves it off.
//
// The workspace comes from the caller (CudaNn: the backend's caching allocator, released in stream order after the
// call). Every call runs under this object's lock, with the runtime's context made current first (enter), and on the
// stream given (cudnnSetStream when it changes).
package ai.lethe.backend.cuda;

import ai.lethe.backend.Conv2dGeometry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongUnaryOperator;

/** cuDNN convolutions on one runtime's device. */
public final class CudnnConvolutions implements AutoCloseable {
    /** The largest workspace an algorithm may ask for. */
    public static final long WORKSPACE_LIMIT = 1L << 30;
    /** Geometries whose descriptors are kept. */
    static final int CACHE_SIZE = 64;

    /** The three directions, with their calls' names for messages. */
    public enum Direction {
        FORWARD("cudnnConvolutionForward", "cudnnGetConvolutionForwardAlgorithm_v7", "cudnnGetConvolutionForwardWorkspaceSize",
                CudnnLibrary.CUDNN_CONVOLUTION_FWD_ALGO_COUNT),
        BACKWARD_DATA("cudnnConvolutionBackwardData", "cudnnGetConvolutionBackwardDataAlgorithm_v7",
                "cudnnGetConvolutionBackwardDataWorkspaceSize", CudnnLibrary.CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT),
        BACKWARD_FILTER("cudnnConvolutionBackwardFilter", "cudnnGetConvolutionBackwardFilterAlgorithm_v7",
                "cudnnGetConvolutionBackwardFilterWorkspaceSize", CudnnLibrary.CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT);

        final String call, search, workspace;
        final int algorithms;

        Direction(String call, String search, String workspace, int algorithms) {
            this.call = call;
            this.search = search;
            this.workspace = workspace;
            this.algorithms = algorithms;
        }
    }

    /** A direction's choice: the algorithm, its math type and workspace; null algorithm = none fits. */
    record Plan(int algorithm, int mathType, long workspaceBytes) {}

    private record Key(Conv2dGeometry geometry, boolean tf32) {}

    /** The descriptors of one geometry, and the plans found for it. */
    private final class Descriptors {
        final MemorySegment x, w, y, bias, conv;
        final Plan[] plans = new Plan[3];
        final boolean[] searched = new boolean[3];
        int mathType;

        Descriptors(Conv2dGeometry g, boolean tf32) {
            MemorySegment[] made = new MemorySegment[5];
            try {
                made[0] = create(CudnnLibrary.CREATE_TENSOR, "cudnnCreateTensorDescriptor");
                made[1] = create(CudnnLibrary.CREATE_FILTER, "cudnnCreateFilterDescriptor");
                made[2] = create(CudnnLibrary.CREATE_TENSOR, "cudnnCreateTensorDescriptor");
                made[3] = create(CudnnLibrary.CREATE_TENSOR, "cudnnCreateTensorDescriptor");
                made[4] = create(CudnnLibrary.CREATE_CONVOLUTION, "cudnnCreateConvolutionDescriptor");
                String shapes = shapes(g);
                check(call(CudnnLibrary.SET_TENSOR_4D, made[0], CudnnLibrary.CUDNN_TENSOR_NCHW, CudnnLibrary.CUDNN_DATA_FLOAT,
                        i(g.n()), i(g.c()), i(g.h()), i(g.w())), "cudnnSetTensor4dDescriptor(x)", shapes);
                check(call(CudnnLibrary.SET_FILTER_4D, made[1], CudnnLibrary.CUDNN_DATA_FLOAT, CudnnLibrary.CUDNN_TENSOR_NCHW,
                        i(g.k()), i(g.c()), i(g.kh()), i(g.kw())), "cudnnSetFilter4dDescriptor(w)", shapes);
                check(call(CudnnLibrary.SET_TENSOR_4D, made[2], CudnnLibrary.CUDNN_TENSOR_NCHW, CudnnLibrary.CUDNN_DATA_FLOAT,
                        i(g.n()), i(g.k()), i(g.outH()), i(g.outW())), "cudnnSetTensor4dDescriptor(y)", shapes);
                check(call(CudnnLibrary.SET_TENSOR_4D, made[3], CudnnLibrary.CUDNN_TENSOR_NCHW, CudnnLibrary.CUDNN_DATA_FLOAT,
                        1, i(g.k()), 1, 1), "cudnnSetTensor4dDescriptor(bias)", shapes);
                check(call(CudnnLibrary.SET_CONVOLUTION_2D, made[4], i(g.padH()), i(g.padW()), i(g.strideH()), i(g.strideW()),
                        i(g.dilationH()), i(g.dilationW()), CudnnLibrary.CUDNN_CROSS_CORRELATION, CudnnLibrary.CUDNN_DATA_FLOAT),
                        "cudnnSetConvolution2dDescriptor", shapes);
                mathType = tf32 ? CudnnLibrary.CUDNN_DEFAULT_MATH : CudnnLibrary.CUDNN_FMA_MATH;
                check(call(CudnnLibrary.SET_CONVOLUTION_MATH_TYPE, made[4], mathType), "cudnnSetConvolutionMathType(" + mathType + ")", null);
            } catch (RuntimeException e) {
                try {
                    destroy(made);
                } catch (RuntimeException again) {
                    e.addSuppressed(again);
                }
                throw e;
            }
            x = made[0];
            w = made[1];
            y = made[2];
            bias = made[3];
            conv = made[4];
        }

        void setMathType(int type) {
            if (type == mathType) return;
            check(call(CudnnLibrary.SET_CONVOLUTION_MATH_TYPE, conv, type), "cudnnSetConvolutionMathType(" + type + ")", null);
            mathType = type;
        }

        RuntimeException close(RuntimeException first) {
            try {
                destroy(new MemorySegment[] {x, w, y, bias, conv});
            } catch (RuntimeException e) {
                if (first == null) return e;
                first.addSuppressed(e);
            }
            return first;
        }
    }

    private final CudnnLibrary library;
    private final Runnable enter;
    private final MemorySegment handle;
    private final Map<Key, Descriptors> cache = new LinkedHashMap<>(16, 0.75f, true);
    private long stream = -1;
    private boolean closed;

    /**
     * A new handle (cudnnCreate) on the current context; {@code enter} runs before every cuDNN call (the runtime makes
     * its context current on the calling thread there, and checks it is open).
     */
    CudnnConvolutions(CudnnLibrary library, Runnable enter) {
        this.library = library;
        this.enter = enter;
        enter.run();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            check(call(CudnnLibrary.CREATE, out), "cudnnCreate", null);
            handle = out.get(ValueLayout.ADDRESS, 0);
        }
    }

    public CudnnLibrary library() { return library; }

    /** "cuDNN 9.19.0 (libcudnn.so.9)". */
    public String describe() { return library.describe(); }

    /**
     * Whether cuDNN's 4-d descriptors can describe this geometry: at least one sample (cuDNN rejects empty tensors;
     * the kernels handle them) and every size, and every operand's element count, within a 32-bit int.
     */
    public static boolean supports(Conv2dGeometry g) {
        if (g.n() <= 0) return false;
        long max = Integer.MAX_VALUE;
        return g.n() * g.c() * g.h() * g.w() <= max && g.k() * g.c() * g.kh() * g.kw() <= max
                && g.n() * g.k() * g.outH() * g.outW() <= max && g.padH() <= max && g.padW() <= max && g.strideH() <= max
                && g.strideW() <= max && g.dilationH() <= max && g.dilationW() <= max;
    }

    // ---- the convolutions --------------------------------------------------------------------------------------

    /**
     * y = conv(x, w) (+ bias [K], broadcast over N, OH, OW, when bias != 0) on the stream. {@code workspace} returns a
     * device pointer to at least the bytes asked (called at most once, never for 0 bytes). Returns false, having done
     * nothing, when no algorithm fits WORKSPACE_LIMIT (the caller uses its own kernels).
     */
    public synchronized boolean forward(Conv2dGeometry g, long x, long w, long bias, long y, long cuStream, boolean tf32,
                                        LongUnaryOperator workspace) {
        Descriptors d = prepare(g, tf32, cuStream);
        Plan p = plan(d, g, Direction.FORWARD, tf32);
        if (p == null) return false;
        run(d, g, Direction.FORWARD, p, workspace, d.x, x, d.w, w, d.y, y);
        if (bias != 0) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment one = a.allocateFrom(ValueLayout.JAVA_FLOAT, 1f);
                check(call(CudnnLibrary.ADD_TENSOR, handle, one, d.bias, ptr(bias), one, d.y, ptr(y)), "cudnnAddTensor",
                        "bias [1, " + g.k() + ", 1, 1] to y " + shapes(g));
            }
        }
        return true;
    }

    /** dx = the gradient of conv(x, w) with respect to x, from dy and w (as forward: false when no algorithm fits). */
    public synchronized boolean backwardData(Conv2dGeometry g, long dy, long w, long dx, long cuStream, boolean tf32,
                                             LongUnaryOperator workspace) {
        Descriptors d = prepare(g, tf32, cuStream);
        Plan p = plan(d, g, Direction.BACKWARD_DATA, tf32);
        if (p == null) return false;
        run(d, g, Direction.BACKWARD_DATA, p, workspace, d.w, w, d.y, dy, d.x, dx);
        return true;
    }

    /** dw = the gradient of conv(x, w) with respect to w, from x and dy (as forward: false when no algorithm fits). */
    public synchronized boolean backwardFilter(Conv2dGeometry g, long x, long dy, long dw, long cuStream, boolean tf32,
                                               LongUnaryOperator workspace) {
        Descriptors d = prepare(g, tf32, cuStream);
        Plan p = plan(d, g, Direction.BACKWARD_FILTER, tf32);
        if (p == null) return false;
        run(d, g, Direction.BACKWARD_FILTER, p, workspace, d.x, x, d.y, dy, d.w, dw);
        return true;
    }

    /** The plan of a direction for a geometry (tests; what forward etc. use), null when none fits. */
    synchronized Plan plan(Direction direction, Conv2dGeometry g, boolean tf32) {
        Descriptors d = prepare(g, tf32, stream < 0 ? 0 : stream);
        return plan(d, g, direction, tf32);
    }

    /** The call: alpha = 1, beta = 0 (the output is overwritten, not read), inputs a and b, output c. */
    private void run(Descriptors d, Conv2dGeometry g, Direction dir, Plan p, LongUnaryOperator workspace,
                     MemorySegment aDesc, long a, MemorySegment bDesc, long b, MemorySegment cDesc, long c) {
        d.setMathType(p.mathType());
        long ws = p.workspaceBytes() == 0 ? 0 : workspace.applyAsLong(p.workspaceBytes());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment alpha = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f), beta = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 0f);
            NativeFunction f = switch (dir) {
                case FORWARD -> CudnnLibrary.CONVOLUTION_FORWARD;
                case BACKWARD_DATA -> CudnnLibrary.CONVOLUTION_BACKWARD_DATA;
                case BACKWARD_FILTER -> CudnnLibrary.CONVOLUTION_BACKWARD_FILTER;
            };
            int st = (int) invoke(f, handle, alpha, aDesc, ptr(a), bDesc, ptr(b), d.conv, p.algorithm(), ptr(ws),
                    p.workspaceBytes(), beta, cDesc, ptr(c));
            check(st, dir.call, "algorithm " + p.algorithm() + ", math type " + p.mathType() + ", workspace "
                    + p.workspaceBytes() + " bytes, " + shapes(g));
        }
    }

    // ---- descriptors and plans ---------------------------------------------------------------------------------

    private Descriptors prepare(Conv2dGeometry g, boolean tf32, long cuStream) {
        if (closed) throw new IllegalStateException("this cuDNN handle is closed");
        if (!supports(g)) throw new IllegalArgumentException("cuDNN: the geometry " + shapes(g) + " needs more than 32-bit sizes or has no samples");
        enter.run();
        if (cuStream != stream) {
            check(call(CudnnLibrary.SET_STREAM, handle, ptr(cuStream)), "cudnnSetStream", null);
            stream = cuStream;
        }
        Key key = new Key(g, tf32);
        Descriptors d = cache.get(key);
        if (d == null) {
            d = new Descriptors(g, tf32);
            cache.put(key, d);
            if (cache.size() > CACHE_SIZE) {
                var eldest = cache.entrySet().iterator();
                Descriptors old = eldest.next().getValue();
                eldest.remove();
                RuntimeException e = old.close(null);
                if (e != null) throw e;
            }
        }
        return d;
    }

    private Plan plan(Descriptors d, Conv2dGeometry g, Direction dir, boolean tf32) {
        int i = dir.ordinal();
        if (d.searched[i]) return d.plans[i];
        int requested = dir.algorithms;
        d.setMathType(tf32 ? CudnnLibrary.CUDNN_DEFAULT_MATH : CudnnLibrary.CUDNN_FMA_MATH);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(ValueLayout.JAVA_INT), perf = a.allocate(CudnnLibrary.PERF_BYTES * requested, 8);
            MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
            NativeFunction search = switch (dir) {
                case FORWARD -> CudnnLibrary.GET_FORWARD_ALGORITHM;
                case BACKWARD_DATA -> CudnnLibrary.GET_BACKWARD_DATA_ALGORITHM;
                case BACKWARD_FILTER -> CudnnLibrary.GET_BACKWARD_FILTER_ALGORITHM;
            };
            NativeFunction workspace = switch (dir) {
                case FORWARD -> CudnnLibrary.GET_FORWARD_WORKSPACE;
                case BACKWARD_DATA -> CudnnLibrary.GET_BACKWARD_DATA_WORKSPACE;
                case BACKWARD_FILTER -> CudnnLibrary.GET_BACKWARD_FILTER_WORKSPACE;
            };
            // the descriptors in each call's order: forward (x, w, conv, y), data (w, dy, conv, dx), filter (x, dy, conv, dw)
            MemorySegment[] order = switch (dir) {
                case FORWARD -> new MemorySegment[] {d.x, d.w, d.y};
                case BACKWARD_DATA -> new MemorySegment[] {d.w, d.y, d.x};
                case BACKWARD_FILTER -> new MemorySegment[] {d.x, d.y, d.w};
            };
            check((int) invoke(search, handle, order[0], order[1], d.conv, order[2], requested, count, perf), dir.search, shapes(g));
            int returned = Math.min(requested, count.get(ValueLayout.JAVA_INT, 0));
            Plan chosen = null;
            for (int r = 0; r < returned && chosen == null; r++) {
                MemorySegment p = perf.asSlice(r * CudnnLibrary.PERF_BYTES, CudnnLibrary.PERF_BYTES);
                int status = p.get(ValueLayout.JAVA_INT, CudnnLibrary.PERF_STATUS);
                int algo = p.get(ValueLayout.JAVA_INT, CudnnLibrary.PERF_ALGO);
                int math = p.get(ValueLayout.JAVA_INT, CudnnLibrary.PERF_MATH_TYPE);
                long memory = p.get(ValueLayout.JAVA_LONG, CudnnLibrary.PERF_MEMORY);
                if (status != CudnnLibrary.CUDNN_STATUS_SUCCESS || memory < 0 || memory > WORKSPACE_LIMIT) continue;
                if (!tf32 && math != CudnnLibrary.CUDNN_FMA_MATH) continue;   // no tensor-core (TF32) algorithm unless allowed
                if (math == CudnnLibrary.CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) continue;   // FP16 down-conversion: never
                d.setMathType(math);
                check((int) invoke(workspace, handle, order[0], order[1], d.conv, order[2], algo, size), dir.workspace,
                        "algorithm " + algo + ", " + shapes(g));
                long bytes = Math.max(memory, size.get(ValueLayout.JAVA_LONG, 0));
                if (bytes <= WORKSPACE_LIMIT) chosen = new Plan(algo, math, bytes);
            }
            d.plans[i] = chosen;
            d.searched[i] = true;
            return chosen;
        }
    }

    // ---- calls ---------------------------------------------------------------------------------------------------

    private MemorySegment create(NativeFunction f, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            check(call(f, out), name, null);
            return out.get(ValueLayout.ADDRESS, 0);
        }
    }

    /** Destroys the non-null descriptors of [x, w, y, bias, conv]; the first failure is thrown after trying all. */
    private void destroy(MemorySegment[] made) {
        RuntimeException first = null;
        NativeFunction[] kinds = {CudnnLibrary.DESTROY_TENSOR, CudnnLibrary.DESTROY_FILTER, CudnnLibrary.DESTROY_TENSOR,
                CudnnLibrary.DESTROY_TENSOR, CudnnLibrary.DESTROY_CONVOLUTION};
        for (int i = 0; i < made.length; i++) {
            if (made[i] == null) continue;
            try {
                check(call(kinds[i], made[i]), kinds[i].symbol(), null);
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }

    private int call(NativeFunction f, Object... args) { return (int) invoke(f, args); }

    private Object invoke(NativeFunction f, Object... args) {
        MethodHandle h = library.h(f);
        try {
            return h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    private void check(int status, String call, String context) { library.check(status, call, context); }

    private static MemorySegment ptr(long address) { return MemorySegment.ofAddress(address); }

    private static int i(long v) { return Math.toIntExact(v); }

    static String shapes(Conv2dGeometry g) {
        return "x [" + g.n() + ", " + g.c() + ", " + g.h() + ", " + g.w() + "], w [" + g.k() + ", " + g.c() + ", " + g.kh()
                + ", " + g.kw() + "], y [" + g.n() + ", " + g.k() + ", " + g.outH() + ", " + g.outW() + "], padding ("
                + g.padH() + ", " + g.padW() + "), stride (" + g.strideH() + ", " + g.strideW() + "), dilation ("
                + g.dilationH() + ", " + g.dilationW() + ")";
    }

    /** Destroys every cached descriptor and the handle. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        enter.run();
        RuntimeException first = null;
        for (Descriptors d : cache.values()) first = d.close(first);
        cache.clear();
        try {
            check(call(CudnnLibrary.DESTROY, handle), "cudnnDestroy", null);
        } catch (RuntimeException e) {
            if (first == null) first = e;
            else first.addSuppressed(e);
        }
        if (first != null) throw first;
    }

    /**
     * A runtime's cuDNN: the outcome of loading the library, and the handle created on first use. A library whose
     * handle cannot be created (cudnnCreate fails: no usable device, a missing sub-library) counts as absent, with
     * that error as the reason, as a missing library does.
     */
    static final class Lazy {
        private final CudnnLibrary.Load load;
        private final Runnable enter;
        private CudnnConvolutions convolutions;
        private String failure;

        /** {@code enter} makes the runtime's context current on the calling thread. */
        Lazy(CudnnLibrary.Load load, Runnable enter) {
            this.load = load;
            this.enter = enter;
        }

        synchronized Optional<CudnnConvolutions> get() {
            if (!load.loaded() || failure != null) return Optional.empty();
            if (convolutions == null) {
                try {
                    convolutions = new CudnnConvolutions(load.library(), enter);
                } catch (CudaException e) {
                    failure = load.library().describe() + " is loaded but " + e.getMessage();
                    return Optional.empty();
                }
            }
            return Optional.of(convolutions);
        }

        synchronized String status() {
            return !load.loaded() ? load.reason() : failure != null ? failure : load.library().describe();
        }

        /** Destroys the handle, if one was created. */
        synchronized void close() {
            if (convolutions != null) convolutions.close();
            convolutions = null;
        }
    }
}
