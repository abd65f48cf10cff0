// Bilinear resizing of uint8 CHW planes with half-pixel centres and edge clamping (PyTorch's interpolate with
// mode="bilinear", align_corners=False, antialias=False), rounding to the nearest byte.
package ai.lethe.data.source;

final class BilinearResize {
    private BilinearResize() {}

    /** Resizes {@code channels} planes of h x w at {@code src} into planes of oh x ow at {@code dst}. */
    static void resize(byte[] src, int channels, int h, int w, byte[] dst, int dstOffset, int oh, int ow) {
        int[] y0 = new int[oh], y1 = new int[oh], x0 = new int[ow], x1 = new int[ow];
        float[] fy = new float[oh], fx = new float[ow];
        taps(h, oh, y0, y1, fy);
        taps(w, ow, x0, x1, fx);
        for (int c = 0; c < channels; c++) {
            int s = c * h * w, d = dstOffset + c * oh * ow;
            for (int y = 0; y < oh; y++) {
                int r0 = s + y0[y] * w, r1 = s + y1[y] * w;
                for (int x = 0; x < ow; x++) {
                    float top = (src[r0 + x0[x]] & 0xFF) * (1 - fx[x]) + (src[r0 + x1[x]] & 0xFF) * fx[x];
                    float bottom = (src[r1 + x0[x]] & 0xFF) * (1 - fx[x]) + (src[r1 + x1[x]] & 0xFF) * fx[x];
                    dst[d + y * ow + x] = (byte) Math.round(top * (1 - fy[y]) + bottom * fy[y]);
                }
            }
        }
    }

    private static void taps(int in, int out, int[] lo, int[] hi, float[] frac) {
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double src = Math.max(0, (i + 0.5) * scale - 0.5);
            int l = Math.min((int) src, in - 1);
            lo[i] = l;
            hi[i] = Math.min(l + 1, in - 1);
            frac[i] = (float) (src - l);
        }
    }
}
