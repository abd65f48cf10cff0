// Transforms applied in order (torchvision's Compose); each draws from the same per-sample stream, in turn.
package ai.lethe.data.transform;

import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;
import java.util.List;
import java.util.stream.Collectors;

public record Compose(List<Transform> steps) implements Transform {
    public Compose {
        steps = List.copyOf(steps);
    }

    public static Compose of(Transform... steps) { return new Compose(List.of(steps)); }

    @Override public Image apply(Image in, RandomSource rng) {
        Image out = in;
        for (Transform t : steps) out = t.apply(out, rng);
        return out;
    }

    @Override public ImageShape outputShape(ImageShape in) {
        ImageShape s = in;
        for (Transform t : steps) s = t.outputShape(s);
        return s;
    }

    @Override public String toString() {
        return steps.stream().map(Object::toString).collect(Collectors.joining(", ", "Compose[", "]"));
    }
}
