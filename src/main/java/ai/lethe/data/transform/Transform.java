// An image transform: a pure function of the input image and a random stream (see RandomSource), applied to
// one sample at a time on a loader's worker threads. Implementations are immutable and thread-safe; they never
// modify the input image. Datasets give float CHW values in [0, 1], so ToFloat is implicit.
package ai.lethe.data.transform;

import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;
import java.util.ArrayList;
import java.util.List;

@FunctionalInterface
public interface Transform {
    /** The transformed image; {@code rng} is the sample's stream (draw from it, in a fixed order). */
    Image apply(Image in, RandomSource rng);

    /** The shape {@link #apply} returns for inputs of shape {@code in} (the same, unless the transform resizes). */
    default ImageShape outputShape(ImageShape in) { return in; }

    /** This transform, then {@code next}. */
    default Transform andThen(Transform next) {
        List<Transform> all = new ArrayList<>();
        if (this instanceof Compose(List<Transform> steps)) all.addAll(steps); else all.add(this);
        if (next instanceof Compose(List<Transform> steps)) all.addAll(steps); else all.add(next);
        return new Compose(all);
    }

    /** The transform that returns its input. */
    static Transform identity() { return new Compose(List.of()); }
}
