// A dataset ready for training and evaluation: its train/test parts and the transforms that go with them —
// the CIFAR recipe (crop pad 4 + flip) for colour images, the MNIST recipe (crop pad 2) for grey ones, each
// followed by an optional resize (e.g. 32 -> 224 for a ViT) and the dataset's normalisation (its published
// preset, or computed from the training images when it has none).
package ai.lethe.data.pipeline;

import ai.lethe.data.ImageShape;
import ai.lethe.data.TrainTest;
import ai.lethe.data.source.Datasets;
import ai.lethe.data.source.LoadOptions;
import ai.lethe.data.source.Normalization;
import ai.lethe.data.transform.Transform;
import ai.lethe.data.transform.Transforms;
import java.io.IOException;

public record Pipeline(TrainTest data, Transform trainTransform, Transform evalTransform, ImageShape inputShape) {

    /** Loads {@code dataset} by name and builds its standard transforms. */
    public static Pipeline load(String dataset, boolean augment, int resize) throws IOException {
        return of(Datasets.load(dataset, LoadOptions.defaults()), augment, resize);
    }

    /**
     * The standard transforms for {@code data}: augmentation when {@code augment}, resized to resize x resize when
     * {@code resize} > 0, normalised.
     */
    public static Pipeline of(TrainTest data, boolean augment, int resize) {
        ImageShape shape = data.train().shape();
        Normalization norm = Datasets.normalization(data.name()).orElseGet(() -> Normalization.compute(data.train()));
        double[] mean = toDouble(norm.mean()), std = toDouble(norm.std());
        Transforms.Recipe recipe = shape.channels() == 1 ? Transforms.Recipe.MNIST : Transforms.Recipe.CIFAR;
        Transform train = Transforms.preset(recipe, augment, shape, mean, std, resize, resize);
        Transform eval = Transforms.preset(recipe, false, shape, mean, std, resize, resize);
        ImageShape input = resize > 0 ? new ImageShape(shape.channels(), resize, resize) : shape;
        return new Pipeline(data, train, eval, input);
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}
