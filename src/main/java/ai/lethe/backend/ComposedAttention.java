// The default (unfused) attention of the Backend SPI (Backend.attention / attentionBackward), composed of the
// backend's own ops: the scores [B, H, T, T] = scale · q kᵀ by matmul, the row maximum and sum by reduce, exp and the
// division elementwise, then P v by matmul; lse = log Σ + max. The backward recomputes P from q, k and lse and takes
// dv = Pᵀ dO, dP = dO vᵀ, dS = P ⊙ (dP − Σ_c dO ⊙ O), dq = scale · dS k, dk = scale · dSᵀ q. The ref and cpu
// backends run this (a plain, correct implementation, the oracle the fused CUDA kernels are tested against); a GPU
// backend falls back to it for shapes its kernels do not take. Temporaries come from the backend's allocate and are
// released before returning; strided outputs are written through a contiguous temporary and copy.
package ai.lethe.backend;

import ai.lethe.core.Shape;
import java.util.ArrayList;
import java.util.List;

public final class ComposedAttention {
    private ComposedAttention() {}

    /** Temporaries of one call, released together. */
    private static final class Temps implements AutoCloseable {
        private final Backend backend;
        private final List<Storage> storages = new ArrayList<>();

        Temps(Backend backend) { this.backend = backend; }

        View contiguous(View like, long... shape) {
            Storage s = backend.allocate(Math.max(1, Shape.of(shape).numel()) * like.dtype().byteSize());
            storages.add(s);
            return View.contiguous(s, like.dtype(), Shape.of(shape));
        }

        /** v itself when contiguous (a matmul may write it), else a contiguous temporary of its shape. */
        View target(View v) { return v.isContiguous() ? v : contiguous(v, v.shape().clone()); }

        @Override public void close() { for (Storage s : storages) s.release(); }
    }

    /** [B, H, T, d] -> the transposed view [B, H, d, T]. */
    private static View transposed(View v) {
        long[] sh = v.shape(), st = v.strides();
        return new View(v.storage(), v.dtype(), v.offset(), new long[] {sh[0], sh[1], sh[3], sh[2]},
                new long[] {st[0], st[1], st[3], st[2]});
    }

    /** A [B, H, T, 1] view broadcast along the last dimension to width n (stride 0). */
    private static View broadcastRows(View rows, long n) {
        long[] sh = rows.shape().clone(), st = rows.strides().clone();
        sh[3] = n;
        st[3] = 0;
        return new View(rows.storage(), rows.dtype(), rows.offset(), sh, st);
    }

    /** logSumExp [B, H, T] (contiguous) as [B, H, T, 1]. */
    private static View asRows(View lse, long b, long h, long t) { return lse.reshaped(b, h, t, 1); }

    /** P = exp(S − lse) into s (the scores scale · q kᵀ computed into s first). */
    private static void probabilities(Backend be, View q, View k, View lseRows, View s, double scale) {
        be.matmul(q, transposed(k), s, scale, 0);
        be.binary(BinaryOp.SUB, s, broadcastRows(lseRows, s.dim(3)), s, 1, 0);
        be.unary(UnaryOp.EXP, s, s, 0, 0);
    }

    /** Backend.attention's contract, composed of be's ops. */
    public static void forward(Backend be, View q, View k, View v, View out, View logSumExp, double scale) {
        long b = q.dim(0), h = q.dim(1), t = q.dim(2), dv = v.dim(3);
        if (b * h * t == 0) return;
        try (Temps tmp = new Temps(be)) {
            View s = tmp.contiguous(q, b, h, t, t);
            be.matmul(q, transposed(k), s, scale, 0);
            View max = tmp.contiguous(q, b, h, t, 1), sum = tmp.contiguous(q, b, h, t, 1);
            be.reduce(ReduceOp.MAX, s, max, 0);
            be.binary(BinaryOp.SUB, s, broadcastRows(max, t), s, 1, 0);
            be.unary(UnaryOp.EXP, s, s, 0, 0);
            be.reduce(ReduceOp.SUM, s, sum, 0);
            be.binary(BinaryOp.DIV, s, broadcastRows(sum, t), s, 1, 0);
            View o = tmp.target(out);
            if (dv > 0) be.matmul(s, v, o, 1, 0);
            else be.fill(o, 0);
            if (o != out) be.copy(o, out);
            be.unary(UnaryOp.LOG, sum, sum, 0, 0);
            be.binary(BinaryOp.ADD, sum, max, asRows(logSumExp, b, h, t), 1, 0);
        }
    }

    /** Backend.attentionBackward's contract, composed of be's ops. */
    public static void backward(Backend be, View q, View k, View v, View out, View dOut, View logSumExp, View dq, View dk, View dv,
                         double scale) {
        long b = q.dim(0), h = q.dim(1), t = q.dim(2), d = q.dim(3), dvn = v.dim(3);
        if (b * h * t == 0) return;
        try (Temps tmp = new Temps(be)) {
            View p = tmp.contiguous(q, b, h, t, t);
            probabilities(be, q, k, asRows(logSumExp, b, h, t), p, scale);
            View dvt = tmp.target(dv);
            if (dvn > 0) {
                be.matmul(transposed(p), dOut, dvt, 1, 0);
                if (dvt != dv) be.copy(dvt, dv);
            }
            // dS = P ⊙ (dO vᵀ − rowsum(dO ⊙ O)), into dp
            View dp = tmp.contiguous(q, b, h, t, t);
            View delta = tmp.contiguous(q, b, h, t, 1);
            if (dvn > 0) {
                be.matmul(dOut, transposed(v), dp, 1, 0);
                View prod = tmp.contiguous(q, b, h, t, dvn);
                be.binary(BinaryOp.MUL, dOut, out, prod, 1, 0);
                be.reduce(ReduceOp.SUM, prod, delta, 0);
            } else {
                be.fill(dp, 0);
                be.fill(delta, 0);
            }
            be.binary(BinaryOp.SUB, dp, broadcastRows(delta, t), dp, 1, 0);
            be.binary(BinaryOp.MUL, dp, p, dp, 1, 0);
            if (d == 0) return;
            View dqt = tmp.target(dq);
            be.matmul(dp, k, dqt, scale, 0);
            if (dqt != dq) be.copy(dqt, dq);
            View dkt = tmp.target(dk);
            be.matmul(transposed(dp), q, dkt, scale, 0);
            if (dkt != dk) be.copy(dkt, dk);
        }
    }
}
