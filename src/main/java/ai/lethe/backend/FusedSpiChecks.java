// The argument contracts of the Backend SPI's fused ops (issue 15: cross-entropy, batch norm + ReLU, add + ReLU,
// multi-tensor optimizer steps, bias + GELU, a linear layer's GEMM with its bias epilogue), called by CheckedBackend
// before the implementation touches memory, as SpiChecks does for the other ops (kept apart so that each file stays
// one topic). Messages start with the op's name.
package ai.lethe.backend;

import static ai.lethe.backend.ViewChecks.elements;
import static ai.lethe.backend.ViewChecks.inBounds;
import static ai.lethe.backend.ViewChecks.rank;
import static ai.lethe.backend.ViewChecks.sameShape;

import ai.lethe.core.DType;
import java.util.Arrays;

public final class FusedSpiChecks {
    private FusedSpiChecks() {}

    /** logits [N, C] contiguous, target int64 [N], per-row vectors [N]; returns N. */
    private static long crossEntropyRows(String op, View logits, View target, View logSumExp) {
        inBounds(op, "logits", logits);
        rank(op, "logits", logits, 2);
        ViewChecks.contiguous(op, "logits", logits);
        long n = logits.dim(0);
        inBounds(op, "target", target);
        rank(op, "target", target, 1);
        elements(op, "target", target, n);
        ViewChecks.dtype(op, "target", target, DType.INT64);
        inBounds(op, "logSumExp", logSumExp);
        elements(op, "logSumExp", logSumExp, n);
        return n;
    }

    public static void crossEntropy(View logits, View target, View losses, View logSumExp, View total) {
        String op = "crossEntropy";
        long n = crossEntropyRows(op, logits, target, logSumExp);
        if (losses == null && total == null) throw new IllegalArgumentException(op + ": losses and total are both null");
        if (losses != null) {
            inBounds(op, "losses", losses);
            elements(op, "losses", losses, n);
        }
        if (total != null) {
            inBounds(op, "total", total);
            elements(op, "total", total, 1);
        }
    }

    public static void crossEntropyBackward(View logits, View target, View logSumExp, View gradOut, View dlogits) {
        String op = "crossEntropyBackward";
        long n = crossEntropyRows(op, logits, target, logSumExp);
        inBounds(op, "gradOut", gradOut);
        rank(op, "gradOut", gradOut, 1);
        elements(op, "gradOut", gradOut, n);
        inBounds(op, "dlogits", dlogits);
        sameShape(op, "dlogits", dlogits, "logits", logits);
        ViewChecks.contiguous(op, "dlogits", dlogits);
    }

    public static void batchNormReluTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                          View saveMean, View saveInvStd) {
        SpiChecks.batchNormTrain(x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd);
    }

    public static void batchNormReluEval(View x, View weight, View bias, View runningMean, View runningVar, View out) {
        SpiChecks.batchNormEval(x, weight, bias, runningMean, runningVar, out);
    }

    public static void batchNormReluBackward(View dy, View out, View x, View weight, View mean, View invStd, View dx,
                                             View dweight, View dbias) {
        String op = "batchNormReluBackward";
        SpiChecks.batchNormBackward(dy, x, weight, mean, invStd, dx, dweight, dbias);
        inBounds(op, "out", out);
        sameShape(op, "out", out, "x", x);
        ViewChecks.contiguous(op, "out", out);
    }

    public static void addRelu(View a, View b, View out) {
        String op = "addRelu";
        inBounds(op, "a", a);
        inBounds(op, "b", b);
        inBounds(op, "out", out);
        sameShape(op, "b", b, "a", a);
        sameShape(op, "out", out, "a", a);
    }

    /** The lists of a multi-tensor step: each of params' length (optional ones may be null), element i of params' shape. */
    private static void lists(String op, View[] params, String[] names, View[][] lists, boolean[] optional) {
        if (params == null) throw new IllegalArgumentException(op + ": params is null");
        for (int l = 0; l < lists.length; l++) {
            View[] list = lists[l];
            if (list == null) {
                if (optional[l]) continue;
                throw new IllegalArgumentException(op + ": " + names[l] + " is null");
            }
            if (list.length != params.length)
                throw new IllegalArgumentException(op + ": " + names[l] + " has " + list.length + " views for "
                        + params.length + " params");
        }
        for (int i = 0; i < params.length; i++) {
            if (params[i] == null) throw new IllegalArgumentException(op + ": params[" + i + "] is null");
            inBounds(op, "params[" + i + "]", params[i]);
            for (int l = 0; l < lists.length; l++) {
                if (lists[l] == null) continue;
                View v = lists[l][i];
                String name = names[l] + "[" + i + "]";
                if (v == null) {
                    if (optional[l]) continue;
                    throw new IllegalArgumentException(op + ": " + name + " is null");
                }
                inBounds(op, name, v);
                sameShape(op, name, v, "params[" + i + "]", params[i]);
            }
        }
    }

    public static void sgdStepMulti(View[] params, View[] grads, View[] momentumBuffers, View[] masks, SgdParams p) {
        String op = "sgdStepMulti";
        if (p == null) throw new IllegalArgumentException(op + ": params (the hyper-parameters) is null");
        boolean needBuffers = p.momentum() != 0;
        lists(op, params, new String[] {"grads", "momentumBuffers", "masks"}, new View[][] {grads, momentumBuffers, masks},
                new boolean[] {false, !needBuffers, true});
        if (needBuffers && momentumBuffers == null)
            throw new IllegalArgumentException(op + ": momentum " + p.momentum() + " needs momentum buffers");
        distinct(op, params);
    }

    public static void adamStepMulti(View[] params, View[] grads, View[] expAvgs, View[] expAvgSqs, View[] masks, AdamParams p) {
        String op = "adamStepMulti";
        if (p == null) throw new IllegalArgumentException(op + ": params (the hyper-parameters) is null");
        lists(op, params, new String[] {"grads", "expAvgs", "expAvgSqs", "masks"},
                new View[][] {grads, expAvgs, expAvgSqs, masks}, new boolean[] {false, false, false, true});
        distinct(op, params);
    }

    /** No parameter view appears twice (a multi-tensor step would update it twice, in an unspecified order). */
    private static void distinct(String op, View[] params) {
        for (int i = 0; i < params.length; i++)
            for (int j = 0; j < i; j++)
                if (params[i].storage() == params[j].storage() && params[i].offset() == params[j].offset()
                        && Arrays.equals(params[i].shape(), params[j].shape()))
                    throw new IllegalArgumentException(op + ": params[" + i + "] is params[" + j + "]");
    }

    public static void biasGelu(View y, View bias, View pre, View out, UnaryOp op) {
        String name = "biasGelu";
        inBounds(name, "y", y);
        rank(name, "y", y, 2);
        ViewChecks.contiguous(name, "y", y);
        inBounds(name, "bias", bias);
        rank(name, "bias", bias, 1);
        elements(name, "bias", bias, y.dim(1));
        for (View v : new View[] {pre, out}) {
            String which = v == pre ? "pre" : "out";
            inBounds(name, which, v);
            sameShape(name, which, v, "y", y);
            ViewChecks.contiguous(name, which, v);
        }
        if (op != UnaryOp.GELU_ERF && op != UnaryOp.GELU_TANH)
            throw new IllegalArgumentException(name + ": op must be GELU_ERF or GELU_TANH, got " + op);
    }
    /**
     * linearBias: x [M, K], w [N, K], bias [N], out [M, N] contiguous, one dtype; out shares no memory with x, w or
     * bias (the GEMM writes out while it reads them).
     */
    public static void linearBias(View x, View w, View bias, View out) {
        String op = "linearBias";
        String[] names = {"x", "w", "bias", "out"};
        View[] views = {x, w, bias, out};
        for (int i = 0; i < views.length; i++) {
            if (views[i] == null) throw new IllegalArgumentException(op + ": " + names[i] + " is null");
            inBounds(op, names[i], views[i]);
        }
        rank(op, "x", x, 2);
        rank(op, "w", w, 2);
        rank(op, "bias", bias, 1);
        rank(op, "out", out, 2);
        long m = x.dim(0), k = x.dim(1), n = w.dim(0);
        if (w.dim(1) != k)
            throw new IllegalArgumentException(op + ": x " + Arrays.toString(x.shape()) + " has " + k
                    + " input features but w " + Arrays.toString(w.shape()) + " has " + w.dim(1));
        ViewChecks.shape(op, "bias", bias, n);
        ViewChecks.shape(op, "out", out, m, n);
        ViewChecks.contiguous(op, "out", out);
        ViewChecks.dtype(op, "w", w, x.dtype());
        ViewChecks.dtype(op, "bias", bias, x.dtype());
        ViewChecks.dtype(op, "out", out, x.dtype());
        AttentionChecks.apart(op, "out", out, "x", x);
        AttentionChecks.apart(op, "out", out, "w", w);
        AttentionChecks.apart(op, "out", out, "bias", bias);
    }
}
