// The argument contracts of the Backend SPI's fused attention (Backend.attention / attentionBackward), called by
// CheckedBackend before the implementation touches memory: rank-4 views [B, H, T, d] of one dtype, every view inside
// its storage, logSumExp [B, H, T] contiguous, a finite positive scale, and no output sharing memory with an input
// (a fused kernel reads its inputs after it has begun writing). Messages start with the op's name.
package ai.lethe.backend;

import static ai.lethe.backend.ViewChecks.contiguous;
import static ai.lethe.backend.ViewChecks.elements;
import static ai.lethe.backend.ViewChecks.extent;
import static ai.lethe.backend.ViewChecks.inBounds;
import static ai.lethe.backend.ViewChecks.rank;
import static ai.lethe.backend.ViewChecks.shape;

public final class AttentionChecks {
    private AttentionChecks() {}

    /** q, k [B, H, T, d], v [B, H, T, dv], all in bounds and of q's dtype; returns {B, H, T, d, dv}. */
    private static long[] inputs(String op, View q, View k, View v, double scale) {
        inBounds(op, "q", q);
        inBounds(op, "k", k);
        inBounds(op, "v", v);
        rank(op, "q", q, 4);
        rank(op, "k", k, 4);
        rank(op, "v", v, 4);
        long b = q.dim(0), h = q.dim(1), t = q.dim(2), d = q.dim(3), dv = v.dim(3);
        shape(op, "k", k, b, h, t, d);
        shape(op, "v", v, b, h, t, dv);
        sameDType(op, q, "k", k);
        sameDType(op, q, "v", v);
        if (!(scale > 0) || Double.isInfinite(scale))
            throw new IllegalArgumentException(op + ": scale must be positive and finite, got " + scale);
        return new long[] {b, h, t, d, dv};
    }

    private static void sameDType(String op, View q, String name, View v) {
        if (v.dtype() != q.dtype())
            throw new IllegalArgumentException(op + ": " + name + " is " + v.dtype() + " but q is " + q.dtype());
    }

    private static void logSumExp(String op, View lse, long[] s) {
        inBounds(op, "logSumExp", lse);
        contiguous(op, "logSumExp", lse);
        elements(op, "logSumExp", lse, s[0] * s[1] * s[2]);
    }

    /** The output shares no memory with the input (conservatively: their element ranges in one storage are apart). */
    static void apart(String op, String outName, View out, String inName, View in) {
        if (out.storage() != in.storage()) return;
        long[] a = extent(op, outName, out), b = extent(op, inName, in);
        if (a == null || b == null) return;
        if (a[0] <= b[1] && b[0] <= a[1])
            throw new IllegalArgumentException(op + ": " + outName + " " + out + " overlaps " + inName + " " + in);
    }

    public static void attention(View q, View k, View v, View out, View logSumExp, double scale) {
        String op = "attention";
        long[] s = inputs(op, q, k, v, scale);
        inBounds(op, "out", out);
        shape(op, "out", out, s[0], s[1], s[2], s[4]);
        sameDType(op, q, "out", out);
        logSumExp(op, logSumExp, s);
        sameDType(op, q, "logSumExp", logSumExp);
        String[] names = {"q", "k", "v"};
        View[] ins = {q, k, v};
        for (int i = 0; i < ins.length; i++) {
            apart(op, "out", out, names[i], ins[i]);
            apart(op, "logSumExp", logSumExp, names[i], ins[i]);
        }
        apart(op, "logSumExp", logSumExp, "out", out);
    }

    public static void attentionBackward(View q, View k, View v, View out, View dOut, View logSumExp, View dq, View dk,
                                         View dv, double scale) {
        String op = "attentionBackward";
        long[] s = inputs(op, q, k, v, scale);
        View[] ins = {q, k, v, out, dOut, logSumExp};
        String[] inNames = {"q", "k", "v", "out", "dOut", "logSumExp"};
        for (int i = 3; i < ins.length; i++) {
            inBounds(op, inNames[i], ins[i]);
            sameDType(op, q, inNames[i], ins[i]);
        }
        shape(op, "out", out, s[0], s[1], s[2], s[4]);
        shape(op, "dOut", dOut, s[0], s[1], s[2], s[4]);
        logSumExp(op, logSumExp, s);
        View[] outs = {dq, dk, dv};
        String[] outNames = {"dq", "dk", "dv"};
        for (int o = 0; o < outs.length; o++) {
            inBounds(op, outNames[o], outs[o]);
            sameDType(op, q, outNames[o], outs[o]);
            for (int i = 0; i < ins.length; i++) apart(op, outNames[o], outs[o], inNames[i], ins[i]);
        }
        shape(op, "dq", dq, s[0], s[1], s[2], s[3]);
        shape(op, "dk", dk, s[0], s[1], s[2], s[3]);
        shape(op, "dv", dv, s[0], s[1], s[2], s[4]);
    }
}
