// The native CPU backend: kernels in liblethe_cpu.so (native/, built by the Maven build; OpenMP; GEMMs on the
// OpenBLAS that OpenBlas loads)
// called through FFM, storage in its own off-heap host memory. float32 compute; int64 where the SPI allows
// it; float64 only for copy/fill (every other float64 use is rejected: it belongs to the ref backend).
// Unavailable, with a reason and a fix, when the library was not built, cannot be loaded, the CPU lacks
// AVX2/FMA, or no BLAS kernel passes its check.
package ai.lethe.backend.cpu;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.ArgReduceOp;
import ai.lethe.backend.Availability;
import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.HostBackend;
import ai.lethe.backend.HostFusedOps;
import ai.lethe.backend.HostRounding;
import ai.lethe.backend.Pool2dGeometry;
import ai.lethe.backend.RandomKind;
import ai.lethe.backend.ReduceOp;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import java.util.List;
import java.util.Optional;

public final class CpuBackend extends HostBackend {
    private final ClassLoader loader;
    private final String resourceDir;

    /** The loaded kernels, set once by the first availability check that succeeds. */
    private volatile Kernels kernels;
    /** The BLAS and CPU features of the loaded library, set with kernels. */
    private volatile BlasInfo blas;
    private volatile CpuFeatures features;
    private volatile Availability availability;

    private record Kernels(CpuMath math, CpuLinalg linalg, CpuIndex index, CpuNn nn, CpuUnlearning unlearning,
                           CpuRawKernels raw, CpuTopK topK) {}

    public CpuBackend() { this(CpuBackend.class.getClassLoader(), CpuLibrary.DEFAULT_RESOURCE_DIR); }

    /** A backend loading its library from {@code resourceDir} of {@code loader} (tests point it elsewhere). */
    CpuBackend(ClassLoader loader, String resourceDir) {
        super(Device.CPU);
        this.loader = loader;
        this.resourceDir = resourceDir;
    }

    @Override public String name() { return "cpu"; }

    @Override public int priority() { return 200; }

    @Override public Device device() { return Device.CPU; }

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
        return switch (CpuLibrary.load(loader, resourceDir)) {
            case CpuLibrary.Loaded(NativeCpu lib, var path, CpuFeatures cpu, BlasInfo b) -> {
                CpuMath math = new CpuMath(lib, hostMemory());
                kernels = new Kernels(math, new CpuLinalg(lib, math), new CpuIndex(lib, math), new CpuNn(lib),
                        new CpuUnlearning(lib, math), new CpuRawKernels(lib), new CpuTopK(lib, math));
                blas = b;
                features = cpu;
                yield Availability.yes("native kernels (OpenMP, " + lib.ompThreads() + " threads) from " + path
                        + "; BLAS: " + b.library() + ", kernel " + b.kernel());
            }
            case CpuLibrary.Unavailable(String reason, String fix) -> Availability.no(reason, fix);
        };
    }

    /** The BLAS the GEMMs run on (library, version, kernel, threads); empty while the backend is unavailable. */
    public Optional<BlasInfo> blas() {
        availability();
        return Optional.ofNullable(blas);
    }

    /** The CPU's vector extensions as the library sees them; empty while the backend is unavailable. */
    public Optional<CpuFeatures> cpuFeatures() {
        availability();
        return Optional.ofNullable(features);
    }

    /** The kernels, or an IllegalStateException with the reason the backend is unavailable. */
    private Kernels kernels() {
        Kernels k = kernels;
        if (k != null) return k;
        Availability a = availability();
        if (!a.available()) throw new IllegalStateException("the cpu backend is not available: " + a.reason());
        return kernels;
    }

    private CpuMath math() { return kernels().math(); }

    /**
     * The unlearning, pruning and masked-optimizer kernels on raw native memory (see
     * ai.lethe.kernels.CpuKernels); an IllegalStateException with the reason when the backend is unavailable.
     */
    public CpuRawKernels rawKernels() { return kernels().raw(); }

    /**
     * The convolution kernel in force (ConvKernel: -Dlethe.conv.kernel / LETHE_CONV_KERNEL, default AUTO) and the
     * instruction set its direct kernels run with (GEMM when they never run).
     */
    public java.util.List<ConvKernel> convKernel() { return java.util.List.of(kernels().linalg().convKernel()); }

    /** Forces the convolution kernel for the whole process (tests); fails when the CPU lacks its instruction set. */
    void forceConvKernel(ConvKernel kernel) { kernels().linalg().forceConvKernel(kernel); }

    // ---- memory -------------------------------------------------------------------------------------------

    @Override public void copy(View src, View dst) {
        math().copy(src, dst);
    }

    @Override public void fill(View dst, double value) {
        math().fill(dst, value);
    }

    @Override public void random(RandomKind kind, View dst, long seed, long counter, double a, double b) {
        math().random(kind, dst, seed, counter, a, b);
    }

    // ---- math ---------------------------------------------------------------------------------------------

    @Override public void unary(UnaryOp op, View x, View out, double p0, double p1) {
        math().unary(op, x, out, p0, p1);
    }

    @Override public void binary(BinaryOp op, View a, View b, View out, double p0, double p1) {
        math().binary(op, a, b, out, p0, p1);
    }

    @Override public void where(View cond, View a, View b, View out) {
        math().where(cond, a, b, out);
    }

    @Override public void reduce(ReduceOp op, View x, View out, double p0) {
        math().reduce(op, x, out, p0);
    }

    @Override public void argReduce(ArgReduceOp op, View x, int axis, View out) {
        math().argReduce(op, x, axis, out);
    }

    @Override public void matmul(View a, View b, View out, double alpha, double beta) {
        try (HostRounding r = HostRounding.open(hostMemory())) {   // Precision: conv/GEMM inputs
            kernels().linalg().matmul(r.apply(a), r.apply(b), out, alpha, beta);
        }
    }

    // ---- indexing -----------------------------------------------------------------------------------------

    @Override public void indexSelect(View x, int axis, View index, View out) {
        kernels().index().indexSelect(x, axis, index, out);
    }

    @Override public void indexAdd(View src, int axis, View index, View out) {
        kernels().index().indexAdd(src, axis, index, out);
    }

    @Override public void gather(View x, int axis, View index, View out) {
        kernels().index().gather(x, axis, index, out);
    }

    @Override public void scatterAdd(View src, int axis, View index, View out) {
        kernels().index().scatterAdd(src, axis, index, out);
    }

    // ---- neural network -----------------------------------------------------------------------------------

    @Override public void conv2d(View x, View w, View bias, View out, Conv2dGeometry g) {
        try (HostRounding r = HostRounding.open(hostMemory())) {   // Precision: conv/GEMM inputs
            kernels().linalg().conv2d(r.apply(x), r.apply(w), bias, out, g);
        }
    }

    @Override public void conv2dBackwardInput(View dy, View w, View dx, Conv2dGeometry g) {
        try (HostRounding r = HostRounding.open(hostMemory())) {   // Precision: conv/GEMM inputs
            kernels().linalg().conv2dBackwardInput(r.apply(dy), r.apply(w), dx, g);
        }
    }

    @Override public void conv2dBackwardWeight(View dy, View x, View dw, Conv2dGeometry g) {
        try (HostRounding r = HostRounding.open(hostMemory())) {   // Precision: conv/GEMM inputs
            kernels().linalg().conv2dBackwardWeight(r.apply(dy), r.apply(x), dw, g);
        }
    }

    @Override public void batchNormTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                         View saveMean, View saveInvStd, double momentum, double eps) {
        kernels().nn().batchNormTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd, momentum, eps, false);
    }

    // The fused batch norm + ReLU and add + ReLU (issue 12): one native pass where the SPI's defaults take two or three
    // (the backward masks dy inside batch norm's two passes instead of writing a masked copy first).
    @Override public void batchNormReluTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                             View saveMean, View saveInvStd, double momentum, double eps) {
        kernels().nn().batchNormTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd, momentum, eps, true);
    }

    @Override public void batchNormReluEval(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                            double eps) {
        kernels().nn().batchNormEval(x, weight, bias, runningMean, runningVar, out, eps, true);
    }

    @Override public void batchNormReluBackward(View dy, View out, View x, View weight, View mean, View invStd, View dx,
                                                View dweight, View dbias, boolean batchStatistics) {
        kernels().nn().batchNormBackward(dy, out, x, weight, mean, invStd, dx, dweight, dbias, batchStatistics);
    }

    @Override public void addRelu(View a, View b, View out) {
        if (a.dtype() == DType.FLOAT32 && a.isContiguous() && b.isContiguous() && out.isContiguous())
            kernels().nn().addRelu(a, b, out);
        else
            super.addRelu(a, b, out);
    }

    @Override public void batchNormEval(View x, View weight, View bias, View runningMean, View runningVar, View out, double eps) {
        kernels().nn().batchNormEval(x, weight, bias, runningMean, runningVar, out, eps, false);
    }

    @Override public void batchNormBackward(View dy, View x, View weight, View mean, View invStd, View dx,
                                            View dweight, View dbias, boolean batchStatistics) {
        kernels().nn().batchNormBackward(dy, null, x, weight, mean, invStd, dx, dweight, dbias, batchStatistics);
    }

    @Override public void layerNorm(View x, View weight, View bias, View out, View saveMean, View saveInvStd, double eps) {
        kernels().nn().layerNorm(x, weight, bias, out, saveMean, saveInvStd, eps);
    }

    @Override public void layerNormBackward(View dy, View x, View weight, View saveMean, View saveInvStd, View dx,
                                            View dweight, View dbias) {
        kernels().nn().layerNormBackward(dy, x, weight, saveMean, saveInvStd, dx, dweight, dbias);
    }

    @Override public void softmax(View x, View out, boolean log) {
        kernels().nn().softmax(x, out, log);
    }

    @Override public void softmaxBackward(View y, View dy, View dx, boolean log) {
        kernels().nn().softmaxBackward(y, dy, dx, log);
    }

    @Override public void maxPool2d(View x, View out, View indices, Pool2dGeometry g) {
        kernels().nn().maxPool2d(x, out, indices, g);
    }

    @Override public void maxPool2dBackward(View dy, View indices, View dx, Pool2dGeometry g) {
        kernels().nn().maxPool2dBackward(dy, indices, dx, g);
    }

    @Override public void avgPool2d(View x, View out, Pool2dGeometry g) {
        kernels().nn().avgPool2d(x, out, g);
    }

    @Override public void avgPool2dBackward(View dy, View dx, Pool2dGeometry g) {
        kernels().nn().avgPool2dBackward(dy, dx, g);
    }

    @Override public void adaptiveAvgPool2d(View x, View out) {
        kernels().nn().adaptiveAvgPool2d(x, out);
    }

    @Override public void adaptiveAvgPool2dBackward(View dy, View dx) {
        kernels().nn().adaptiveAvgPool2dBackward(dy, dx);
    }

    // ---- optimizers ---------------------------------------------------------------------------------------

    @Override public void sgdStep(View param, View grad, View momentumBuffer, View mask, SgdParams p) {
        kernels().nn().sgdStep(param, grad, momentumBuffer, mask, p);
    }

    @Override public void adamStep(View param, View grad, View expAvg, View expAvgSq, View mask, AdamParams p) {
        kernels().nn().adamStep(param, grad, expAvg, expAvgSq, mask, p);
    }

    // ---- fused ops: cross-entropy in one pass per row (HostFusedOps, float32 here); the others are Backend's
    //      compositions of this backend's native kernels ----------------------------------------------------------

    @Override public void crossEntropy(View logits, View target, View losses, View logSumExp, View total,
                                       double labelSmoothing, double scale) {
        CpuViews.requireFloat32("crossEntropy", logits, losses, logSumExp, total);
        HostFusedOps.crossEntropy("cpu", logits, target, losses, logSumExp, total, labelSmoothing, scale);
    }

    @Override public void crossEntropyBackward(View logits, View target, View logSumExp, View gradOut, View dlogits,
                                               double labelSmoothing, double scale) {
        CpuViews.requireFloat32("crossEntropyBackward", logits, logSumExp, gradOut, dlogits);
        HostFusedOps.crossEntropyBackward("cpu", logits, target, logSumExp, gradOut, dlogits, labelSmoothing, scale);
    }

    // ---- unlearning and pruning ---------------------------------------------------------------------------

    @Override public void addSquared(View x, View acc, double scale) {
        kernels().unlearning().addSquared(x, acc, scale);
    }

    @Override public void perSampleSquaredGemm(View a, View b, View acc, double scale) {
        kernels().unlearning().perSampleSquaredGemm(a, b, acc, scale);
    }

    @Override public void perSampleSquaredConvWeight(View dy, View x, View acc, Conv2dGeometry g, double scale) {
        kernels().unlearning().perSampleSquaredConvWeight(dy, x, acc, g, scale);
    }

    @Override public void ssdDampen(View theta, View importanceD, View importanceF, double alpha, double lambda) {
        kernels().unlearning().ssdDampen(theta, importanceD, importanceF, alpha, lambda);
    }

    @Override public void addGaussianNoise(View theta, View std, long seed, long counter) {
        kernels().unlearning().addGaussianNoise(theta, std, seed, counter);
    }

    @Override public void scoreHistogram(View scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        kernels().unlearning().scoreHistogram(scores, shift, bits, matchShift, matchValue, counts);
    }

    @Override public long maskFromScores(View scores, View mask, float threshold, long tiesToKeep) {
        return kernels().unlearning().maskFromScores(scores, mask, threshold, tiesToKeep);
    }

    @Override public void scoreHistograms(List<View> scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        kernels().topK().scoreHistograms(scores, shift, bits, matchShift, matchValue, counts);
    }

    @Override public long masksFromScores(List<View> scores, List<View> masks, float threshold, long tiesToKeep) {
        return kernels().topK().masksFromScores(scores, masks, threshold, tiesToKeep);
    }
}
