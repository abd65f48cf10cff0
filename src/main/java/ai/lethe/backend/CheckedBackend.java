// The one checking layer of the Backend SPI: Backends hands out every backend wrapped in a CheckedBackend, which runs
// the op's SpiChecks contract (each view inside its storage, sizes without overflow, shapes as Backend documents
// them) and only then calls the backend. Backend implementations therefore never repeat these checks; they keep only
// what is theirs to check (dtype support, data-dependent conditions such as index values). Code that constructs a
// backend directly (parity tests, CpuKernels' fallback) gets the unchecked implementation and must pass valid views.
// Everything that is not a kernel (identity, availability, memory statistics, allocation) is passed straight through.
package ai.lethe.backend;

import ai.lethe.core.Device;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

public final class CheckedBackend implements Backend {
    private final Backend backend;

    CheckedBackend(Backend backend) {
        if (backend instanceof CheckedBackend) throw new IllegalArgumentException("backend " + backend.name() + " is already checked");
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    /** The implementation this layer checks for (CpuBackend, RefBackend, CudaBackend, ...). */
    public Backend implementation() { return backend; }

    @Override public String toString() { return backend.toString(); }

    // ---- identity and memory: passed through ------------------------------------------------------------------

    @Override public String name() { return backend.name(); }

    @Override public int priority() { return backend.priority(); }

    @Override public Availability availability() { return backend.availability(); }

    @Override public Device device() { return backend.device(); }

    @Override public Storage allocate(long bytes) { return backend.allocate(bytes); }

    @Override public MemoryStats memoryStats() { return backend.memoryStats(); }

    @Override public void resetPeakBytes() { backend.resetPeakBytes(); }

    // ---- kernels: checked, then called ------------------------------------------------------------------------

    @Override public void write(MemorySegment src, View dst) {
        SpiChecks.write(src, dst);
        backend.write(src, dst);
    }

    @Override public void read(View src, MemorySegment dst) {
        SpiChecks.read(src, dst);
        backend.read(src, dst);
    }

    @Override public void copy(View src, View dst) {
        SpiChecks.copy(src, dst);
        backend.copy(src, dst);
    }

    @Override public void fill(View dst, double value) {
        SpiChecks.fill(dst);
        backend.fill(dst, value);
    }

    @Override public void random(RandomKind kind, View dst, long seed, long counter, double a, double b) {
        SpiChecks.random(kind, dst);
        backend.random(kind, dst, seed, counter, a, b);
    }

    @Override public void unary(UnaryOp op, View x, View out, double p0, double p1) {
        SpiChecks.unary(op, x, out);
        backend.unary(op, x, out, p0, p1);
    }

    @Override public void binary(BinaryOp op, View a, View b, View out, double p0, double p1) {
        SpiChecks.binary(op, a, b, out);
        backend.binary(op, a, b, out, p0, p1);
    }

    @Override public void where(View cond, View a, View b, View out) {
        SpiChecks.where(cond, a, b, out);
        backend.where(cond, a, b, out);
    }

    @Override public void reduce(ReduceOp op, View x, View out, double p0) {
        SpiChecks.reduce(op, x, out);
        backend.reduce(op, x, out, p0);
    }

    @Override public void argReduce(ArgReduceOp op, View x, int axis, View out) {
        SpiChecks.argReduce(op, x, axis, out);
        backend.argReduce(op, x, axis, out);
    }

    @Override public void matmul(View a, View b, View out, double alpha, double beta) {
        SpiChecks.matmul(a, b, out);
        backend.matmul(a, b, out, alpha, beta);
    }

    @Override public void indexSelect(View x, int axis, View index, View out) {
        SpiChecks.indexSelect(x, axis, index, out);
        backend.indexSelect(x, axis, index, out);
    }

    @Override public void indexAdd(View src, int axis, View index, View out) {
        SpiChecks.indexAdd(src, axis, index, out);
        backend.indexAdd(src, axis, index, out);
    }

    @Override public void gather(View x, int axis, View index, View out) {
        SpiChecks.gather(x, axis, index, out);
        backend.gather(x, axis, index, out);
    }

    @Override public void scatterAdd(View src, int axis, View index, View out) {
        SpiChecks.scatterAdd(src, axis, index, out);
        backend.scatterAdd(src, axis, index, out);
    }

    @Override public void conv2d(View x, View w, View bias, View out, Conv2dGeometry g) {
        SpiChecks.conv2d(x, w, bias, out, g);
        backend.conv2d(x, w, bias, out, g);
    }

    @Override public void conv2dBackwardInput(View dy, View w, View dx, Conv2dGeometry g) {
        SpiChecks.conv2dBackwardInput(dy, w, dx, g);
        backend.conv2dBackwardInput(dy, w, dx, g);
    }

    @Override public void conv2dBackwardWeight(View dy, View x, View dw, Conv2dGeometry g) {
        SpiChecks.conv2dBackwardWeight(dy, x, dw, g);
        backend.conv2dBackwardWeight(dy, x, dw, g);
    }

    @Override public void batchNormTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                         View saveMean, View saveInvStd, double momentum, double eps) {
        SpiChecks.batchNormTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd);
        backend.batchNormTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd, momentum, eps);
    }

    @Override public void batchNormEval(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                        double eps) {
        SpiChecks.batchNormEval(x, weight, bias, runningMean, runningVar, out);
        backend.batchNormEval(x, weight, bias, runningMean, runningVar, out, eps);
    }

    @Override public void batchNormBackward(View dy, View x, View weight, View mean, View invStd, View dx, View dweight,
                                            View dbias, boolean batchStatistics) {
        SpiChecks.batchNormBackward(dy, x, weight, mean, invStd, dx, dweight, dbias);
        backend.batchNormBackward(dy, x, weight, mean, invStd, dx, dweight, dbias, batchStatistics);
    }

    @Override public void layerNorm(View x, View weight, View bias, View out, View saveMean, View saveInvStd, double eps) {
        SpiChecks.layerNorm(x, weight, bias, out, saveMean, saveInvStd);
        backend.layerNorm(x, weight, bias, out, saveMean, saveInvStd, eps);
    }

    @Override public void layerNormBackward(View dy, View x, View weight, View saveMean, View saveInvStd, View dx,
                                            View dweight, View dbias) {
        SpiChecks.layerNormBackward(dy, x, weight, saveMean, saveInvStd, dx, dweight, dbias);
        backend.layerNormBackward(dy, x, weight, saveMean, saveInvStd, dx, dweight, dbias);
    }

    @Override public void softmax(View x, View out, boolean log) {
        SpiChecks.softmax(x, out);
        backend.softmax(x, out, log);
    }

    @Override public void softmaxBackward(View y, View dy, View dx, boolean log) {
        SpiChecks.softmaxBackward(y, dy, dx);
        backend.softmaxBackward(y, dy, dx, log);
    }

    @Override public void maxPool2d(View x, View out, View indices, Pool2dGeometry g) {
        SpiChecks.maxPool2d(x, out, indices, g);
        backend.maxPool2d(x, out, indices, g);
    }

    @Override public void maxPool2dBackward(View dy, View indices, View dx, Pool2dGeometry g) {
        SpiChecks.maxPool2dBackward(dy, indices, dx, g);
        backend.maxPool2dBackward(dy, indices, dx, g);
    }

    @Override public void avgPool2d(View x, View out, Pool2dGeometry g) {
        SpiChecks.avgPool2d(x, out, g);
        backend.avgPool2d(x, out, g);
    }

    @Override public void avgPool2dBackward(View dy, View dx, Pool2dGeometry g) {
        SpiChecks.avgPool2dBackward(dy, dx, g);
        backend.avgPool2dBackward(dy, dx, g);
    }

    @Override public void adaptiveAvgPool2d(View x, View out) {
        SpiChecks.adaptiveAvgPool2d(x, out);
        backend.adaptiveAvgPool2d(x, out);
    }

    @Override public void adaptiveAvgPool2dBackward(View dy, View dx) {
        SpiChecks.adaptiveAvgPool2dBackward(dy, dx);
        backend.adaptiveAvgPool2dBackward(dy, dx);
    }

    @Override public void sgdStep(View param, View grad, View momentumBuffer, View mask, SgdParams p) {
        SpiChecks.sgdStep(param, grad, momentumBuffer, mask, p);
        backend.sgdStep(param, grad, momentumBuffer, mask, p);
    }

    @Override public void adamStep(View param, View grad, View expAvg, View expAvgSq, View mask, AdamParams p) {
        SpiChecks.adamStep(param, grad, expAvg, expAvgSq, mask, p);
        backend.adamStep(param, grad, expAvg, expAvgSq, mask, p);
    }

    @Override public void addSquared(View x, View acc, double scale) {
        SpiChecks.addSquared(x, acc);
        backend.addSquared(x, acc, scale);
    }

    @Override public void perSampleSquaredGemm(View a, View b, View acc, double scale) {
        SpiChecks.perSampleSquaredGemm(a, b, acc);
        backend.perSampleSquaredGemm(a, b, acc, scale);
    }

    @Override public void perSampleSquaredConvWeight(View dy, View x, View acc, Conv2dGeometry g, double scale) {
        SpiChecks.perSampleSquaredConvWeight(dy, x, acc, g);
        backend.perSampleSquaredConvWeight(dy, x, acc, g, scale);
    }

    @Override public void ssdDampen(View theta, View importanceD, View importanceF, double alpha, double lambda) {
        SpiChecks.ssdDampen(theta, importanceD, importanceF);
        backend.ssdDampen(theta, importanceD, importanceF, alpha, lambda);
    }

    @Override public void addGaussianNoise(View theta, View std, long seed, long counter) {
        SpiChecks.addGaussianNoise(theta, std);
        backend.addGaussianNoise(theta, std, seed, counter);
    }

    @Override public void scoreHistogram(View scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        SpiChecks.scoreHistogram(scores, counts);
        backend.scoreHistogram(scores, shift, bits, matchShift, matchValue, counts);
    }

    @Override public long maskFromScores(View scores, View mask, float threshold, long tiesToKeep) {
        SpiChecks.maskFromScores(scores, mask);
        return backend.maskFromScores(scores, mask, threshold, tiesToKeep);
    }

    // ---- fused ops (contracts in FusedSpiChecks) ---------------------------------------------------------------

    @Override public void crossEntropy(View logits, View target, View losses, View logSumExp, View total,
                                       double labelSmoothing, double scale) {
        FusedSpiChecks.crossEntropy(logits, target, losses, logSumExp, total);
        backend.crossEntropy(logits, target, losses, logSumExp, total, labelSmoothing, scale);
    }

    @Override public void crossEntropyBackward(View logits, View target, View logSumExp, View gradOut, View dlogits,
                                               double labelSmoothing, double scale) {
        FusedSpiChecks.crossEntropyBackward(logits, target, logSumExp, gradOut, dlogits);
        backend.crossEntropyBackward(logits, target, logSumExp, gradOut, dlogits, labelSmoothing, scale);
    }

    @Override public void batchNormReluTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                             View saveMean, View saveInvStd, double momentum, double eps) {
        FusedSpiChecks.batchNormReluTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd);
        backend.batchNormReluTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd, momentum, eps);
    }

    @Override public void batchNormReluEval(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                            double eps) {
        FusedSpiChecks.batchNormReluEval(x, weight, bias, runningMean, runningVar, out);
        backend.batchNormReluEval(x, weight, bias, runningMean, runningVar, out, eps);
    }

    @Override public void batchNormReluBackward(View dy, View out, View x, View weight, View mean, View invStd, View dx,
                                                View dweight, View dbias, boolean batchStatistics) {
        FusedSpiChecks.batchNormReluBackward(dy, out, x, weight, mean, invStd, dx, dweight, dbias);
        backend.batchNormReluBackward(dy, out, x, weight, mean, invStd, dx, dweight, dbias, batchStatistics);
    }

    @Override public void addRelu(View a, View b, View out) {
        FusedSpiChecks.addRelu(a, b, out);
        backend.addRelu(a, b, out);
    }

    @Override public void sgdStepMulti(View[] params, View[] grads, View[] momentumBuffers, View[] masks, SgdParams p) {
        FusedSpiChecks.sgdStepMulti(params, grads, momentumBuffers, masks, p);
        backend.sgdStepMulti(params, grads, momentumBuffers, masks, p);
    }

    @Override public void adamStepMulti(View[] params, View[] grads, View[] expAvgs, View[] expAvgSqs, View[] masks,
                                        AdamParams p) {
        FusedSpiChecks.adamStepMulti(params, grads, expAvgs, expAvgSqs, masks, p);
        backend.adamStepMulti(params, grads, expAvgs, expAvgSqs, masks, p);
    }

    @Override public void biasGelu(View y, View bias, View pre, View out, UnaryOp op) {
        FusedSpiChecks.biasGelu(y, bias, pre, out, op);
        backend.biasGelu(y, bias, pre, out, op);
    }

    @Override public void linearBias(View x, View w, View bias, View out) {
        FusedSpiChecks.linearBias(x, w, bias, out);
        backend.linearBias(x, w, bias, out);
    }

    @Override public void scoreHistograms(List<View> scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        SpiChecks.scoreHistograms(scores, counts);
        backend.scoreHistograms(List.copyOf(scores), shift, bits, matchShift, matchValue, counts);
    }

    @Override public long masksFromScores(List<View> scores, List<View> masks, float threshold, long tiesToKeep) {
        SpiChecks.masksFromScores(scores, masks);
        return backend.masksFromScores(List.copyOf(scores), List.copyOf(masks), threshold, tiesToKeep);
    }

    @Override public void attention(View q, View k, View v, View out, View logSumExp, double scale) {
        AttentionChecks.attention(q, k, v, out, logSumExp, scale);
        backend.attention(q, k, v, out, logSumExp, scale);
    }

    @Override public void attentionBackward(View q, View k, View v, View out, View dOut, View logSumExp, View dq, View dk,
                                            View dv, double scale) {
        AttentionChecks.attentionBackward(q, k, v, out, dOut, logSumExp, dq, dk, dv, scale);
        backend.attentionBackward(q, k, v, out, dOut, logSumExp, dq, dk, dv, scale);
    }
}
