// Java twins of the small models in tools/reference/nn_fixtures.py, written the way a user writes a model:
// subclasses of Module registering children (and parameters) in PyTorch's order, forward composing layers.
package ai.lethe.nn;

import ai.lethe.core.Shape;
import ai.lethe.tensor.Tensor;
import java.util.List;

final class TestModels {
    private TestModels() {}

    static Sequential convNet() {
        return new Sequential(
                new Conv2d(3, 8, 3, 1, 1, false), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 16, 3, 2, 1, true), new BatchNorm2d(16, BatchNorm.Options.DEFAULT.withMomentum(null)), new ReLU(),
                new AdaptiveAvgPool2d(1, 1), new Flatten(), new Dropout(0.1), new Linear(16, 10));
    }

    /** torchvision's BasicBlock (conv-bn-relu-conv-bn + identity or 1×1 conv-bn downsample). */
    static final class BasicBlock extends Module {
        BasicBlock(int cin, int cout, int stride) {
            registerModule("conv1", new Conv2d(cin, cout, 3, stride, 1, false));
            registerModule("bn1", new BatchNorm2d(cout));
            registerModule("relu", new ReLU());
            registerModule("conv2", new Conv2d(cout, cout, 3, 1, 1, false));
            registerModule("bn2", new BatchNorm2d(cout));
            if (stride != 1 || cin != cout)
                registerModule("downsample", new Sequential(new Conv2d(cin, cout, 1, stride, 0, false), new BatchNorm2d(cout)));
        }

        @Override protected Tensor compute(Tensor x) {
            Tensor identity = namedChildren().containsKey("downsample") ? module("downsample").forward(x) : x;
            Tensor out = module("relu").forward(module("bn1").forward(module("conv1").forward(x)));
            out = module("bn2").forward(module("conv2").forward(out));
            return module("relu").forward(out.add(identity));
        }
    }

    static final class TinyResNet extends Module {
        TinyResNet() {
            registerModule("conv1", new Conv2d(3, 4, 3, 1, 1, false));
            registerModule("bn1", new BatchNorm2d(4));
            registerModule("relu", new ReLU());
            registerModule("maxpool", new MaxPool2d(3, 2, 1));
            registerModule("layer1", new Sequential(new BasicBlock(4, 4, 1)));
            registerModule("layer2", new Sequential(new BasicBlock(4, 8, 2)));
            registerModule("avgpool", new AdaptiveAvgPool2d(1, 1));
            registerModule("fc", new Linear(8, 5));
        }

        @Override protected Tensor compute(Tensor x) {
            Tensor y = module("maxpool").forward(module("relu").forward(module("bn1").forward(module("conv1").forward(x))));
            y = module("layer2").forward(module("layer1").forward(y));
            return module("fc").forward(module("avgpool").forward(y).flatten(1, -1));
        }
    }

    static final class Mlp extends Module {
        Mlp(long dim, long hidden) {
            registerModule("fc1", new Linear(dim, hidden));
            registerModule("act", new GELU());
            registerModule("drop1", new Dropout(0.0));
            registerModule("fc2", new Linear(hidden, dim));
            registerModule("drop2", new Dropout(0.0));
        }

        @Override protected Tensor compute(Tensor x) {
            Tensor y = x;
            for (Module m : children()) y = m.forward(y);
            return y;
        }
    }

    /** timm's pre-norm transformer block. */
    static final class Block extends Module {
        Block(long dim, int heads) {
            registerModule("norm1", new LayerNorm(new long[] {dim}, 1e-6, true));
            registerModule("attn", new MultiheadSelfAttention(dim, heads, true));
            registerModule("norm2", new LayerNorm(new long[] {dim}, 1e-6, true));
            registerModule("mlp", new Mlp(dim, 4 * dim));
        }

        @Override protected Tensor compute(Tensor x) {
            Tensor y = x.add(module("attn").forward(module("norm1").forward(x)));
            return y.add(module("mlp").forward(module("norm2").forward(y)));
        }
    }

    static final class PatchEmbed extends Module {
        PatchEmbed(int patch, int inChans, long dim) {
            registerModule("proj", new Conv2d(inChans, dim, patch, patch, 0, true));
        }

        @Override protected Tensor compute(Tensor x) { return module("proj").forward(x).flatten(2, -1).transpose(1, 2); }
    }

    /** timm's VisionTransformer registration order: patch_embed first, then cls_token and pos_embed. */
    static final class TinyViT extends Module {
        TinyViT() {
            long dim = 16;
            registerModule("patch_embed", new PatchEmbed(4, 3, dim));
            registerParameter("cls_token", Tensor.zeros(Shape.of(1, 1, dim)));
            registerParameter("pos_embed", Init.truncNormal(Tensor.zeros(Shape.of(1, 5, dim)), 0, 0.02, -2, 2));
            registerModule("pos_drop", new Dropout(0.0));
            registerModule("blocks", new Sequential(new Block(dim, 2), new Block(dim, 2)));
            registerModule("norm", new LayerNorm(new long[] {dim}, 1e-6, true));
            registerModule("head", new Linear(dim, 10));
        }

        @Override protected Tensor compute(Tensor x) {
            Tensor patches = module("patch_embed").forward(x);
            long b = patches.shape().dim(0);
            Tensor cls = parameter("cls_token").expand(b, -1, -1);
            Tensor tokens = Tensor.cat(List.of(cls, patches), 1).add(parameter("pos_embed"));
            tokens = module("norm").forward(module("blocks").forward(module("pos_drop").forward(tokens)));
            return module("head").forward(tokens.select(1, 0));
        }
    }
}
