// The models this package builds: an image classifier that is a Module (train it, load and save its state dict)
// and knows its config. features(x) is the representation the classifier head reads (ResNet: the pooled
// 8·width vector; ViT: the final-normed CLS token), forward(x) the logits [N, numClasses]. to/train/eval return
// the model itself, so Models.create(config).to(device) is still an ImageModel.
package ai.lethe.models;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.nn.Module;
import ai.lethe.tensor.Tensor;

public abstract sealed class ImageModel extends Module permits ResNet, VisionTransformer {
    ImageModel() {}

    /** The configuration this model was built from. */
    public abstract ModelConfig config();

    /** The input of the classifier head, [N, featureDim]. */
    public abstract Tensor features(Tensor x);

    /** Logits [N, numClasses] of images [N, inChannels, H, W] (call it through forward). */
    @Override protected abstract Tensor compute(Tensor x);

    @Override public ImageModel to(Device device) {
        super.to(device);
        return this;
    }

    @Override public ImageModel to(DType dtype) {
        super.to(dtype);
        return this;
    }

    @Override public ImageModel train(boolean mode) {
        super.train(mode);
        return this;
    }

    @Override public ImageModel train() { return train(true); }

    @Override public ImageModel eval() { return train(false); }

    /** Rejects inputs that are not [N, inChannels, H, W] with a message naming the expected shape. */
    final void checkImages(Tensor x) {
        checkOpen("forward");
        if (x.rank() != 4 || x.shape().dim(1) != config().inChannels())
            throw new IllegalArgumentException(getClass().getSimpleName() + ": expected images [N, " + config().inChannels()
                    + ", H, W], got shape " + x.shape());
    }
}
