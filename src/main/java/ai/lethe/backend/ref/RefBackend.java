// The reference backend: pure Java, double-precision arithmetic, no native code. Slow and obviously correct;
// every other backend is tested against it, and it is always available. It alone supports float64 (for
// finite-difference gradient checks).
package ai.lethe.backend.ref;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.ArgReduceOp;
import ai.lethe.backend.Availability;
import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.HostBackend;
import ai.lethe.backend.HostFusedOps;
import ai.lethe.backend.HostRounding;
import ai.lethe.backend.Philox;
import ai.lethe.backend.Pool2dGeometry;
import ai.lethe.backend.RandomKind;
import ai.lethe.backend.ReduceOp;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import java.util.List;

public final class RefBackend extends HostBackend {
    public RefBackend() { super(Device.REF); }

    @Override public String name() { return "ref"; }

    @Override public int priority() { return 100; }

    @Override public Availability availability() { return Availability.yes("pure Java reference kernels (slow)"); }

    @Override public Device device() { return Device.REF; }

    static void requireFloat(String op, View v) {
        if (!v.dtype().isFloatingPoint())
            throw new IllegalArgumentException(op + ": not supported for " + v.dtype() + " on ref");
    }

    // ---- memory -------------------------------------------------------------------------------------------

    @Override public void copy(View src, View dst) {
        RefData s = new RefData(src), d = new RefData(dst);
        long[] so = s.offsets(), dO = d.offsets();
        boolean integral = src.dtype() == DType.INT64 || dst.dtype() == DType.INT64;
        if (integral) {
            long[] v = new long[so.length];
            for (int i = 0; i < so.length; i++) v[i] = s.getLong(so[i]);
            for (int i = 0; i < so.length; i++) d.setLong(dO[i], v[i]);
        } else {
            double[] v = new double[so.length];
            for (int i = 0; i < so.length; i++) v[i] = s.get(so[i]);
            for (int i = 0; i < so.length; i++) d.set(dO[i], v[i]);
        }
    }

    @Override public void fill(View dst, double value) {
        RefData d = new RefData(dst);
        for (long o : d.offsets()) d.set(o, value);
    }

    @Override public void random(RandomKind kind, View dst, long seed, long counter, double a, double b) {
        requireFloat("random", dst);
        RefData d = new RefData(dst);
        long n = dst.numel();
        int[] w = new int[4];
        long cachedBlock = -1;
        for (long i = 0; i < n; i++) {
            long block = counter + (kind == RandomKind.NORMAL ? i / 2 : i / 4);
            if (block != cachedBlock) {
                Philox.block(seed, block, w);
                cachedBlock = block;
            }
            double v = switch (kind) {
                case UNIFORM -> a + (b - a) * Philox.uniform(w[(int) (i % 4)]);
                case BERNOULLI -> Philox.uniform(w[(int) (i % 4)]) < a ? 1 : 0;
                case NORMAL -> {
                    int lane = (int) (i % 2) * 2;
                    yield a + b * Philox.normal(w[lane], w[lane + 1]);
                }
            };
            d.set(dst.offset() + i, v);
        }
    }

    // ---- math ---------------------------------------------------------------------------------------------

    @Override public void unary(UnaryOp op, View x, View out, double p0, double p1) {
        RefMath.unary(op, x, out, p0, p1);
    }

    @Override public void binary(BinaryOp op, View a, View b, View out, double p0, double p1) {
        RefMath.binary(op, a, b, out, p0, p1);
    }

    @Override public void where(View cond, View a, View b, View out) {
        RefMath.where(cond, a, b, out);
    }

    @Override public void reduce(ReduceOp op, View x, View out, double p0) {
        RefMath.reduce(op, x, out, p0);
    }

    @Override public void argReduce(ArgReduceOp op, View x, int axis, View out) {
        RefMath.argReduce(op, x, axis, out);
    }

    @Override public void matmul(View a, View b, View out, double alpha, double beta) {
        try (HostRounding r = HostRounding.open(hostMemory())) {   // Precision: conv/GEMM inputs
            RefLinalg.matmul(r.apply(a), r.apply(b), out, alpha, beta);
        }
    }

    // ---- indexing -----------------------------------------------------------------------------------------

    @Override public void indexSelect(View x, int axis, View index, View out) {
        RefIndex.indexSelect(x, axis, index, out);
    }

    @Override public void indexAdd(View src, int axis, View index, View out) {
        RefIndex.indexAdd(src, axis, index, out);
    }

    @Override public void gather(View x, int axis, View index, View out) {
        RefIndex.gather(x, axis, index, out);
    }

    @Override public void scatterAdd(View src, int axis, View index, View out) {
        RefIndex.scatterAdd(src, axis, index, out);
    }

    // ---- neural network -----------------------------------------------------------------------------------

    @Override public void conv2d(View x, View w, View bias, View out, Conv2dGeometry g) {
        try (HostRounding r = HostRounding.open(hostMemory())) {   // Precision: conv/GEMM inputs
            RefLinalg.conv2d(r.apply(x), r.apply(w), bias, out, g);
        }
    }

    @Override public void conv2dBackwardInput(View dy, View w, View dx, Conv2dGeometry g) {
        try (HostRounding r = HostRounding.open(hostMemory())) {   // Precision: conv/GEMM inputs
            RefLinalg.conv2dBackwardInput(r.apply(dy), r.apply(w), dx, g);
        }
    }

    @Override public void conv2dBackwardWeight(View dy, View x, View dw, Conv2dGeometry g) {
        try (HostRounding r = HostRounding.open(hostMemory())) {   // Precision: conv/GEMM inputs
            RefLinalg.conv2dBackwardWeight(r.apply(dy), r.apply(x), dw, g);
        }
    }

    @Override public void batchNormTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                         View saveMean, View saveInvStd, double momentum, double eps) {
        RefNn.batchNormTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd, momentum, eps);
    }

    @Override public void batchNormEval(View x, View weight, View bias, View runningMean, View runningVar, View out, double eps) {
        RefNn.batchNormEval(x, weight, bias, runningMean, runningVar, out, eps);
    }

    @Override public void batchNormBackward(View dy, View x, View weight, View mean, View invStd, View dx,
                                            View dweight, View dbias, boolean batchStatistics) {
        RefNn.batchNormBackward(dy, x, weight, mean, invStd, dx, dweight, dbias, batchStatistics);
    }

    @Override public void layerNorm(View x, View weight, View bias, View out, View saveMean, View saveInvStd, double eps) {
        RefNn.layerNorm(x, weight, bias, out, saveMean, saveInvStd, eps);
    }

    @Override public void layerNormBackward(View dy, View x, View weight, View saveMean, View saveInvStd, View dx,
                                            View dweight, View dbias) {
        RefNn.layerNormBackward(dy, x, weight, saveMean, saveInvStd, dx, dweight, dbias);
    }

    @Override public void softmax(View x, View out, boolean log) {
        RefNn.softmax(x, out, log);
    }

    @Override public void softmaxBackward(View y, View dy, View dx, boolean log) {
        RefNn.softmaxBackward(y, dy, dx, log);
    }

    @Override public void maxPool2d(View x, View out, View indices, Pool2dGeometry g) {
        RefNn.maxPool2d(x, out, indices, g);
    }

    @Override public void maxPool2dBackward(View dy, View indices, View dx, Pool2dGeometry g) {
        RefNn.maxPool2dBackward(dy, indices, dx, g);
    }

    @Override public void avgPool2d(View x, View out, Pool2dGeometry g) {
        RefNn.avgPool2d(x, out, g);
    }

    @Override public void avgPool2dBackward(View dy, View dx, Pool2dGeometry g) {
        RefNn.avgPool2dBackward(dy, dx, g);
    }

    @Override public void adaptiveAvgPool2d(View x, View out) {
        RefNn.adaptiveAvgPool2d(x, out);
    }

    @Override public void adaptiveAvgPool2dBackward(View dy, View dx) {
        RefNn.adaptiveAvgPool2dBackward(dy, dx);
    }

    // ---- optimizers ---------------------------------------------------------------------------------------

    @Override public void sgdStep(View param, View grad, View momentumBuffer, View mask, SgdParams p) {
        RefOptim.sgd(param, grad, momentumBuffer, mask, p);
    }

    @Override public void adamStep(View param, View grad, View expAvg, View expAvgSq, View mask, AdamParams p) {
        RefOptim.adam(param, grad, expAvg, expAvgSq, mask, p);
    }

    // ---- fused ops: cross-entropy in one pass per row (HostFusedOps); the others are Backend's compositions --------

    @Override public void crossEntropy(View logits, View target, View losses, View logSumExp, View total,
                                       double labelSmoothing, double scale) {
        HostFusedOps.crossEntropy("ref", logits, target, losses, logSumExp, total, labelSmoothing, scale);
    }

    @Override public void crossEntropyBackward(View logits, View target, View logSumExp, View gradOut, View dlogits,
                                               double labelSmoothing, double scale) {
        HostFusedOps.crossEntropyBackward("ref", logits, target, logSumExp, gradOut, dlogits, labelSmoothing, scale);
    }

    // ---- unlearning and pruning ---------------------------------------------------------------------------

    @Override public void addSquared(View x, View acc, double scale) {
        RefUnlearning.addSquared(x, acc, scale);
    }

    @Override public void perSampleSquaredGemm(View a, View b, View acc, double scale) {
        RefUnlearning.perSampleSquaredGemm(a, b, acc, scale);
    }

    @Override public void perSampleSquaredConvWeight(View dy, View x, View acc, Conv2dGeometry g, double scale) {
        RefUnlearning.perSampleSquaredConvWeight(dy, x, acc, g, scale);
    }

    @Override public void ssdDampen(View theta, View importanceD, View importanceF, double alpha, double lambda) {
        RefUnlearning.ssdDampen(theta, importanceD, importanceF, alpha, lambda);
    }

    @Override public void addGaussianNoise(View theta, View std, long seed, long counter) {
        RefUnlearning.addGaussianNoise(theta, std, seed, counter);
    }

    @Override public void scoreHistogram(View scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        RefUnlearning.scoreHistogram(scores, shift, bits, matchShift, matchValue, counts);
    }

    @Override public long maskFromScores(View scores, View mask, float threshold, long tiesToKeep) {
        return RefUnlearning.maskFromScores(scores, mask, threshold, tiesToKeep);
    }

    @Override public void scoreHistograms(List<View> scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        RefTopK.scoreHistograms(scores, shift, bits, matchShift, matchValue, counts);
    }

    @Override public long masksFromScores(List<View> scores, List<View> masks, float threshold, long tiesToKeep) {
        return RefTopK.masksFromScores(scores, masks, threshold, tiesToKeep);
    }
}
