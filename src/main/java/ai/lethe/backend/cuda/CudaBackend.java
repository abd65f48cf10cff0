// The CUDA backend: the whole Backend SPI over a DeviceRuntime, so the same class serves the emulated device
// ("cuda-emu": EmulatedRuntime, the CPU emulator that runs the very kernels of cuda-kernels/) and, through its public
// constructor, an NVIDIA GPU ("cuda": the driver-API runtime). Registered through ServiceLoader (no-argument
// constructor) as cuda-emu, with a negative priority: never the default device (Backends skips negative
// priorities), only when forced (--device cuda-emu, -Dlethe.device=cuda-emu, LETHE_DEVICE).
//
// Memory: storage comes from a caching allocator (CudaAllocator: size classes, stream-ordered reuse, live/peak
// counters); host copies go through reused staging buffers (HostStaging: pinned when the runtime has pinned memory);
// copy and fill are strided kernels (memory.cu, via CudaContext). Every other op, its arguments already checked by
// CheckedBackend (the layer Backends puts in front of every backend), is handed to the family that owns it:
// CudaMath, CudaLinalg, CudaNn, CudaOptim, CudaUnlearning.
//
// All work is queued on one stream; read() synchronises (the result is on the host when it returns). write() does
// not: the source — a Java-heap or a native segment alike — is copied into a staging buffer and the copy to the
// device is queued behind the work before it, so the caller may change or free its memory as soon as write() returns
// (HostStaging says when a staging buffer is reused). Only a write larger than STAGED_WRITE_LIMIT synchronises.
// Device faults surface at the latest at the next synchronisation.
//
// counters() says what the backend has asked of its device (DeviceCounters: launches, GEMMs, synchronisations,
// runtime allocations, host copies), counted by the CountingRuntime it puts in front of the runtime it opens.
package ai.lethe.backend.cuda;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.ArgReduceOp;
import ai.lethe.backend.Availability;
import ai.lethe.backend.Backend;
import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.GraphCapture;
import ai.lethe.backend.MemoryStats;
import ai.lethe.backend.Pool2dGeometry;
import ai.lethe.backend.RandomKind;
import ai.lethe.backend.ReduceOp;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.Storage;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;
import ai.lethe.core.Device;
import java.lang.foreign.MemorySegment;
import java.util.List;

public class CudaBackend implements Backend, GraphCapture {
    /** Writes up to this many bytes are staged and return without synchronising; larger ones synchronise. */
    public static final long STAGED_WRITE_LIMIT = 64L << 20;
    /** The emulated device's name. */
    public static final String EMULATED = "cuda-emu";
    /** Priority of cuda-emu: negative, so never the default device. */
    public static final int EMULATED_PRIORITY = -100;

    /** How a backend gets its runtime: whether it can run here (never throws), and opening it once it can. */
    public interface RuntimeSource {
        Availability availability();

        DeviceRuntime open();
    }

    private final String name;
    private final int priority;
    private final Device device;
    private final RuntimeSource source;
    private volatile Availability availability;
    private volatile Families families;

    private record Families(CudaContext context, CudaMath math, CudaLinalg linalg, CudaNn nn, CudaOptim optim,
                            CudaUnlearning unlearning, CudaAttention attention) {}

    /** The emulated device, cuda-emu (what ServiceLoader creates). */
    public CudaBackend() {
        this(EMULATED, EMULATED_PRIORITY, new RuntimeSource() {
            @Override public Availability availability() { return EmulatedRuntime.availability(); }

            @Override public DeviceRuntime open() { return EmulatedRuntime.open(); }
        });
    }

    /**
     * A backend named {@code name} (its device type) over the runtime {@code source} opens on first use.
     * {@code priority} as in {@link Backend#priority()}; negative keeps it from being the default.
     */
    public CudaBackend(String name, int priority, RuntimeSource source) {
        this.name = name;
        this.priority = priority;
        this.device = new Device(name, 0);
        this.source = source;
    }

    /** A backend over an already open runtime (tests; a caller that manages the runtime itself). */
    public CudaBackend(String name, int priority, DeviceRuntime runtime) {
        this(name, priority, new RuntimeSource() {
            @Override public Availability availability() { return Availability.yes(runtime.description()); }

            @Override public DeviceRuntime open() { return runtime; }
        });
    }

    /** The exception of an SPI op the CUDA backend does not have yet. */
    public static UnsupportedOperationException notYet(String op) {
        return new UnsupportedOperationException(op + " is not on cuda yet (issue 14)");
    }

    @Override public String name() { return name; }

    @Override public int priority() { return priority; }

    @Override public Device device() { return device; }

    @Override public Availability availability() {
        Availability a = availability;
        if (a == null) {
            synchronized (this) {
                if (availability == null) availability = load();
                a = availability;
            }
        }
        return a;
    }

    private Availability load() {
        Availability a;
        try {
            a = source.availability();
        } catch (RuntimeException | LinkageError e) {
            return Availability.no(name + ": " + e);
        }
        if (!a.available()) return a;
        try {
            CountingRuntime rt = new CountingRuntime(source.open());
            CudaContext c = new CudaContext(device, rt, Stream.DEFAULT, new CudaAllocator(rt));
            families = new Families(c, new CudaMath(c), new CudaLinalg(c), new CudaNn(c), new CudaOptim(c),
                    new CudaUnlearning(c), new CudaAttention(c));
            return a;
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("cannot open " + name + ": " + e);
        }
    }

    private Families families() {
        Families f = families;
        if (f != null) return f;
        Availability a = availability();
        if (!a.available()) throw new IllegalStateException("the " + name + " backend is not available: " + a.reason());
        return families;
    }

    /** The device, stream and allocator the families share; an IllegalStateException when unavailable. */
    public CudaContext context() { return families().context(); }

    /**
     * Returns the allocator's cached free blocks to the device (after their streams finish), as
     * torch.cuda.empty_cache(); returns the bytes freed. Live storages are untouched.
     */
    public long emptyCache() {
        Families f = families;
        return f == null ? 0 : f.context().allocator().emptyCache();
    }

    /** The staging buffers of host copies (tests). */
    HostStaging staging() { return context().staging(); }

    /**
     * What this backend has asked of its device so far: kernel launches, GEMM calls, host synchronisations, event
     * waits, allocations that reached the runtime (the caching allocator's misses), host copies and their bytes. Take
     * two snapshots and subtract (DeviceCounters.minus) for what happened between. All zero before first use.
     */
    public DeviceCounters counters() {
        Families f = families;
        return f == null ? DeviceCounters.ZERO : f.context().counters();
    }

    // ---- graphs (GraphCapture; CapturedStep) --------------------------------------------------------------

    @Override public String graphsUnsupported() {
        Availability a = availability();
        if (!a.available()) return "the " + name + " backend is not available: " + a.reason();
        DeviceRuntime rt = CountingRuntime.unwrap(context().runtime());
        if (rt instanceof EmulatedRuntime && rt.cudnn().isPresent() && ConvRouting.mode() != ConvRouting.Mode.KERNELS)
            return "the emulator's test cuDNN computes on the host at once and cannot be captured";
        return null;
    }

    @Override public GraphCapture.StepGraph newStepGraph(String what) {
        String why = graphsUnsupported();
        if (why != null) throw new IllegalStateException(what + ": graphs are not supported on " + name + ": " + why);
        return new CapturedStep(context(), what);
    }

    @Override public GraphCapture.InputRing newInputRing(String what) { return new ai.lethe.backend.cuda.InputRing(context(), what); }

    /** Waits until every op queued so far has finished (device faults surface here). */
    public void synchronize() { context().synchronize(); }

    // ---- memory -------------------------------------------------------------------------------------------

    @Override public Storage allocate(long bytes) { return context().allocate(bytes); }

    @Override public MemoryStats memoryStats() {
        Families f = families;
        return f == null ? new MemoryStats(0, 0, 0, 0) : f.context().allocator().stats();
    }

    @Override public void resetPeakBytes() {
        Families f = families;
        if (f != null) f.context().allocator().resetPeak();
    }

    @Override public void write(MemorySegment src, View dst) {
        CudaContext c = context();
        long bytes = dst.numel() * dst.dtype().byteSize();
        if (bytes == 0) return;
        long target = c.elementPointer("write", dst);
        if (bytes <= STAGED_WRITE_LIMIT) {
            c.staging().write(src, target, bytes);
            return;
        }
        if (src.isNative()) {
            c.runtime().copyHostToDevice(target, src, bytes, c.stream());
            c.synchronize();
            return;
        }
        c.staging().use(bytes, s -> {
            MemorySegment.copy(src, 0, s, 0, bytes);
            c.runtime().copyHostToDevice(target, s, bytes, c.stream());
            c.synchronize();
        });
    }

    @Override public void read(View src, MemorySegment dst) {
        CudaContext c = context();
        long bytes = src.numel() * src.dtype().byteSize();
        if (bytes == 0) return;
        long from = c.elementPointer("read", src);
        if (dst.isNative()) {
            c.runtime().copyDeviceToHost(dst, from, bytes, c.stream());
            c.synchronize();
            return;
        }
        c.staging().use(bytes, s -> {
            c.runtime().copyDeviceToHost(s, from, bytes, c.stream());
            c.synchronize();
            MemorySegment.copy(s, 0, dst, 0, bytes);
        });
    }

    @Override public void copy(View src, View dst) {
        context().copy(src, dst);
    }

    @Override public void fill(View dst, double value) {
        context().fill(dst, value);
    }

    @Override public void random(RandomKind kind, View dst, long seed, long counter, double a, double b) {
        // a captured step that draws random numbers passes its Philox counter by value: it cannot be replayed as it is
        context().unreplayable("random numbers (" + kind + ") are drawn with a new counter each step");
        families().math().random(kind, dst, seed, counter, a, b);
    }

    // ---- math ---------------------------------------------------------------------------------------------

    @Override public void unary(UnaryOp op, View x, View out, double p0, double p1) {
        families().math().unary(op, x, out, p0, p1);
    }

    @Override public void binary(BinaryOp op, View a, View b, View out, double p0, double p1) {
        families().math().binary(op, a, b, out, p0, p1);
    }

    @Override public void where(View cond, View a, View b, View out) {
        families().math().where(cond, a, b, out);
    }

    @Override public void reduce(ReduceOp op, View x, View out, double p0) {
        families().math().reduce(op, x, out, p0);
    }

    @Override public void argReduce(ArgReduceOp op, View x, int axis, View out) {
        families().math().argReduce(op, x, axis, out);
    }

    // ---- linear algebra and indexing ----------------------------------------------------------------------

    @Override public void matmul(View a, View b, View out, double alpha, double beta) {
        families().linalg().matmul(a, b, out, alpha, beta);
    }

    @Override public void indexSelect(View x, int axis, View index, View out) {
        families().linalg().indexSelect(x, axis, index, out);
    }

    @Override public void indexAdd(View src, int axis, View index, View out) {
        families().linalg().indexAdd(src, axis, index, out);
    }

    @Override public void gather(View x, int axis, View index, View out) {
        families().linalg().gather(x, axis, index, out);
    }

    @Override public void scatterAdd(View src, int axis, View index, View out) {
        families().linalg().scatterAdd(src, axis, index, out);
    }

    // ---- neural network -----------------------------------------------------------------------------------

    @Override public void conv2d(View x, View w, View bias, View out, Conv2dGeometry g) {
        families().nn().conv2d(x, w, bias, out, g);
    }

    @Override public void conv2dBackwardInput(View dy, View w, View dx, Conv2dGeometry g) {
        families().nn().conv2dBackwardInput(dy, w, dx, g);
    }

    @Override public void conv2dBackwardWeight(View dy, View x, View dw, Conv2dGeometry g) {
        families().nn().conv2dBackwardWeight(dy, x, dw, g);
    }

    @Override public void batchNormTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                         View saveMean, View saveInvStd, double momentum, double eps) {
        families().nn().batchNormTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd, momentum, eps);
    }

    @Override public void batchNormEval(View x, View weight, View bias, View runningMean, View runningVar, View out, double eps) {
        families().nn().batchNormEval(x, weight, bias, runningMean, runningVar, out, eps);
    }

    @Override public void batchNormBackward(View dy, View x, View weight, View mean, View invStd, View dx,
                                            View dweight, View dbias, boolean batchStatistics) {
        families().nn().batchNormBackward(dy, x, weight, mean, invStd, dx, dweight, dbias, batchStatistics);
    }

    @Override public void layerNorm(View x, View weight, View bias, View out, View saveMean, View saveInvStd, double eps) {
        families().nn().layerNorm(x, weight, bias, out, saveMean, saveInvStd, eps);
    }

    @Override public void layerNormBackward(View dy, View x, View weight, View saveMean, View saveInvStd, View dx,
                                            View dweight, View dbias) {
        families().nn().layerNormBackward(dy, x, weight, saveMean, saveInvStd, dx, dweight, dbias);
    }

    @Override public void softmax(View x, View out, boolean log) {
        families().nn().softmax(x, out, log);
    }

    @Override public void softmaxBackward(View y, View dy, View dx, boolean log) {
        families().nn().softmaxBackward(y, dy, dx, log);
    }

    @Override public void maxPool2d(View x, View out, View indices, Pool2dGeometry g) {
        families().nn().maxPool2d(x, out, indices, g);
    }

    @Override public void maxPool2dBackward(View dy, View indices, View dx, Pool2dGeometry g) {
        families().nn().maxPool2dBackward(dy, indices, dx, g);
    }

    @Override public void avgPool2d(View x, View out, Pool2dGeometry g) {
        families().nn().avgPool2d(x, out, g);
    }

    @Override public void avgPool2dBackward(View dy, View dx, Pool2dGeometry g) {
        families().nn().avgPool2dBackward(dy, dx, g);
    }

    @Override public void adaptiveAvgPool2d(View x, View out) {
        families().nn().adaptiveAvgPool2d(x, out);
    }

    @Override public void adaptiveAvgPool2dBackward(View dy, View dx) {
        families().nn().adaptiveAvgPool2dBackward(dy, dx);
    }

    // ---- optimizers ---------------------------------------------------------------------------------------

    @Override public void sgdStep(View param, View grad, View momentumBuffer, View mask, SgdParams p) {
        families().optim().sgdStep(param, grad, momentumBuffer, mask, p);
    }

    @Override public void adamStep(View param, View grad, View expAvg, View expAvgSq, View mask, AdamParams p) {
        families().optim().adamStep(param, grad, expAvg, expAvgSq, mask, p);
    }

    // ---- unlearning and pruning ---------------------------------------------------------------------------

    @Override public void addSquared(View x, View acc, double scale) {
        families().unlearning().addSquared(x, acc, scale);
    }

    @Override public void perSampleSquaredGemm(View a, View b, View acc, double scale) {
        families().unlearning().perSampleSquaredGemm(a, b, acc, scale);
    }

    @Override public void perSampleSquaredConvWeight(View dy, View x, View acc, Conv2dGeometry g, double scale) {
        families().unlearning().perSampleSquaredConvWeight(dy, x, acc, g, scale);
    }

    @Override public void ssdDampen(View theta, View importanceD, View importanceF, double alpha, double lambda) {
        families().unlearning().ssdDampen(theta, importanceD, importanceF, alpha, lambda);
    }

    @Override public void addGaussianNoise(View theta, View std, long seed, long counter) {
        families().unlearning().addGaussianNoise(theta, std, seed, counter);
    }

    @Override public void scoreHistogram(View scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        families().unlearning().scoreHistogram(scores, shift, bits, matchShift, matchValue, counts);
    }

    @Override public long maskFromScores(View scores, View mask, float threshold, long tiesToKeep) {
        return families().unlearning().maskFromScores(scores, mask, threshold, tiesToKeep);
    }

    // ---- fused ops (issue 15) -----------------------------------------------------------------------------------

    @Override public void crossEntropy(View logits, View target, View losses, View logSumExp, View total,
                                       double labelSmoothing, double scale) {
        families().nn().crossEntropy(logits, target, losses, logSumExp, total, labelSmoothing, scale);
    }

    @Override public void crossEntropyBackward(View logits, View target, View logSumExp, View gradOut, View dlogits,
                                               double labelSmoothing, double scale) {
        families().nn().crossEntropyBackward(logits, target, logSumExp, gradOut, dlogits, labelSmoothing, scale);
    }

    @Override public void batchNormReluTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                             View saveMean, View saveInvStd, double momentum, double eps) {
        families().nn().batchNormReluTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd, momentum, eps);
    }

    @Override public void batchNormReluEval(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                            double eps) {
        families().nn().batchNormReluEval(x, weight, bias, runningMean, runningVar, out, eps);
    }

    @Override public void batchNormReluBackward(View dy, View out, View x, View weight, View mean, View invStd, View dx,
                                                View dweight, View dbias, boolean batchStatistics) {
        families().nn().batchNormReluBackward(dy, out, x, weight, mean, invStd, dx, dweight, dbias, batchStatistics);
    }

    @Override public void addRelu(View a, View b, View out) {
        families().math().addRelu(a, b, out);
    }

    @Override public void sgdStepMulti(View[] params, View[] grads, View[] momentumBuffers, View[] masks, SgdParams p) {
        families().optim().sgdStepMulti(params, grads, momentumBuffers, masks, p);
    }

    @Override public void adamStepMulti(View[] params, View[] grads, View[] expAvgs, View[] expAvgSqs, View[] masks,
                                        AdamParams p) {
        families().optim().adamStepMulti(params, grads, expAvgs, expAvgSqs, masks, p);
    }

    /** The GEMM with the bias in its epilogue (CudaLinalg.linearBias); with K = 0, matmul's empty product then the add. */
    @Override public void linearBias(View x, View w, View bias, View out) {
        if (!families().linalg().linearBias(x, w, bias, out)) Backend.super.linearBias(x, w, bias, out);
    }

    @Override public void biasGelu(View y, View bias, View pre, View out, UnaryOp op) {
        families().math().biasGelu(y, bias, pre, out, op);
    }

    @Override public void scoreHistograms(List<View> scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        new CudaTopK(families().context()).scoreHistograms(scores, shift, bits, matchShift, matchValue, counts);
    }

    @Override public long masksFromScores(List<View> scores, List<View> masks, float threshold, long tiesToKeep) {
        return new CudaTopK(families().context()).masksFromScores(scores, masks, threshold, tiesToKeep);
    }

    @Override public void attention(View q, View k, View v, View out, View logSumExp, double scale) {
        families().attention().attention(this, q, k, v, out, logSumExp, scale);
    }

    @Override public void attentionBackward(View q, View k, View v, View out, View dOut, View logSumExp, View dq, View dk,
                                            View dv, double scale) {
        families().attention().attentionBackward(this, q, k, v, out, dOut, logSumExp, dq, dk, dv, scale);
    }
}
