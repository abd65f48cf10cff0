// The map between model inputs and image pixels in [0, 1] for methods that perturb images in pixel space (Boundary
// Shrink's FGSM step is bounded, clamped to [0, 1] and rounded to 1/255 in pixels, as the reference's inputs are
// pixels: its models normalise inside). Lethe's models read transformed images (the context's transform: usually
// Normalize), so the map is found by probing the transform with constant images: input = offset + pixel · scale per
// element, offset = T(0), scale = T(1) − T(0), checked on T(1/2). A transform that is not per-element affine (an
// augmentation, a resize that mixes pixels unevenly) is refused, naming the method.
package ai.lethe.unlearn.train;

import ai.lethe.core.Device;
import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;
import ai.lethe.data.transform.RandomSource;
import ai.lethe.data.transform.Transform;
import ai.lethe.tensor.Tensor;
import java.util.Arrays;

/** @param offset T(0) as [1, C, H, W]; @param scale T(1) − T(0) as [1, C, H, W] (no element 0) */
record PixelSpace(Tensor offset, Tensor scale) {
    /** 1.5·2^23: adding and subtracting it rounds a float32 in [0, 2^22] to the nearest integer, ties to even (torch.round). */
    private static final double ROUND = 12_582_912.0;

    /** The map of {@code transform} (null: none, inputs are pixels) for images of {@code shape}, as tensors on {@code device}. */
    static PixelSpace of(String method, Transform transform, ImageShape shape, Device device) {
        Image zero = probe(transform, shape, 0f), one = probe(transform, shape, 1f), half = probe(transform, shape, 0.5f);
        float[] a = zero.data(), b = one.data(), h = half.data();
        float[] s = new float[a.length];
        double worst = 0, size = 0;
        for (int i = 0; i < a.length; i++) {
            s[i] = b[i] - a[i];
            if (!(Math.abs(s[i]) > 0) || !Float.isFinite(s[i]))
                throw new IllegalArgumentException(method + ": the input transform maps pixel values 0 and 1 to the same input ("
                        + a[i] + "); the pixel-space attack needs an invertible per-pixel map (normalisation)");
            worst = Math.max(worst, Math.abs(h[i] - (a[i] + 0.5 * s[i])));
            size = Math.max(size, Math.abs(a[i]) + Math.abs(s[i]));
        }
        if (worst > 1e-4 * size)
            throw new IllegalArgumentException(method + ": the input transform is not a per-pixel affine map (normalisation), as the "
                    + "pixel-space attack needs: T(1/2) differs from the midpoint of T(0) and T(1) by " + worst);
        ImageShape out = zero.shape();
        return new PixelSpace(Tensor.fromArray(a, device, 1, out.channels(), out.height(), out.width()),
                Tensor.fromArray(s, device, 1, out.channels(), out.height(), out.width()));
    }

    private static Image probe(Transform t, ImageShape shape, float value) {
        float[] v = new float[shape.size()];
        Arrays.fill(v, value);
        Image img = new Image(v, shape);
        return t == null ? img : t.apply(img, RandomSource.forSample(0, 0, 0));
    }

    /** Pixels of model inputs {@code x} [N, C, H, W]. */
    Tensor toPixels(Tensor x) { return x.sub(offset).div(scale); }

    /** Model inputs of pixels {@code p}. */
    Tensor fromPixels(Tensor p) { return p.mul(scale).add(offset); }

    /** torch.round(p · 255) / 255 of pixels already clamped to [0, 1] (the reference's discretize). */
    static Tensor discretize(Tensor p) { return p.mul(255.0).add(ROUND).sub(ROUND).div(255.0); }
}
