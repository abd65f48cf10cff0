// FFM bindings to liblethe_cpu.so: one downcall handle per exported function (native/*.c documents each),
// typed wrappers that turn a negative status into a Java exception, and a small per-thread native scratch
// buffer through which shapes, strides and geometries are passed (no allocation per call).
package ai.lethe.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

final class NativeCpu {
    // ---- status codes (native/common.h) ----
    static final int OK = 0, ERR_INDEX = -1, ERR_ARG = -2, ERR_NOMEM = -3, ERR_VALUE = -4;

    // ---- dtype codes (native/common.h) ----
    static final int DT_F32 = 0, DT_F64 = 1, DT_I64 = 2;

    /** Most dimensions a native walk takes after coalescing (LETHE_MAX_RANK). */
    static final int MAX_RANK = 8;

    /** Longs in each of the scratch buffer's regions; enough for the largest layout or descriptor. */
    static final int REGION_LONGS = 64;
    /** Scratch regions: two layouts and the error info of the last call. */
    static final int LAYOUT_A = 0, LAYOUT_B = 1, INFO = 2;

    private static final ValueLayout A = ValueLayout.ADDRESS;
    private static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;
    private static final ValueLayout I = ValueLayout.JAVA_INT;
    private static final ValueLayout D = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout F = ValueLayout.JAVA_FLOAT;

    /**
     * Scratch memory per thread: [3 regions][REGION_LONGS] int64. Its lifetime does not matter (a few hundred
     * bytes, written before and read right after each call), so the automatic arena frees it with its thread.
     */
    private static final ThreadLocal<MemorySegment> SCRATCH = ThreadLocal.withInitial(
            () -> Arena.ofAuto().allocate(MemoryLayout.sequenceLayout(3L * REGION_LONGS, J)));

    private final MethodHandle cpuSupported, cpuFeatures, ompThreads, init, copy, fill, unary, binaryF32, binaryI64, where,
            reduce, argReduce, matmul, take, putAdd, conv2d, conv2dBackwardInput, conv2dBackwardWeight, convSetKernel, convKernel, batchNormTrain,
            batchNormEval, batchNormBackward, addReluF32, layerNorm, layerNormBackward, softmax, softmaxBackward, maxPool2d, maxPool2dBackward,
            avgPool2d, avgPool2dBackward, adaptiveAvgPool2d, adaptiveAvgPool2dBackward, random, sgdStep, adamStep,
            addSquared, perSampleSquaredGemm, perSampleSquaredConvWeight, ssdDampen, addGaussianNoise, scoreHistogram,
            maskFromScores;

    private NativeCpu(SymbolLookup lib) {
        cpuSupported = bind(lib, "lethe_cpu_supported");
        cpuFeatures = bind(lib, "lethe_cpu_features");
        ompThreads = bind(lib, "lethe_omp_threads");
        init = bind(lib, "lethe_init", A);
        copy = bind(lib, "lethe_copy", A, A, I, A, I);
        fill = bind(lib, "lethe_fill", A, A, I, D);
        unary = bind(lib, "lethe_unary", I, A, A, A, D, D);
        binaryF32 = bind(lib, "lethe_binary_f32", I, A, A, A, A, D, D);
        binaryI64 = bind(lib, "lethe_binary_i64", I, A, A, A, A, J);
        where = bind(lib, "lethe_where", A, A, A, A, A, I);
        reduce = bind(lib, "lethe_reduce", I, J, J, J, A, A, D);
        argReduce = bind(lib, "lethe_arg_reduce", I, J, J, J, A, A);
        matmul = bind(lib, "lethe_matmul", A, A, A, A, F, F);
        take = bind(lib, "lethe_take", A, A, A, A, J, I, A, J, A);
        putAdd = bind(lib, "lethe_put_add", A, A, A, A, J, I, A, J, A);
        conv2d = bind(lib, "lethe_conv2d", A, A, A, A, A);
        conv2dBackwardInput = bind(lib, "lethe_conv2d_backward_input", A, A, A, A);
        conv2dBackwardWeight = bind(lib, "lethe_conv2d_backward_weight", A, A, A, A);
        convSetKernel = bind(lib, "lethe_conv_set_kernel", I);
        convKernel = bind(lib, "lethe_conv_kernel", A);
        batchNormTrain = bind(lib, "lethe_batch_norm_train", J, J, J, A, A, A, A, A, A, A, A, D, D, I);
        batchNormEval = bind(lib, "lethe_batch_norm_eval", J, J, J, A, A, A, A, A, A, D, I);
        batchNormBackward = bind(lib, "lethe_batch_norm_backward", J, J, J, A, A, A, A, A, A, A, A, A, I);
        addReluF32 = bind(lib, "lethe_add_relu_f32", J, A, A, A);
        layerNorm = bind(lib, "lethe_layer_norm", J, J, A, A, A, A, A, A, D);
        layerNormBackward = bind(lib, "lethe_layer_norm_backward", J, J, A, A, A, A, A, A, A, A);
        softmax = bind(lib, "lethe_softmax", J, J, J, A, A, I);
        softmaxBackward = bind(lib, "lethe_softmax_backward", J, J, J, A, A, A, I);
        maxPool2d = bind(lib, "lethe_max_pool2d", A, A, A, A);
        maxPool2dBackward = bind(lib, "lethe_max_pool2d_backward", A, A, A, A, A);
        avgPool2d = bind(lib, "lethe_avg_pool2d", A, A, A);
        avgPool2dBackward = bind(lib, "lethe_avg_pool2d_backward", A, A, A);
        adaptiveAvgPool2d = bind(lib, "lethe_adaptive_avg_pool2d", J, J, J, J, J, A, A);
        adaptiveAvgPool2dBackward = bind(lib, "lethe_adaptive_avg_pool2d_backward", J, J, J, J, J, A, A);
        random = bind(lib, "lethe_random", I, A, J, J, J, D, D);
        sgdStep = bind(lib, "lethe_sgd_step", J, A, A, A, A, D, D, D, D, D, I, I, I);
        adamStep = bind(lib, "lethe_adam_step", J, A, A, A, A, A, D, D, D, D, D, I, I, J);
        addSquared = bind(lib, "lethe_add_squared", A, A, A, D);
        perSampleSquaredGemm = bind(lib, "lethe_per_sample_squared_gemm", A, A, A, A, D);
        perSampleSquaredConvWeight = bind(lib, "lethe_per_sample_squared_conv_weight", A, A, A, A, D);
        ssdDampen = bind(lib, "lethe_ssd_dampen", J, A, A, A, D, D);
        addGaussianNoise = bind(lib, "lethe_add_gaussian_noise", A, A, J, J, J);
        scoreHistogram = bind(lib, "lethe_score_histogram", J, A, I, I, I, I, A, A);
        maskFromScores = bind(lib, "lethe_mask_from_scores", J, A, A, F, J, A);
    }

    /** Binds every function of the library; a missing symbol is an IllegalStateException (stale library). */
    static NativeCpu bind(SymbolLookup lib) { return new NativeCpu(lib); }

    private static MethodHandle bind(SymbolLookup lib, String name, MemoryLayout... args) {
        MemorySegment symbol = lib.find(name).orElseThrow(
                () -> new IllegalStateException("symbol " + name + " is missing (stale library? rebuild with mvn compile)"));
        return Linker.nativeLinker().downcallHandle(symbol, FunctionDescriptor.of(I, args));
    }

    // ---- scratch ----------------------------------------------------------------------------------------

    /** Region {@code region} (LAYOUT_A, LAYOUT_B, INFO) of this thread's scratch buffer. */
    static MemorySegment scratch(int region) {
        return SCRATCH.get().asSlice((long) region * REGION_LONGS * Long.BYTES, REGION_LONGS * Long.BYTES);
    }

    /** Writes {@code values} at the start of region {@code region} and returns the region. */
    static MemorySegment longs(int region, long... values) {
        MemorySegment s = scratch(region);
        MemorySegment.copy(values, 0, s, J, 0, values.length);
        return s;
    }

    /** Entry {@code i} of the error info the last failing call wrote. */
    static long info(int i) { return scratch(INFO).getAtIndex(J, i); }

    // ---- status ------------------------------------------------------------------------------------------

    /** Throws for any status but OK; index errors are reported by callers that know the op's axis. */
    static void check(String op, int status) {
        switch (status) {
            case OK -> {}
            case ERR_NOMEM -> throw new OutOfMemoryError(op + ": the cpu backend could not allocate its native workspace");
            case ERR_ARG -> throw new IllegalArgumentException(op + ": the native cpu kernel rejected its arguments");
            case ERR_INDEX -> throw new IndexOutOfBoundsException(op + ": index " + info(0) + " is out of range for size " + info(3));
            case ERR_VALUE -> throw new IllegalArgumentException(op + ": value " + Float.intBitsToFloat((int) info(1))
                    + " at flat index " + info(0) + " is outside the kernel's domain");
            default -> throw new IllegalStateException(op + ": native cpu kernel failed with status " + status);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }

    // ---- calls (argument order and meaning: see the C function of the same name) -------------------------

    boolean cpuSupported() {
        try {
            return (int) cpuSupported.invokeExact() != 0;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** The vector extensions of this CPU and OS, as lethe_cpu_features's bits (CpuFeatures reads them). */
    int cpuFeatures() {
        try {
            return (int) cpuFeatures.invokeExact();
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** The OpenMP threads the library's parallel kernels run on. */
    int ompThreads() {
        try {
            return (int) ompThreads.invokeExact();
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Hands the library the BLAS sgemm (a cblas_sgemm function pointer) that every product goes through. */
    void init(MemorySegment sgemm) {
        try {
            check("init", (int) init.invokeExact(sgemm));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void copy(MemorySegment layout, MemorySegment src, int srcType, MemorySegment dst, int dstType) {
        try {
            check("copy", (int) copy.invokeExact(layout, src, srcType, dst, dstType));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void fill(MemorySegment layout, MemorySegment dst, int type, double value) {
        try {
            check("fill", (int) fill.invokeExact(layout, dst, type, value));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void unary(String name, int op, MemorySegment layout, MemorySegment x, MemorySegment out, double p0, double p1) {
        try {
            check(name, (int) unary.invokeExact(op, layout, x, out, p0, p1));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void binaryF32(String name, int op, MemorySegment layout, MemorySegment a, MemorySegment b, MemorySegment out,
                   double p0, double p1) {
        try {
            check(name, (int) binaryF32.invokeExact(op, layout, a, b, out, p0, p1));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void binaryI64(String name, int op, MemorySegment layout, MemorySegment a, MemorySegment b, MemorySegment out,
                   long scale) {
        try {
            check(name, (int) binaryI64.invokeExact(op, layout, a, b, out, scale));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void where(MemorySegment layout, MemorySegment cond, MemorySegment a, MemorySegment b, MemorySegment out,
               int elemSize) {
        try {
            check("where", (int) where.invokeExact(layout, cond, a, b, out, elemSize));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void reduce(String name, int op, long outer, long red, long inner, MemorySegment x, MemorySegment out,
                double correction) {
        try {
            check(name, (int) reduce.invokeExact(op, outer, red, inner, x, out, correction));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void argReduce(String name, int op, long outer, long n, long inner, MemorySegment x, MemorySegment out) {
        try {
            check(name, (int) argReduce.invokeExact(op, outer, n, inner, x, out));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void matmul(MemorySegment desc, MemorySegment a, MemorySegment b, MemorySegment out, float alpha, float beta) {
        try {
            check("matmul", (int) matmul.invokeExact(desc, a, b, out, alpha, beta));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Returns the status: OK or ERR_INDEX (info: bad value, position), other errors throw. */
    int take(String name, MemorySegment layout, MemorySegment out, MemorySegment x, MemorySegment index,
             long xAxisStride, int elemSize, MemorySegment indexLayout, long axisSize) {
        try {
            int status = (int) take.invokeExact(layout, out, x, index, xAxisStride, elemSize, indexLayout, axisSize,
                    scratch(INFO));
            if (status != ERR_INDEX) check(name, status);
            return status;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Returns the status: OK or ERR_INDEX (info: bad value, position), other errors throw. */
    int putAdd(String name, MemorySegment layout, MemorySegment src, MemorySegment out, MemorySegment index,
               long outAxisStride, int elemSize, MemorySegment indexLayout, long axisSize) {
        try {
            int status = (int) putAdd.invokeExact(layout, src, out, index, outAxisStride, elemSize, indexLayout, axisSize,
                    scratch(INFO));
            if (status != ERR_INDEX) check(name, status);
            return status;
        } catch (Throwable t) { throw rethrow(t); }
    }

    void conv2d(MemorySegment geom, MemorySegment x, MemorySegment w, MemorySegment bias, MemorySegment out) {
        try {
            check("conv2d", (int) conv2d.invokeExact(geom, x, w, bias, out));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void conv2dBackwardInput(MemorySegment geom, MemorySegment dy, MemorySegment w, MemorySegment dx) {
        try {
            check("conv2dBackwardInput", (int) conv2dBackwardInput.invokeExact(geom, dy, w, dx));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void conv2dBackwardWeight(MemorySegment geom, MemorySegment dy, MemorySegment x, MemorySegment dw) {
        try {
            check("conv2dBackwardWeight", (int) conv2dBackwardWeight.invokeExact(geom, dy, x, dw));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Forces the convolutions' kernel (ConvKernel code); false when the CPU lacks its instruction set. */
    boolean convSetKernel(int code) {
        try {
            return (int) convSetKernel.invokeExact(code) == OK;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** { requested ConvKernel code, the instruction set's code the direct kernels run with under it }. */
    int[] convKernel() {
        try {
            MemorySegment isa = scratch(INFO);
            int requested = (int) convKernel.invokeExact(isa);
            return new int[] {requested, isa.get(ValueLayout.JAVA_INT, 0)};
        } catch (Throwable t) { throw rethrow(t); }
    }

    void batchNormTrain(long n, long c, long s, MemorySegment x, MemorySegment weight, MemorySegment bias,
                        MemorySegment runningMean, MemorySegment runningVar, MemorySegment out, MemorySegment saveMean,
                        MemorySegment saveInvStd, double momentum, double eps, boolean relu) {
        try {
            check("batchNormTrain", (int) batchNormTrain.invokeExact(n, c, s, x, weight, bias, runningMean, runningVar,
                    out, saveMean, saveInvStd, momentum, eps, relu ? 1 : 0));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void batchNormEval(long n, long c, long s, MemorySegment x, MemorySegment weight, MemorySegment bias,
                       MemorySegment runningMean, MemorySegment runningVar, MemorySegment out, double eps, boolean relu) {
        try {
            check("batchNormEval", (int) batchNormEval.invokeExact(n, c, s, x, weight, bias, runningMean, runningVar,
                    out, eps, relu ? 1 : 0));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** out: the forward's ReLU output masking dy (batch norm + ReLU), or NULL. */
    void batchNormBackward(String op, long n, long c, long s, MemorySegment dy, MemorySegment out, MemorySegment x,
                           MemorySegment weight, MemorySegment mean, MemorySegment invStd, MemorySegment dx,
                           MemorySegment dweight, MemorySegment dbias, int batchStatistics) {
        try {
            check(op, (int) batchNormBackward.invokeExact(n, c, s, dy, out, x, weight, mean,
                    invStd, dx, dweight, dbias, batchStatistics));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** out = max(a + b, 0) over n contiguous floats. */
    void addReluF32(long n, MemorySegment a, MemorySegment b, MemorySegment out) {
        try {
            check("addRelu", (int) addReluF32.invokeExact(n, a, b, out));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void layerNorm(long m, long d, MemorySegment x, MemorySegment weight, MemorySegment bias, MemorySegment out,
                   MemorySegment saveMean, MemorySegment saveInvStd, double eps) {
        try {
            check("layerNorm", (int) layerNorm.invokeExact(m, d, x, weight, bias, out, saveMean, saveInvStd, eps));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void layerNormBackward(long m, long d, MemorySegment dy, MemorySegment x, MemorySegment weight,
                           MemorySegment saveMean, MemorySegment saveInvStd, MemorySegment dx, MemorySegment dweight,
                           MemorySegment dbias) {
        try {
            check("layerNormBackward", (int) layerNormBackward.invokeExact(m, d, dy, x, weight, saveMean, saveInvStd,
                    dx, dweight, dbias));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void softmax(long outer, long d, long inner, MemorySegment x, MemorySegment out, boolean log) {
        try {
            check("softmax", (int) softmax.invokeExact(outer, d, inner, x, out, log ? 1 : 0));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void softmaxBackward(long outer, long d, long inner, MemorySegment y, MemorySegment dy, MemorySegment dx,
                         boolean log) {
        try {
            check("softmaxBackward", (int) softmaxBackward.invokeExact(outer, d, inner, y, dy, dx, log ? 1 : 0));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void maxPool2d(MemorySegment geom, MemorySegment x, MemorySegment out, MemorySegment indices) {
        try {
            check("maxPool2d", (int) maxPool2d.invokeExact(geom, x, out, indices));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Returns the status: OK or ERR_INDEX (info: bad value, position), other errors throw. */
    int maxPool2dBackward(MemorySegment geom, MemorySegment dy, MemorySegment indices, MemorySegment dx) {
        try {
            int status = (int) maxPool2dBackward.invokeExact(geom, dy, indices, dx, scratch(INFO));
            if (status != ERR_INDEX) check("maxPool2dBackward", status);
            return status;
        } catch (Throwable t) { throw rethrow(t); }
    }

    void avgPool2d(MemorySegment geom, MemorySegment x, MemorySegment out) {
        try {
            check("avgPool2d", (int) avgPool2d.invokeExact(geom, x, out));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void avgPool2dBackward(MemorySegment geom, MemorySegment dy, MemorySegment dx) {
        try {
            check("avgPool2dBackward", (int) avgPool2dBackward.invokeExact(geom, dy, dx));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void adaptiveAvgPool2d(long planes, long h, long w, long oh, long ow, MemorySegment x, MemorySegment out) {
        try {
            check("adaptiveAvgPool2d", (int) adaptiveAvgPool2d.invokeExact(planes, h, w, oh, ow, x, out));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void adaptiveAvgPool2dBackward(long planes, long h, long w, long oh, long ow, MemorySegment dy, MemorySegment dx) {
        try {
            check("adaptiveAvgPool2dBackward", (int) adaptiveAvgPool2dBackward.invokeExact(planes, h, w, oh, ow, dy, dx));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void random(int kind, MemorySegment dst, long n, long seed, long counter, double a, double b) {
        try {
            check("random", (int) random.invokeExact(kind, dst, n, seed, counter, a, b));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void sgdStep(long n, MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer, MemorySegment mask,
                 double lr, double momentum, double dampening, double weightDecay, double l1, boolean nesterov,
                 boolean maximize, boolean firstStep) {
        try {
            check("sgdStep", (int) sgdStep.invokeExact(n, param, grad, momentumBuffer, mask, lr, momentum, dampening,
                    weightDecay, l1, nesterov ? 1 : 0, maximize ? 1 : 0, firstStep ? 1 : 0));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void adamStep(long n, MemorySegment param, MemorySegment grad, MemorySegment expAvg, MemorySegment expAvgSq,
                  MemorySegment mask, double lr, double beta1, double beta2, double eps, double weightDecay,
                  boolean decoupled, boolean maximize, long step) {
        try {
            check("adamStep", (int) adamStep.invokeExact(n, param, grad, expAvg, expAvgSq, mask, lr, beta1, beta2, eps,
                    weightDecay, decoupled ? 1 : 0, maximize ? 1 : 0, step));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void addSquared(MemorySegment layout, MemorySegment x, MemorySegment acc, double scale) {
        try {
            check("addSquared", (int) addSquared.invokeExact(layout, x, acc, scale));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void perSampleSquaredGemm(MemorySegment desc, MemorySegment a, MemorySegment b, MemorySegment acc, double scale) {
        try {
            check("perSampleSquaredGemm", (int) perSampleSquaredGemm.invokeExact(desc, a, b, acc, scale));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void perSampleSquaredConvWeight(MemorySegment geom, MemorySegment dy, MemorySegment x, MemorySegment acc,
                                    double scale) {
        try {
            check("perSampleSquaredConvWeight", (int) perSampleSquaredConvWeight.invokeExact(geom, dy, x, acc, scale));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void ssdDampen(long n, MemorySegment theta, MemorySegment importanceD, MemorySegment importanceF, double alpha,
                   double lambda) {
        try {
            check("ssdDampen", (int) ssdDampen.invokeExact(n, theta, importanceD, importanceF, alpha, lambda));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void addGaussianNoise(MemorySegment theta, MemorySegment std, long n, long seed, long counter) {
        try {
            check("addGaussianNoise", (int) addGaussianNoise.invokeExact(theta, std, n, seed, counter));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * Returns OK or ERR_VALUE (info: position of the first negative or NaN score, its bits); other errors
     * throw. counts (int64 [2^bits]) is accumulated into.
     */
    int scoreHistogram(long n, MemorySegment scores, int shift, int bits, int matchShift, int matchValue,
                       MemorySegment counts) {
        try {
            int status = (int) scoreHistogram.invokeExact(n, scores, shift, bits, matchShift, matchValue, counts,
                    scratch(INFO));
            if (status != ERR_VALUE) check("scoreHistogram", status);
            return status;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Returns the number of ties kept. */
    long maskFromScores(long n, MemorySegment scores, MemorySegment mask, float threshold, long tiesToKeep) {
        try {
            check("maskFromScores", (int) maskFromScores.invokeExact(n, scores, mask, threshold, tiesToKeep, scratch(INFO)));
            return info(0);
        } catch (Throwable t) { throw rethrow(t); }
    }
}
