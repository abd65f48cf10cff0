// Fused self-attention over a qkv projection (issue 15; the ViT's MultiheadSelfAttention): from qkv [B, T, 3·dim]
// (timm's layout: per token q, k, v, each H heads of d = dim / H) straight to the merged heads [B, T, dim], as ONE
// backend op each way (Backend.attention / attentionBackward; on cuda cuda-kernels/attention.cu, flash-style: the
// [B, H, T, T] scores are never stored). The op reads q, k and v as strided views into qkv and writes the output
// through a [B, H, T, d] view of the merged tensor, so neither the permute of q, k, v nor the transpose of the
// output costs a copy; the gradient lands in one dqkv [B, T, 3·dim] through the same views. Saved for the backward:
// qkv, the output and the per-row log-sum-exp [B, H, T] (not the probabilities, which the backward recomputes).
package ai.lethe.nn;

import ai.lethe.backend.View;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Node;
import ai.lethe.tensor.Tensor;

public final class FusedAttention {
    private FusedAttention() {}

    /** A [B, H, T, d] view of the part-th third (0 q, 1 k, 2 v) of a contiguous qkv [B, T, 3·dim] (or of dqkv). */
    static View head(View qkv, long b, long t, long heads, long d, int part) {
        long dim = heads * d;
        return new View(qkv.storage(), qkv.dtype(), qkv.offset() + part * dim, new long[] {b, heads, t, d},
                new long[] {t * 3 * dim, d, 3 * dim, 1});
    }

    /** A [B, H, T, d] view of a contiguous merged [B, T, H·d]. */
    static View merged(View m, long b, long t, long heads, long d) {
        return new View(m.storage(), m.dtype(), m.offset(), new long[] {b, heads, t, d}, new long[] {t * heads * d, d, heads * d, 1});
    }

    /**
     * softmax(q kᵀ / √d) v per head, merged back to [B, T, dim], for qkv [B, T, 3·dim] with {@code heads} heads: the
     * same values as splitting qkv, F.scaledDotProductAttention and merging, in one op each way.
     */
    public static Tensor selfAttention(Tensor qkv, int heads) {
        if (qkv.rank() != 3 || heads <= 0 || qkv.shape().dim(2) % (3L * heads) != 0)
            throw new IllegalArgumentException("selfAttention: expected qkv [B, T, 3·dim] with dim a multiple of the " + heads
                    + " heads, got shape " + qkv.shape());
        long b = qkv.shape().dim(0), t = qkv.shape().dim(1), dim = qkv.shape().dim(2) / 3, d = dim / heads;
        double scale = 1.0 / Math.sqrt(d);
        Tensor x = qkv.contiguous();
        Tensor out = Tensor.empty(Shape.of(b, t, dim), qkv.dtype(), qkv.device());
        Tensor lse = Tensor.empty(Shape.of(b, heads, t), qkv.dtype(), qkv.device());
        View xv = x.kernelView();
        qkv.backend().attention(head(xv, b, t, heads, d, 0), head(xv, b, t, heads, d, 1), head(xv, b, t, heads, d, 2),
                merged(out.kernelView(), b, t, heads, d), lse.kernelView(), scale);
        return Node.record(out, "selfAttention", new Tensor[] {qkv}, new Tensor[] {x, out, lse}, (g, needs) -> {
            if (!needs[0]) return new Tensor[] {null};
            Tensor gc = g.contiguous();
            Tensor dqkv = Tensor.empty(x.shape(), x.dtype(), x.device());
            View dv = dqkv.kernelView();
            qkv.backend().attentionBackward(head(xv, b, t, heads, d, 0), head(xv, b, t, heads, d, 1),
                    head(xv, b, t, heads, d, 2), merged(out.kernelView(), b, t, heads, d),
                    merged(gc.kernelView(), b, t, heads, d), lse.kernelView(), head(dv, b, t, heads, d, 0),
                    head(dv, b, t, heads, d, 1), head(dv, b, t, heads, d, 2), scale);
            return new Tensor[] {dqkv};
        });
    }
}
