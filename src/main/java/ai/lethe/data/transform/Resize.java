// Bilinear resize to height x width, as torch.nn.functional.interpolate(mode="bilinear", align_corners=False,
// antialias=False) (torchvision's Resize on tensors with antialias off), e.g. 32 px CIFAR to 224 px for a ViT.
// Per axis, output index i reads source position s = max(0, (i + 0.5) * in/out - 0.5) (float32, as torch):
// i0 = floor(s), i1 = min(i0 + 1, in - 1), weights 1 - (s - i0) and s - i0. Rows are interpolated along the
// width first, then the two rows are blended, in float32.
package ai.lethe.data.transform;

import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;

public record Resize(int height, int width) implements Transform {
    public Resize {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("Resize size must be positive, got " + height + "x" + width);
    }

    @Override public Image apply(Image in, RandomSource rng) { return resize(in, height, width); }

    @Override public ImageShape outputShape(ImageShape in) { return new ImageShape(in.channels(), height, width); }

    /** {@code in} resized to {@code height x width} (see the header). */
    public static Image resize(Image in, int height, int width) {
        ImageShape s = in.shape();
        int h = s.height(), w = s.width();
        if (h == height && w == width) return in;
        Axis ys = Axis.of(h, height), xs = Axis.of(w, width);
        float[] src = in.data(), dst = new float[s.channels() * height * width];
        for (int c = 0; c < s.channels(); c++) {
            int sb = c * h * w, db = c * height * width;
            for (int y = 0; y < height; y++) {
                int r0 = sb + ys.i0[y] * w, r1 = sb + ys.i1[y] * w;
                float wy0 = ys.w0[y], wy1 = ys.w1[y];
                for (int x = 0; x < width; x++) {
                    int a = xs.i0[x], b = xs.i1[x];
                    float wx0 = xs.w0[x], wx1 = xs.w1[x];
                    float top = src[r0 + a] * wx0 + src[r0 + b] * wx1;
                    float bottom = src[r1 + a] * wx0 + src[r1 + b] * wx1;
                    dst[db + y * width + x] = top * wy0 + bottom * wy1;
                }
            }
        }
        return new Image(dst, new ImageShape(s.channels(), height, width));
    }

    /** Source indices and weights of one axis. */
    private record Axis(int[] i0, int[] i1, float[] w0, float[] w1) {
        static Axis of(int in, int out) {
            float scale = (float) in / out;
            int[] i0 = new int[out], i1 = new int[out];
            float[] w0 = new float[out], w1 = new float[out];
            for (int i = 0; i < out; i++) {
                float src = Math.max(0f, scale * (i + 0.5f) - 0.5f);
                int lo = Math.min((int) src, in - 1);
                float l1 = Math.min(Math.max(src - lo, 0f), 1f);
                i0[i] = lo;
                i1[i] = Math.min(lo + 1, in - 1);
                w0[i] = 1f - l1;
                w1[i] = l1;
            }
            return new Axis(i0, i1, w0, w1);
        }
    }
}
