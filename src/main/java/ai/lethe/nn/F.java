// The functional API (torch.nn.functional): stateless layers, activations and losses on tensors. Layers in
// this package are thin modules over these functions. Losses follow PyTorch's definitions and reductions.
package ai.lethe.nn;

import ai.lethe.backend.Precision;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Convolution;
import ai.lethe.tensor.Dropout;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Node;
import ai.lethe.tensor.Normalization;
import ai.lethe.tensor.Pooling;
import ai.lethe.tensor.Softmax;
import ai.lethe.tensor.Tensor;

public final class F {
    private F() {}

    /** How a loss combines per-sample values. */
    public enum Reduction { NONE, MEAN, SUM }

    // ---- layers -----------------------------------------------------------------------------------------

    /**
     * x [..., in] @ weight[out, in]ᵀ + bias [out]. With a 1-D bias of the weight's dtype and device, the forward is
     * one backend op, the GEMM with the bias in its epilogue (Backend.linearBias: on cuda the bias is added as the GEMM
     * writes its output, no broadcast-add kernel); its gradients are those of the unfused matmul-then-add, by the same
     * calls in the same precision: dx = dy · weight and dweight = (xᵀ · dy)ᵀ by GEMMs, dbias = the sum of dy over every
     * dimension but the last. Any other bias (broadcast from another shape) takes matmul then add.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (weight.rank() != 2)
            throw new IllegalArgumentException("linear: weight must be 2-D [out, in], got shape " + weight.shape());
        if (x.rank() == 0 || x.shape().dim(-1) != weight.shape().dim(1))
            throw new IllegalArgumentException("linear: input of shape " + x.shape() + " does not end with the "
                    + weight.shape().dim(1) + " input features of weight " + weight.shape());
        if (bias != null && epilogueFits(x, weight, bias)) return linearBias(x, weight, bias);
        Tensor y = x.matmul(weight.t());
        return bias == null ? y : y.add(bias);
    }

    /** Whether linear's bias can go in the GEMM's epilogue: [out], float, one dtype and one device for all three. */
    private static boolean epilogueFits(Tensor x, Tensor weight, Tensor bias) {
        return bias.rank() == 1 && bias.shape().dim(0) == weight.shape().dim(0) && x.dtype().isFloatingPoint()
                && weight.dtype() == x.dtype() && bias.dtype() == x.dtype() && weight.device().equals(x.device())
                && bias.device().equals(x.device());
    }

    /** linear through Backend.linearBias; the backward as matmul's and add's (see linear). */
    private static Tensor linearBias(Tensor x, Tensor weight, Tensor bias) {
        long k = weight.shape().dim(1), n = weight.shape().dim(0);
        // the rows of the product, as matmul folds them: [k] -> [1, k], [..., k] -> [rows, k]
        Tensor x2 = x.rank() == 2 ? x : x.rank() == 1 ? x.unsqueeze(0) : x.reshape(-1, k);
        long m = x2.shape().dim(0);
        long[] outDims = x.shape().dims();
        outDims[outDims.length - 1] = n;
        Tensor out = Tensor.empty(Shape.of(outDims), x.dtype(), x.device());
        x.backend().linearBias(x2.kernelView(), weight.kernelView(), bias.kernelView(), out.kernelView().reshaped(m, n));
        if (!Node.wouldRecord(x, weight, bias)) return out;
        Precision precision = Precision.current();   // the backward products run at the forward's precision, as matmul's
        Shape xShape = x.shape();
        int rank = outDims.length;
        return Node.record(out, "linear", new Tensor[] {x, weight, bias}, new Tensor[] {x2, weight}, (g, needs) -> {
            Tensor dx = null, dw = null, db = null;
            if (needs[0] || needs[1]) {
                Tensor g2 = g.reshape(m, n);
                try (Precision.Scope ignored = Precision.autocast(precision)) {
                    if (needs[0]) dx = g2.matmul(weight).reshape(xShape.dims());
                    if (needs[1]) dw = x2.transpose(-1, -2).matmul(g2).t();
                }
            }
            if (needs[2]) {   // add's gradient of a broadcast [n]: dy summed over the leading dimensions
                int[] lead = new int[rank - 1];
                for (int i = 0; i < lead.length; i++) lead[i] = i;
                db = rank == 1 ? g : g.sum(lead, false);
            }
            return new Tensor[] {dx, dw, db};
        });
    }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return Convolution.conv2d(x, weight, bias, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {1, 1});
    }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation) {
        return Convolution.conv2d(x, weight, bias, stride, padding, dilation);
    }

    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        return Normalization.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    public static Tensor layerNorm(Tensor x, long[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return Normalization.layerNorm(x, normalizedShape, weight, bias, eps);
    }

    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        return Pooling.maxPool2d(x, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding}, false);
    }

    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
        return Pooling.maxPool2d(x, kernel, stride, padding, ceilMode);
    }

    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        return Pooling.avgPool2d(x, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding}, false, true);
    }

    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return Pooling.avgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad);
    }

    public static Tensor adaptiveAvgPool2d(Tensor x, long outH, long outW) { return Pooling.adaptiveAvgPool2d(x, outH, outW); }

    public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) { return Dropout.dropout(x, p, training, gen); }

    /** Multi-head attention core: softmax(q kᵀ / √d) v over q, k, v [..., T, d]. */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v) {
        if (q.rank() < 2 || !q.shape().equals(k.shape()) || k.shape().dim(-2) != v.shape().dim(-2))
            throw new IllegalArgumentException("scaledDotProductAttention: q, k must have the same shape [..., T, d] and v "
                    + "[..., T, dv]; got " + q.shape() + ", " + k.shape() + ", " + v.shape());
        double scale = 1.0 / Math.sqrt(q.shape().dim(-1));
        Tensor scores = q.mul(scale).matmul(k.transpose(-2, -1));
        return softmax(scores, -1).matmul(v);
    }

    // ---- activations ------------------------------------------------------------------------------------

    public static Tensor relu(Tensor x) { return x.relu(); }

    public static Tensor gelu(Tensor x) { return x.gelu(); }

    public static Tensor gelu(Tensor x, boolean tanhApproximation) { return x.gelu(tanhApproximation); }

    public static Tensor sigmoid(Tensor x) { return x.sigmoid(); }

    public static Tensor tanh(Tensor x) { return x.tanh(); }

    public static Tensor softmax(Tensor x, int axis) { return Softmax.softmax(x, axis); }

    public static Tensor logSoftmax(Tensor x, int axis) { return Softmax.logSoftmax(x, axis); }

    // ---- losses -----------------------------------------------------------------------------------------

    /** Cross-entropy of logits [N, C] against int64 class indices [N] (mean over samples). */
    public static Tensor crossEntropy(Tensor logits, Tensor target) { return crossEntropy(logits, target, Reduction.MEAN, 0); }

    /**
     * Cross-entropy of logits [N, C] against int64 class indices [N] or class probabilities [N, C], with
     * label smoothing ε: loss = (1 − ε)·CE(target) + ε·CE(uniform), as torch.nn.functional.cross_entropy.
     * Class indices take the fused path (FusedLoss: one backend op forward, one backward); probabilities are
     * composed of log-softmax and elementwise ops.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Reduction reduction, double labelSmoothing) {
        if (logits.rank() != 2)
            throw new IllegalArgumentException("crossEntropy: logits must be 2-D [N, C], got shape " + logits.shape());
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1], got " + labelSmoothing);
        long c = logits.shape().dim(1);
        if (target.dtype() == DType.INT64) {   // the fused path: one backend op each way
            checkClassTargets("crossEntropy", logits, target);
            return FusedLoss.crossEntropy(logits, target, reduction, labelSmoothing);
        }
        Tensor logp = logSoftmax(logits, 1);
        Tensor perSample;
        {
            if (!target.shape().equals(logits.shape()))
                throw new IllegalArgumentException("crossEntropy: probability targets must have the logits' shape "
                        + logits.shape() + ", got " + target.shape());
            Tensor t = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / c) : target;
            perSample = t.mul(logp).sum(1).neg();
        }
        return reduce(perSample, reduction);
    }

    /** Negative log-likelihood of log-probabilities [N, C] at int64 targets [N]. */
    public static Tensor nllLoss(Tensor logProbs, Tensor target, Reduction reduction) {
        if (logProbs.rank() != 2)
            throw new IllegalArgumentException("nllLoss: input must be 2-D [N, C], got shape " + logProbs.shape());
        return reduce(nllPerSample("nllLoss", logProbs, target), reduction);
    }

    private static Tensor nllPerSample(String op, Tensor logp, Tensor target) {
        checkClassTargets(op, logp, target);
        return logp.gather(1, target.unsqueeze(1)).squeeze(1).neg();
    }

    /** int64 class targets [N] for an input [N, C] on the same device. */
    private static void checkClassTargets(String op, Tensor input, Tensor target) {
        if (target.dtype() != DType.INT64)
            throw new IllegalArgumentException(op + ": class targets must be int64, got " + target.dtype());
        if (target.rank() != 1 || target.shape().dim(0) != input.shape().dim(0))
            throw new IllegalArgumentException(op + ": target must have shape [" + input.shape().dim(0) + "] for input "
                    + input.shape() + ", got " + target.shape());
        if (!target.device().equals(input.device()))
            throw new IllegalArgumentException(op + ": target is on " + target.device() + ", the input on " + input.device());
    }

    /** How kl_div reduces: BATCHMEAN divides the sum by the batch size (the mathematically correct KL). */
    public enum KlReduction { NONE, BATCHMEAN, SUM, MEAN }

    /**
     * KL divergence as torch.nn.functional.kl_div: {@code input} holds log-probabilities, {@code target}
     * probabilities (or log-probabilities when {@code logTarget}); pointwise target·(log target − input), 0 where
     * target is 0.
     */
    public static Tensor klDiv(Tensor input, Tensor target, KlReduction reduction, boolean logTarget) {
        if (!input.shape().equals(target.shape()))
            throw new IllegalArgumentException("klDiv: input " + input.shape() + " and target " + target.shape() + " differ in shape");
        Tensor pointwise;
        if (logTarget) {
            pointwise = target.exp().mul(target.sub(input));
        } else {
            Tensor positive = target.gt(0.0);
            Tensor safeLog = Tensor.where(positive, target, Tensor.onesLike(target)).log();
            pointwise = target.mul(safeLog.sub(input));
        }
        return switch (reduction) {
            case NONE -> pointwise;
            case SUM -> pointwise.sum();
            case MEAN -> pointwise.mean();
            case BATCHMEAN -> pointwise.sum().div(input.rank() == 0 ? 1 : input.shape().dim(0));
        };
    }

    /** Mean squared error. */
    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        if (!input.shape().equals(target.shape()))
            throw new IllegalArgumentException("mseLoss: input " + input.shape() + " and target " + target.shape() + " differ in shape");
        return reduce(input.sub(target).square(), reduction);
    }

    private static Tensor reduce(Tensor perSample, Reduction reduction) {
        return switch (reduction) {
            case NONE -> perSample;
            case MEAN -> perSample.mean();
            case SUM -> perSample.sum();
        };
    }
}
