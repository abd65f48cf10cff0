// Mirrors the image left-right with probability p (torchvision's RandomHorizontalFlip; one draw per sample).
package ai.lethe.data.transform;

import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;

public record RandomHorizontalFlip(double p) implements Transform {
    public RandomHorizontalFlip {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("RandomHorizontalFlip probability must be in [0, 1], got " + p);
    }

    /** Flips half of the samples. */
    public RandomHorizontalFlip() { this(0.5); }

    @Override public Image apply(Image in, RandomSource rng) { return rng.nextBoolean(p) ? flip(in) : in; }

    /** The image mirrored left-right. */
    public static Image flip(Image in) {
        ImageShape s = in.shape();
        int w = s.width(), rows = s.channels() * s.height();
        float[] src = in.data(), dst = new float[src.length];
        for (int r = 0; r < rows; r++) {
            int base = r * w;
            for (int x = 0; x < w; x++) dst[base + x] = src[base + w - 1 - x];
        }
        return new Image(dst, s);
    }
}
