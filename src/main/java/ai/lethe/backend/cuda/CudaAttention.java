// The CUDA backend's fused attention (Backend.attention / attentionBackward; kernels: cuda-kernels/attention.cu):
// one flash-style forward launch and two backward launches (dq with the row sums delta, then dk and dv), never the
// [T, T] scores. Takes float32 views [B, H, T, d] with a contiguous last dimension and any other strides (the
// MultiheadSelfAttention's views into its qkv projection), head dims up to 64 (kernels for d <= 32 and d <= 64);
// anything else (float64, a strided last dimension, d > 64) runs the Backend's composed default on this device.
// Launch shape: grid (B·H, ceil(T / rows)), `rows` threads a block, one query (forward, dq) or key (dkdv) row each:
// rows = ceil(T / ceil(T / 64)) rounded up to 16 (T = 65: two tiles of 48 rather than 64 + 1).
package ai.lethe.backend.cuda;

import ai.lethe.backend.Backend;
import ai.lethe.backend.ComposedAttention;
import ai.lethe.backend.View;
import ai.lethe.core.DType;

final class CudaAttention {
    /** Most rows (threads) a block: ATT_MAX_ROWS in attention.cu. */
    static final int MAX_ROWS = 64;
    /** Largest head dimension the kernels take (their DMAX variants: 32 and 64). */
    static final long MAX_HEAD_DIM = 64;

    private final CudaContext context;

    CudaAttention(CudaContext context) { this.context = context; }

    /** Whether the fused kernels take these views (else the composed default runs). */
    static boolean fusable(View q, View... others) {
        if (q.dtype() != DType.FLOAT32 || q.dim(3) > MAX_HEAD_DIM) return false;
        if (q.dim(0) * q.dim(1) > Integer.MAX_VALUE || q.dim(2) > 65535L * 16) return false;   // grid x and y
        if (q.dim(3) > 1 && q.stride(3) != 1) return false;
        for (View v : others) {
            if (v.dtype() != DType.FLOAT32 || v.rank() == 4 && v.dim(3) > MAX_HEAD_DIM) return false;
            if (v.rank() == 4 && v.dim(3) > 1 && v.stride(3) != 1) return false;
        }
        return true;
    }

    /** Threads a block: at most 64, at least 16 (the dkdv kernel loads a 16-row query tile with them). */
    static int rows(long t) {
        long tiles = (t + MAX_ROWS - 1) / MAX_ROWS;
        long rows = (t + tiles - 1) / tiles;
        return (int) Math.max(16, Math.min(MAX_ROWS, (rows + 15) / 16 * 16));
    }

    private static String variant(View q, View v) { return Math.max(q.dim(3), v.dim(3)) <= 32 ? "d32" : "d64"; }

    /** The AttnGeometry struct: strides (batch, head, token) of q, k, v, o, dO, dq, dk, dv, then heads, t, d, dv. */
    private static long[] geometry(View q, View v, View... tensors) {
        long[] g = new long[28];
        for (int i = 0; i < tensors.length; i++) {
            View x = tensors[i];
            if (x == null) continue;
            g[3 * i] = x.stride(0);
            g[3 * i + 1] = x.stride(1);
            g[3 * i + 2] = x.stride(2);
        }
        g[24] = q.dim(1);
        g[25] = q.dim(2);
        g[26] = q.dim(3);
        g[27] = v.dim(3);
        return g;
    }

    private void launch(String kernel, View q, int rows, KernelArgs args) {
        long bh = q.dim(0) * q.dim(1), t = q.dim(2);
        context.launch(kernel, Dim3.of((int) bh, (int) ((t + rows - 1) / rows)), Dim3.of(rows), 0, args);
    }

    void attention(Backend self, View q, View k, View v, View out, View logSumExp, double scale) {
        if (q.dim(0) * q.dim(1) * q.dim(2) == 0) return;
        if (!fusable(q, k, v, out, logSumExp)) {
            ComposedAttention.forward(self, q, k, v, out, logSumExp, scale);
            return;
        }
        String op = "attention";
        KernelArgs args = new KernelArgs().pointer(context.elementPointer(op, q)).pointer(context.elementPointer(op, k))
                .pointer(context.elementPointer(op, v)).pointer(context.elementPointer(op, out))
                .pointer(context.elementPointer(op, logSumExp)).words64(geometry(q, v, q, k, v, out)).f32((float) scale);
        launch("attention_forward_" + variant(q, v) + "_f32", q, rows(q.dim(2)), args);
    }

    void attentionBackward(Backend self, View q, View k, View v, View out, View dOut, View logSumExp, View dq, View dk, View dv,
                  double scale) {
        if (q.dim(0) * q.dim(1) * q.dim(2) == 0) return;
        if (!fusable(q, k, v, out, dOut, logSumExp, dq, dk, dv)) {
            ComposedAttention.backward(self, q, k, v, out, dOut, logSumExp, dq, dk, dv, scale);
            return;
        }
        String op = "attentionBackward";
        long[] g = geometry(q, v, q, k, v, out, dOut, dq, dk, dv);
        int rows = rows(q.dim(2));
        String kind = variant(q, v);
        try (CudaTemps temps = context.temps()) {
            View delta = temps.allocate(DType.FLOAT32, new long[] {q.dim(0) * q.dim(1) * q.dim(2)});
            long pq = context.elementPointer(op, q), pk = context.elementPointer(op, k), pv = context.elementPointer(op, v);
            long pdo = context.elementPointer(op, dOut), plse = context.elementPointer(op, logSumExp);
            long pdelta = context.elementPointer(op, delta);
            launch("attention_backward_dq_" + kind + "_f32", q, rows, new KernelArgs().pointer(pq).pointer(pk).pointer(pv)
                    .pointer(context.elementPointer(op, out)).pointer(pdo).pointer(plse).pointer(pdelta)
                    .pointer(context.elementPointer(op, dq)).words64(g).f32((float) scale));
            launch("attention_backward_dkdv_" + kind + "_f32", q, rows, new KernelArgs().pointer(pq).pointer(pk).pointer(pv)
                    .pointer(pdo).pointer(plse).pointer(pdelta).pointer(context.elementPointer(op, dk))
                    .pointer(context.elementPointer(op, dv)).words64(g).f32((float) scale));
        }
    }
}
