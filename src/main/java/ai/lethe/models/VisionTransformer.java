// Vision Transformer in the layout and names of timm's VisionTransformer (timm 0.6.12, global_pool='token'), so
// timm state dicts load with no renaming: patch_embed (proj conv), cls_token [1, 1, dim], pos_embed
// [1, 1 + numPatches, dim], pos_drop, norm_pre (Identity), blocks.i (TransformerBlock), norm (final LayerNorm),
// fc_norm (Identity), head (Linear on the CLS token; Identity when numClasses = 0). Forward: patches ->
// cat(cls.expand(B, -1, -1), patches) + pos_embed -> pos_drop -> blocks -> norm -> x[:, 0] -> head.
// Initialised as timm's default ('' scheme): trunc_normal_(std .02, bounds ±2) for pos_embed, normal_(std 1e-6)
// for cls_token, then init_weights_vit_timm on every module (children first, as named_apply): each Linear
// weight trunc_normal_(std .02, bounds ±2) with zero bias; LayerNorm keeps weight 1 and bias 0; the patch_embed
// conv keeps PyTorch's default init (kaiming_uniform(a = √5) and U(±1/√fan_in) bias; only timm's 'jax' scheme
// re-initialises it). All draws come from the given Generator, which the dropouts also use.
package ai.lethe.models;

import ai.lethe.core.Shape;
import ai.lethe.nn.Dropout;
import ai.lethe.nn.Identity;
import ai.lethe.nn.Init;
import ai.lethe.nn.LayerNorm;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Module;
import ai.lethe.nn.Sequential;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class VisionTransformer extends ImageModel {
    private final ViTConfig config;

    public VisionTransformer(ViTConfig config) { this(config, Generator.global()); }

    public VisionTransformer(ViTConfig config, Generator gen) {
        if (config == null) throw new IllegalArgumentException("VisionTransformer: config must not be null");
        if (gen == null) throw new IllegalArgumentException("VisionTransformer: generator must not be null");
        this.config = config;
        int dim = config.dim();
        registerModule("patch_embed", new PatchEmbed(config.imageSize(), config.patchSize(), config.inChannels(), dim, gen));
        registerParameter("cls_token", Tensor.zeros(Shape.of(1, 1, dim)));
        registerParameter("pos_embed", Tensor.zeros(Shape.of(1, 1 + config.numPatches(), dim)));
        registerModule("pos_drop", new Dropout(config.dropout(), gen));
        registerModule("norm_pre", new Identity());
        Sequential blocks = new Sequential();
        for (int i = 0; i < config.depth(); i++) blocks.append(new TransformerBlock(config, gen));
        registerModule("blocks", blocks);
        registerModule("norm", new LayerNorm(new long[] {dim}, config.layerNormEps(), true));
        registerModule("fc_norm", new Identity());
        registerModule("head", config.numClasses() > 0 ? new Linear(dim, config.numClasses(), true, gen) : new Identity());
        initWeights(gen);
    }

    /** timm's init_weights(''): position embedding, CLS token, then init_weights_vit_timm over the tree. */
    private void initWeights(Generator gen) {
        Init.truncNormal(parameter("pos_embed"), 0, 0.02, -2, 2, gen);
        Init.normal(parameter("cls_token"), 0, 1e-6, gen);
        for (Module m : depthFirst(this, new ArrayList<>()))
            if (m instanceof Linear linear) {
                Init.truncNormal(linear.parameter("weight"), 0, 0.02, -2, 2, gen);
                if (linear.parameter("bias") != null) Init.zeros(linear.parameter("bias"));
            }
    }

    /** The descendants in named_apply's order: each child's subtree before the child itself (root excluded). */
    private static List<Module> depthFirst(Module m, List<Module> out) {
        for (Module c : m.children()) {
            depthFirst(c, out);
            out.add(c);
        }
        return out;
    }

    @Override public ViTConfig config() { return config; }

    /** All tokens after the final norm, [N, 1 + numPatches, dim] (timm's forward_features). */
    public Tensor forwardFeatures(Tensor x) {
        checkImages(x);
        Tensor patches = module("patch_embed").forward(x);
        Tensor cls = parameterUse("cls_token", parameter("cls_token").expand(patches.shape().dim(0), -1, -1));
        Tensor tokens = parameterUse("pos_embed", Tensor.cat(List.of(cls, patches), 1).add(parameter("pos_embed")));
        tokens = module("pos_drop").forward(tokens);
        tokens = module("blocks").forward(module("norm_pre").forward(tokens));
        return module("norm").forward(tokens);
    }

    /** The CLS token after the final norm (and fc_norm), [N, dim]: what the head reads. */
    @Override public Tensor features(Tensor x) { return module("fc_norm").forward(forwardFeatures(x).select(1, 0)); }

    /** Logits [N, numClasses], or the features [N, dim] when numClasses = 0. */
    @Override protected Tensor compute(Tensor x) { return module("head").forward(features(x)); }
}
