// Small hand-made images for the transform tests.
package ai.lethe.data.transform;

import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;

final class Images {
    private Images() {}

    /** An image of shape c x h x w holding 1, 2, 3, ... in row-major order. */
    static Image counting(int c, int h, int w) {
        float[] d = new float[c * h * w];
        for (int i = 0; i < d.length; i++) d[i] = i + 1;
        return new Image(d, new ImageShape(c, h, w));
    }

    static Image of(int c, int h, int w, float... values) { return new Image(values, new ImageShape(c, h, w)); }
}
