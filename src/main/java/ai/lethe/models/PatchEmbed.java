// timm's PatchEmbed: proj = Conv2d(inChannels, dim, kernel = stride = patch, bias) cuts the image into patches
// and embeds each one; the output [B, dim, H/p, W/p] is flattened to tokens [B, numPatches, dim]. norm is an
// Identity (timm's default, no norm layer). Images must have the configured size, as timm asserts.
package ai.lethe.models;

import ai.lethe.nn.Conv2d;
import ai.lethe.nn.Identity;
import ai.lethe.nn.Module;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

public final class PatchEmbed extends Module {
    private final int imageSize;

    public PatchEmbed(int imageSize, int patchSize, int inChannels, int dim, Generator gen) {
        this.imageSize = imageSize;
        registerModule("proj", Conv2d.builder(inChannels, dim, patchSize).stride(patchSize).bias(true).generator(gen).build());
        registerModule("norm", new Identity());
    }

    @Override protected Tensor compute(Tensor x) {
        if (x.rank() != 4 || x.shape().dim(2) != imageSize || x.shape().dim(3) != imageSize)
            throw new IllegalArgumentException("PatchEmbed: input image size " + (x.rank() == 4 ? x.shape().dim(2) + "x" + x.shape().dim(3)
                    : "of shape " + x.shape()) + " doesn't match the model's (" + imageSize + "x" + imageSize + ")");
        return module("norm").forward(module("proj").forward(x).flatten(2, -1).transpose(1, 2));
    }
}
