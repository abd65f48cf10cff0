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
import ai.lethe.backend.Philox;
import ai.lethe.backend.Pool2dGeometry;
import ai.lethe.backend.RandomKind;
import ai.lethe.backend.ReduceOp;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.SpiChecks;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Device;

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
        SpiChecks.copy(src, dst);
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
        SpiChecks.fill(dst);
        RefData d = new RefData(dst);
        for (long o : d.offsets()) d.set(o, value);
    }

    @Override public void random(RandomKind kind, View dst, long seed, long counter, double a, double b) {
        SpiChecks.random(kind, dst);
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
        SpiChecks.unary(op, x, out);
        RefMath.unary(op, x, out, p0, p1);
    }

    @Override public void binary(BinaryOp op, View a, View b, View out, double p0, double p1) {
        SpiChecks.binary(op, a, b, out);
        RefMath.binary(op, a, b, out, p0, p1);
    }

    @Override public void where(View cond, View a, View b, View out) {
        SpiChecks.where(cond, a, b, out);
        RefMath.where(cond, a, b, out);
    }

    @Override public void reduce(ReduceOp op, View x, View out, double p0) {
        SpiChecks.reduce(op, x, out);
        RefMath.reduce(op, x, out, p0);
    }

    @Override public void argReduce(ArgReduceOp op, View x, int axis, View out) {
        SpiChecks.argReduce(op, x, axis, out);
        RefMath.argReduce(op, x, axis, out);
    }

    @Override public void matmul(View a, View b, View out, double alpha, double beta) {
        SpiChecks.matmul(a, b, out);
        RefLinalg.matmul(a, b, out, alpha, beta);
    }

    // ---- indexing -----------------------------------------------------------------------------------------

    @Override public void indexSelect(View x, int axis, View index, View out) {
        SpiChecks.indexSelect(x, axis, index, out);
        RefIndex.indexSelect(x, axis, index, out);
    }

    @Override public void indexAdd(View src, int axis, View index, View out) {
        SpiChecks.indexAdd(src, axis, index, out);
        RefIndex.indexAdd(src, axis, index, out);
    }

    @Override public void gather(View x, int axis, View index, View out) {
        SpiChecks.gather(x, axis, index, out);
        RefIndex.gather(x, axis, index, out);
    }

    @Override public void scatterAdd(View src, int axis, View index, View out) {
        SpiChecks.scatterAdd(src, axis, index, out);
        RefIndex.scatterAdd(src, axis, index, out);
    }

    // ---- neural network -----------------------------------------------------------------------------------

    @Override public void conv2d(View x, View w, View bias, View out, Conv2dGeometry g) {
        SpiChecks.conv2d(x, w, bias, out, g);
        RefLinalg.conv2d(x, w, bias, out, g);
    }

    @Override public void conv2dBackwardInput(View dy, View w, View dx, Conv2dGeometry g) {
        SpiChecks.conv2dBackwardInput(dy, w, dx, g);
        RefLinalg.conv2dBackwardInput(dy, w, dx, g);
    }

    @Override public void conv2dBackwardWeight(View dy, View x, View dw, Conv2dGeometry g) {
        SpiChecks.conv2dBackwardWeight(dy, x, dw, g);
        RefLinalg.conv2dBackwardWeight(dy, x, dw, g);
    }

    @Override public void batchNormTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                         View saveMean, View saveInvStd, double momentum, double eps) {
        SpiChecks.batchNormTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd);
        RefNn.batchNormTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd, momentum, eps);
    }

    @Override public void batchNormEval(View x, View weight, View bias, View runningMean, View runningVar, View out, double eps) {
        SpiChecks.batchNormEval(x, weight, bias, runningMean, runningVar, out);
        RefNn.batchNormEval(x, weight, bias, runningMean, runningVar, out, eps);
    }

    @Override public void batchNormBackward(View dy, View x, View weight, View mean, View invStd, View dx,
                                            View dweight, View dbias, boolean batchStatistics) {
        SpiChecks.batchNormBackward(dy, x, weight, mean, invStd, dx, dweight, dbias);
        RefNn.batchNormBackward(dy, x, weight, mean, invStd, dx, dweight, dbias, batchStatistics);
    }

    @Override public void layerNorm(View x, View weight, View bias, View out, View saveMean, View saveInvStd, double eps) {
        SpiChecks.layerNorm(x, weight, bias, out, saveMean, saveInvStd);
        RefNn.layerNorm(x, weight, bias, out, saveMean, saveInvStd, eps);
    }

    @Override public void layerNormBackward(View dy, View x, View weight, View saveMean, View saveInvStd, View dx,
                                            View dweight, View dbias) {
        SpiChecks.layerNormBackward(dy, x, weight, saveMean, saveInvStd, dx, dweight, dbias);
        RefNn.layerNormBackward(dy, x, weight, saveMean, saveInvStd, dx, dweight, dbias);
    }

    @Override public void softmax(View x, View out, boolean log) {
        SpiChecks.softmax(x, out);
        RefNn.softmax(x, out, log);
    }

    @Override public void softmaxBackward(View y, View dy, View dx, boolean log) {
        SpiChecks.softmaxBackward(y, dy, dx);
        RefNn.softmaxBackward(y, dy, dx, log);
    }

    @Override public void maxPool2d(View x, View out, View indices, Pool2dGeometry g) {
        SpiChecks.maxPool2d(x, out, indices, g);
        RefNn.maxPool2d(x, out, indices, g);
    }

    @Override public void maxPool2dBackward(View dy, View indices, View dx, Pool2dGeometry g) {
        SpiChecks.maxPool2dBackward(dy, indices, dx, g);
        RefNn.maxPool2dBackward(dy, indices, dx, g);
    }

    @Override public void avgPool2d(View x, View out, Pool2dGeometry g) {
        SpiChecks.avgPool2d(x, out, g);
        RefNn.avgPool2d(x, out, g);
    }

    @Override public void avgPool2dBackward(View dy, View dx, Pool2dGeometry g) {
        SpiChecks.avgPool2dBackward(dy, dx, g);
        RefNn.avgPool2dBackward(dy, dx, g);
    }

    @Override public void adaptiveAvgPool2d(View x, View out) {
        SpiChecks.adaptiveAvgPool2d(x, out);
        RefNn.adaptiveAvgPool2d(x, out);
    }

    @Override public void adaptiveAvgPool2dBackward(View dy, View dx) {
        SpiChecks.adaptiveAvgPool2dBackward(dy, dx);
        RefNn.adaptiveAvgPool2dBackward(dy, dx);
    }

    // ---- optimizers ---------------------------------------------------------------------------------------

    @Override public void sgdStep(View param, View grad, View momentumBuffer, View mask, SgdParams p) {
        SpiChecks.sgdStep(param, grad, momentumBuffer, mask, p);
        RefOptim.sgd(param, grad, momentumBuffer, mask, p);
    }

    @Override public void adamStep(View param, View grad, View expAvg, View expAvgSq, View mask, AdamParams p) {
        SpiChecks.adamStep(param, grad, expAvg, expAvgSq, mask, p);
        RefOptim.adam(param, grad, expAvg, expAvgSq, mask, p);
    }

    // ---- unlearning and pruning ---------------------------------------------------------------------------

    @Override public void addSquared(View x, View acc, double scale) {
        SpiChecks.addSquared(x, acc);
        RefUnlearning.addSquared(x, acc, scale);
    }

    @Override public void perSampleSquaredGemm(View a, View b, View acc, double scale) {
        SpiChecks.perSampleSquaredGemm(a, b, acc);
        RefUnlearning.perSampleSquaredGemm(a, b, acc, scale);
    }

    @Override public void perSampleSquaredConvWeight(View dy, View x, View acc, Conv2dGeometry g, double scale) {
        SpiChecks.perSampleSquaredConvWeight(dy, x, acc, g);
        RefUnlearning.perSampleSquaredConvWeight(dy, x, acc, g, scale);
    }

    @Override public void ssdDampen(View theta, View importanceD, View importanceF, double alpha, double lambda) {
        SpiChecks.ssdDampen(theta, importanceD, importanceF);
        RefUnlearning.ssdDampen(theta, importanceD, importanceF, alpha, lambda);
    }

    @Override public void addGaussianNoise(View theta, View std, long seed, long counter) {
        SpiChecks.addGaussianNoise(theta, std);
        RefUnlearning.addGaussianNoise(theta, std, seed, counter);
    }

    @Override public void scoreHistogram(View scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        SpiChecks.scoreHistogram(scores, counts);
        RefUnlearning.scoreHistogram(scores, shift, bits, matchShift, matchValue, counts);
    }

    @Override public long maskFromScores(View scores, View mask, float threshold, long tiesToKeep) {
        SpiChecks.maskFromScores(scores, mask);
        return RefUnlearning.maskFromScores(scores, mask, threshold, tiesToKeep);
    }
}
