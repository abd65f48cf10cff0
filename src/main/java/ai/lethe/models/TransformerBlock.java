// timm's pre-norm transformer Block (printed as "Block", as timm prints it): x + attn(norm1(x)), then
// x + mlp(norm2(x)). attn is MultiheadSelfAttention in timm's layout (fused qkv, attn_drop, proj, proj_drop).
// ls1/ls2 (LayerScale) and drop_path1/drop_path2 (stochastic depth) are the Identity placeholders timm has
// when init_values is None and drop_path is 0, so the module tree prints like timm's.
package ai.lethe.models;

import ai.lethe.nn.Identity;
import ai.lethe.nn.LayerNorm;
import ai.lethe.nn.Module;
import ai.lethe.nn.MultiheadSelfAttention;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

public final class TransformerBlock extends Module {
    public TransformerBlock(ViTConfig c, Generator gen) {
        long[] dim = {c.dim()};
        registerModule("norm1", new LayerNorm(dim, c.layerNormEps(), true));
        registerModule("attn", new MultiheadSelfAttention(c.dim(), c.heads(), c.qkvBias(), c.attentionDropout(), c.dropout(), gen));
        registerModule("ls1", new Identity());
        registerModule("drop_path1", new Identity());
        registerModule("norm2", new LayerNorm(dim, c.layerNormEps(), true));
        registerModule("mlp", new Mlp(c.dim(), c.mlpHiddenDim(), c.dropout(), gen));
        registerModule("ls2", new Identity());
        registerModule("drop_path2", new Identity());
    }

    @Override protected Tensor compute(Tensor x) {
        Tensor y = x.add(branch("norm1", "attn", "ls1", "drop_path1", x));
        return y.add(branch("norm2", "mlp", "ls2", "drop_path2", y));
    }

    private Tensor branch(String norm, String body, String scale, String dropPath, Tensor x) {
        return module(dropPath).forward(module(scale).forward(module(body).forward(module(norm).forward(x))));
    }

    @Override protected String reprName() { return "Block"; }
}
