// Turning a decoded BufferedImage into uint8 CHW planes with 1 or 3 channels. Grey images (1 band, or grey +
// alpha) are read as stored, scaled to 8 bits, and repeated for 3 channels; colour images are read as sRGB and
// made grey with PIL's "L" weights (299, 587, 114 per 1000). Alpha is dropped.
package ai.lethe.data.source;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

final class ImageDecoding {
    private ImageDecoding() {}

    /** Whether the image is stored as grey levels (so 1 channel loses nothing). */
    static boolean isGrey(BufferedImage img) {
        ColorModel cm = img.getColorModel();
        if (cm instanceof IndexColorModel icm) {
            for (int i = 0; i < icm.getMapSize(); i++)
                if (icm.getRed(i) != icm.getGreen(i) || icm.getGreen(i) != icm.getBlue(i)) return false;
            return true;
        }
        return cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
    }

    /** Writes {@code img} as {@code channels} planes of bytes into {@code dst} from {@code offset}. */
    static void toPlanes(BufferedImage img, int channels, byte[] dst, int offset) {
        int w = img.getWidth(), h = img.getHeight(), plane = w * h;
        ColorModel cm = img.getColorModel();
        if (!(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            Raster r = img.getRaster();
            int bits = cm.getComponentSize(0);
            long max = (1L << bits) - 1;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    byte v = (byte) (bits == 8 ? row[x] : (row[x] * 255L + max / 2) / max);
                    for (int c = 0; c < channels; c++) dst[offset + c * plane + y * w + x] = v;
                }
            }
            return;
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int rgb = row[x], red = rgb >> 16 & 0xFF, green = rgb >> 8 & 0xFF, blue = rgb & 0xFF;
                int at = offset + y * w + x;
                if (channels == 1) {
                    dst[at] = (byte) ((red * 19595 + green * 38470 + blue * 7471 + 0x8000) >> 16);
                } else {
                    dst[at] = (byte) red;
                    dst[at + plane] = (byte) green;
                    dst[at + 2 * plane] = (byte) blue;
                }
            }
        }
    }
}
