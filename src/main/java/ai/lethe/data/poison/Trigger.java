// A BadNets trigger (Gu et al. 2017, as the sparsity paper's Trojan-cleanse application uses it): a size x size
// square of one value stamped on every channel of an image, `margin` pixels in from its bottom and right edges.
// Unlearn-Sparse (main_backdoor.py, poison_func, lines 43-51 at commit 16a2dbc) sets
//   data[:, -2 - trigger_size : -2, -2 - trigger_size : -2, :] *= 0
// on the uint8 HWC images before any transform, i.e. rows and columns [H - 2 - size, H - 2) of every channel set to
// black; its --trigger_size defaults to 4 (arg_parser.py). Here images are float CHW values in [0, 1] before any
// transform (Dataset), so stamping the value 0 there is exactly the reference's trigger in pixel space; Normalize
// then maps it to -mean/std like every other black pixel. Value 0 is the reference's; another value in [0, 1]
// (e.g. 1, a white square) is offered for images whose corner is already black (Fashion-MNIST's background).
package ai.lethe.data.poison;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import java.util.Locale;

/** {@code size} >= 1, {@code value} in [0, 1], {@code margin} >= 0. */
public record Trigger(int size, float value, int margin) {
    /** The reference's margin: the square ends 2 pixels before the bottom and right edges. */
    public static final int REFERENCE_MARGIN = 2;

    public Trigger {
        if (size < 1) throw new IllegalArgumentException("trigger: size must be >= 1, got " + size);
        if (margin < 0) throw new IllegalArgumentException("trigger: margin must be >= 0, got " + margin);
        if (!(value >= 0 && value <= 1)) throw new IllegalArgumentException("trigger: value must be in [0, 1] (pixel space), got " + value);
    }

    /** The reference's trigger: a black size x size square, 2 pixels in from the bottom-right corner. */
    public static Trigger badnets(int size) { return new Trigger(size, 0f, REFERENCE_MARGIN); }

    /** First row (and column) of the square in an image of {@code extent} rows (columns): extent - margin - size. */
    public int start(int extent) { return extent - margin - size; }

    /** Whether the square fits inside images of {@code shape}. */
    public boolean fits(ImageShape shape) { return start(shape.height()) >= 0 && start(shape.width()) >= 0; }

    /** An IllegalArgumentException naming the sizes when the square does not fit images of {@code shape}. */
    public void check(ImageShape shape, String what) {
        if (!fits(shape))
            throw new IllegalArgumentException(what + ": a " + size + "x" + size + " trigger " + margin + " pixels from the edges needs images of at least "
                    + (size + margin) + "x" + (size + margin) + ", but " + shape + " images are " + shape.height() + "x" + shape.width());
    }

    /** Stamps the square into the CHW image of {@code shape} held in {@code img} from {@code offset}. */
    public void stamp(float[] img, int offset, ImageShape shape) {
        int h = shape.height(), w = shape.width(), r0 = start(h), c0 = start(w);
        if (r0 < 0 || c0 < 0) check(shape, "stamping a trigger");
        for (int c = 0; c < shape.channels(); c++)
            for (int r = r0; r < r0 + size; r++) {
                int row = offset + (c * h + r) * w;
                for (int x = c0; x < c0 + size; x++) img[row + x] = value;
            }
    }

    /** Whether pixel (row, column) of an image of {@code shape} is inside the square. */
    public boolean covers(ImageShape shape, int row, int column) {
        int r0 = start(shape.height()), c0 = start(shape.width());
        return row >= r0 && row < r0 + size && column >= c0 && column < c0 + size;
    }

    @Override public String toString() {
        return String.format(Locale.ROOT, "%dx%d square of %s, %d px from the bottom-right corner", size, size, value, margin);
    }
}
