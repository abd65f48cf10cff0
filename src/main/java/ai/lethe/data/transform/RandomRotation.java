// Rotation by an angle drawn uniformly from [-degrees, degrees] (torchvision's RandomRotation), about the image
// centre, counter-clockwise for positive angles, same output size, bilinear sampling with zeros outside the
// image: output pixel (x, y), taken relative to the centre ((W-1)/2, (H-1)/2), reads the input at
//   (cos a * x - sin a * y, sin a * x + cos a * y) + centre,
// each of the four neighbours outside the image counting as 0 (grid_sample, padding "zeros", align_corners
// False). This is torchvision.transforms.functional.rotate(img, a, BILINEAR, fill=None). (RandomRotation's
// default fill=0 takes another path in torchvision 0.14, which also multiplies border pixels by the bilinear
// coverage of the image; only pixels within one pixel of the rotated border differ.)
package ai.lethe.data.transform;

import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;

public record RandomRotation(double degrees) implements Transform {
    public RandomRotation {
        if (!(degrees >= 0 && degrees <= 180)) throw new IllegalArgumentException("RandomRotation degrees must be in [0, 180], got " + degrees);
    }

    @Override public Image apply(Image in, RandomSource rng) { return rotate(in, rng.nextDouble(-degrees, degrees)); }

    /** {@code in} rotated counter-clockwise by {@code angle} degrees (see the header). */
    public static Image rotate(Image in, double angle) {
        ImageShape s = in.shape();
        int h = s.height(), w = s.width(), plane = h * w;
        double rad = Math.toRadians(angle);
        double cos = snap(Math.cos(rad)), sin = snap(Math.sin(rad));
        double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
        float[] src = in.data(), dst = new float[src.length];
        for (int y = 0; y < h; y++) {
            double dy = y - cy;
            for (int x = 0; x < w; x++) {
                double dx = x - cx;
                double sx = cos * dx - sin * dy + cx, sy = sin * dx + cos * dy + cy;
                int x0 = (int) Math.floor(sx), y0 = (int) Math.floor(sy);
                double fx = sx - x0, fy = sy - y0;
                double w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
                boolean in0 = y0 >= 0 && y0 < h, in1 = y0 + 1 >= 0 && y0 + 1 < h;
                boolean ix0 = x0 >= 0 && x0 < w, ix1 = x0 + 1 >= 0 && x0 + 1 < w;
                int o = y * w + x;
                for (int c = 0; c < s.channels(); c++) {
                    int base = c * plane;
                    double v = 0;
                    if (in0 && ix0) v += w00 * src[base + y0 * w + x0];
                    if (in0 && ix1) v += w01 * src[base + y0 * w + x0 + 1];
                    if (in1 && ix0) v += w10 * src[base + (y0 + 1) * w + x0];
                    if (in1 && ix1) v += w11 * src[base + (y0 + 1) * w + x0 + 1];
                    dst[base + o] = (float) v;
                }
            }
        }
        return new Image(dst, s);
    }

    /** Exact 0 and ±1 for multiples of 90 degrees, so quarter turns move pixels exactly. */
    private static double snap(double v) {
        if (Math.abs(v) < 1e-12) return 0;
        if (Math.abs(Math.abs(v) - 1) < 1e-12) return Math.signum(v);
        return v;
    }
}
