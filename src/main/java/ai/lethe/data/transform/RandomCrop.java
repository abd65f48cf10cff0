// Random crop after zero padding (torchvision's RandomCrop(size, padding), fill 0, constant mode): the image is
// padded by `padding` pixels of 0 on every side, then a height x width window is cut at a uniformly drawn offset:
// top in [0, H + 2p - height], then left in [0, W + 2p - width] (drawn in that order, as torchvision does).
package ai.lethe.data.transform;

import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;

public record RandomCrop(int height, int width, int padding) implements Transform {
    public RandomCrop {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("RandomCrop size must be positive, got " + height + "x" + width);
        if (padding < 0) throw new IllegalArgumentException("RandomCrop padding must be >= 0, got " + padding);
    }

    /** A square crop of {@code size} after {@code padding} pixels of zeros on every side. */
    public RandomCrop(int size, int padding) { this(size, size, padding); }

    @Override public Image apply(Image in, RandomSource rng) {
        ImageShape s = in.shape();
        int spareY = s.height() + 2 * padding - height, spareX = s.width() + 2 * padding - width;
        if (spareY < 0 || spareX < 0)
            throw new IllegalArgumentException("RandomCrop(" + height + "x" + width + ", padding " + padding
                    + ") does not fit an image of " + s + " (padded to " + (s.height() + 2 * padding) + "x" + (s.width() + 2 * padding) + ")");
        int top = rng.nextInt(spareY + 1);
        int left = rng.nextInt(spareX + 1);
        return crop(in, top, left, height, width, padding);
    }

    @Override public ImageShape outputShape(ImageShape in) { return new ImageShape(in.channels(), height, width); }

    /**
     * The {@code height x width} window at ({@code top}, {@code left}) of {@code in} padded with {@code padding}
     * zeros on every side (offsets are in padded coordinates; pixels outside the image are 0).
     */
    public static Image crop(Image in, int top, int left, int height, int width, int padding) {
        ImageShape s = in.shape();
        int h = s.height(), w = s.width();
        float[] src = in.data(), dst = new float[s.channels() * height * width];
        int y0 = top - padding, x0 = left - padding;          // window origin in image coordinates
        int xFrom = Math.max(0, -x0), xTo = Math.min(width, w - x0);   // window columns that hit the image
        for (int c = 0; c < s.channels(); c++) {
            for (int y = 0; y < height; y++) {
                int sy = y0 + y;
                if (sy < 0 || sy >= h || xFrom >= xTo) continue;
                System.arraycopy(src, (c * h + sy) * w + x0 + xFrom, dst, (c * height + y) * width + xFrom, xTo - xFrom);
            }
        }
        return new Image(dst, new ImageShape(s.channels(), height, width));
    }
}
