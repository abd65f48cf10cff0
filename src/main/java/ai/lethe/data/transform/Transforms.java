// The usual transform recipes, with train-time augmentation on or off:
//   CIFAR  train: RandomCrop(size, padding 4) + RandomHorizontalFlip(0.5) + Normalize (Unlearn-Sparse's and SSD's
//          base recipe: crop 32 pad 4 + flip); eval: Normalize.
//   MNIST  (and Fashion-MNIST) train: RandomCrop(size, padding 2) + Normalize; eval: Normalize. With augmentation
//          off both are Normalize only, the common MNIST recipe.
// An optional resize (e.g. 224 for a ViT trained at ImageNet size from 32 px images) comes after the augmentation
// and before Normalize. Per-dataset mean/std come from the dataset readers (ai.lethe.data.source).
package ai.lethe.data.transform;

import ai.lethe.data.ImageShape;
import java.util.ArrayList;
import java.util.List;

public final class Transforms {
    /** Which family of recipes. */
    public enum Recipe {
        /** Colour 32x32 images: crop with padding 4 and horizontal flip. */
        CIFAR,
        /** Digit-like grey images: crop with padding 2, no flip (a flipped digit is another glyph). */
        MNIST
    }

    private Transforms() {}

    /**
     * The recipe's transform for images of {@code shape}: with {@code augment}, the random crop (same size as the
     * input, zero padding) and, for CIFAR, the flip; then Normalize({@code mean}, {@code std}).
     */
    public static Transform preset(Recipe recipe, boolean augment, ImageShape shape, double[] mean, double[] std) {
        return preset(recipe, augment, shape, mean, std, 0, 0);
    }

    /** As {@link #preset(Recipe, boolean, ImageShape, double[], double[])}, resized to {@code resizeHeight x resizeWidth} (0: no resize). */
    public static Transform preset(Recipe recipe, boolean augment, ImageShape shape, double[] mean, double[] std,
                                   int resizeHeight, int resizeWidth) {
        List<Transform> steps = new ArrayList<>();
        if (augment) {
            switch (recipe) {
                case CIFAR -> {
                    steps.add(new RandomCrop(shape.height(), shape.width(), 4));
                    steps.add(new RandomHorizontalFlip(0.5));
                }
                case MNIST -> steps.add(new RandomCrop(shape.height(), shape.width(), 2));
            }
        }
        if (resizeHeight > 0 || resizeWidth > 0) steps.add(new Resize(resizeHeight, resizeWidth));
        steps.add(new Normalize(mean, std));
        return new Compose(steps);
    }

    /** CIFAR training: crop 32 pad 4 (at the image's size), flip, normalize. */
    public static Transform cifarTrain(ImageShape shape, double[] mean, double[] std) { return preset(Recipe.CIFAR, true, shape, mean, std); }

    /** MNIST-like training: normalize, after a crop with padding 2 when {@code crop}. */
    public static Transform mnistTrain(ImageShape shape, double[] mean, double[] std, boolean crop) {
        return preset(Recipe.MNIST, crop, shape, mean, std);
    }

    /** Evaluation: normalize only. */
    public static Transform eval(double[] mean, double[] std) { return new Compose(List.of(new Normalize(mean, std))); }
}
