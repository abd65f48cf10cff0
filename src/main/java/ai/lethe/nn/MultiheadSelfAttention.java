// Multi-head self-attention in timm's layout (timm.models.vision_transformer.Attention), so timm weights load
// unchanged: children qkv = Linear(dim, 3·dim, qkvBias), attn_drop, proj = Linear(dim, dim), proj_drop.
// x [B, T, dim] -> qkv -> [B, T, 3, H, d] -> [3, B, H, T, d] -> softmax(q kᵀ/√d) v -> [B, T, dim] -> proj.
// The attention itself is fused (FusedAttention: one backend op each way, flash-style on cuda, the weights never
// stored) unless the weights are needed: dropout on them in training, or a forward hook on attn_drop, which then
// sees them (the unfused matmul-softmax-matmul path).
package ai.lethe.nn;

import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

public class MultiheadSelfAttention extends Module {
    private final long dim;
    private final int numHeads;
    private final double attnDropP;

    public MultiheadSelfAttention(long dim, int numHeads) { this(dim, numHeads, false, 0, 0, Generator.global()); }

    public MultiheadSelfAttention(long dim, int numHeads, boolean qkvBias) { this(dim, numHeads, qkvBias, 0, 0, Generator.global()); }

    /** attnDrop: dropout on the attention weights; projDrop: dropout after the projection (timm's defaults: 0). */
    public MultiheadSelfAttention(long dim, int numHeads, boolean qkvBias, double attnDrop, double projDrop, Generator gen) {
        if (numHeads <= 0 || dim <= 0 || dim % numHeads != 0)
            throw new IllegalArgumentException("MultiheadSelfAttention: dim " + dim + " must be a positive multiple of the number of heads " + numHeads);
        this.dim = dim;
        this.numHeads = numHeads;
        this.attnDropP = attnDrop;
        registerModule("qkv", new Linear(dim, 3 * dim, qkvBias, gen));
        registerModule("attn_drop", new Dropout(attnDrop, gen));
        registerModule("proj", new Linear(dim, dim, true, gen));
        registerModule("proj_drop", new Dropout(projDrop, gen));
    }

    public long dim() { return dim; }

    public int numHeads() { return numHeads; }

    /**
     * Whether the forward takes the fused path (FusedAttention: one backend op each way, no [T, T] weights stored):
     * unless the attention weights are needed, by dropout on them in training or by a forward hook on attn_drop.
     */
    public boolean fusedAttention() {
        return !(isTraining() && attnDropP > 0) && !module("attn_drop").hasForwardHooks();
    }

    @Override protected Tensor compute(Tensor x) {
        if (x.rank() != 3 || x.shape().dim(2) != dim)
            throw new IllegalArgumentException("MultiheadSelfAttention: expected input [B, T, " + dim + "], got shape " + x.shape());
        long b = x.shape().dim(0), t = x.shape().dim(1), headDim = dim / numHeads;
        Tensor qkvOut = module("qkv").forward(x);
        Tensor merged;
        if (fusedAttention()) {
            merged = FusedAttention.selfAttention(qkvOut, numHeads);
        } else {
            // the weights exist: attn_drop (dropout, or the identity in eval mode) sees them, hooks included
            Tensor qkv = qkvOut.reshape(b, t, 3, numHeads, headDim).permute(2, 0, 3, 1, 4);
            Tensor q = qkv.select(0, 0), k = qkv.select(0, 1), v = qkv.select(0, 2);
            Tensor attn = F.softmax(q.mul(1.0 / Math.sqrt(headDim)).matmul(k.transpose(-2, -1)), -1);
            Tensor o = module("attn_drop").forward(attn).matmul(v);
            merged = o.transpose(1, 2).reshape(b, t, dim);
        }
        return module("proj_drop").forward(module("proj").forward(merged));
    }
}
