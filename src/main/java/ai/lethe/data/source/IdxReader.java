// The IDX format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist): a big-endian header — magic 0x00000803
// and count, rows, columns for images (unsigned bytes, row-major); magic 0x00000801 and count for labels — then
// the payload. Files may be raw or gzipped (detected by content). Every check fails naming the file: the magic,
// positive dimensions whose product (computed exactly) fits one array, the file length (header + payload exactly:
// truncated or trailing bytes), labels in range.
package ai.lethe.data.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

public final class IdxReader {
    /** Magic number of an IDX file of unsigned-byte data with 3 dimensions (images) and with 1 (labels). */
    public static final int IMAGES_MAGIC = 0x00000803, LABELS_MAGIC = 0x00000801;

    /** The images of one IDX file: {@code count} images of rows x cols bytes, one after another. */
    public record Images(Path file, int count, int rows, int cols, byte[] pixels) {}

    private IdxReader() {}

    /** Reads an idx3-ubyte image file (raw or gzipped). */
    public static Images readImages(Path file) throws IOException {
        try (InputStream in = DataFiles.open(file)) {
            checkMagic(file, DataFiles.int32(DataFiles.readExactly(in, file, 4, "the IDX magic number"), 0), IMAGES_MAGIC, "images");
            byte[] h = DataFiles.readExactly(in, file, 12, "the rest of the IDX image header");
            int count = DataFiles.int32(h, 0), rows = DataFiles.int32(h, 4), cols = DataFiles.int32(h, 8);
            if (count < 0 || rows <= 0 || cols <= 0)
                throw new DatasetFormatException(file, "bad dimensions in the IDX header: " + count + " images of "
                        + rows + "x" + cols);
            // exact: count x rows x cols can exceed a long (three 31-bit numbers)
            java.math.BigInteger bytes = java.math.BigInteger.valueOf(count).multiply(java.math.BigInteger.valueOf(rows))
                    .multiply(java.math.BigInteger.valueOf(cols));
            if (bytes.compareTo(java.math.BigInteger.valueOf(Integer.MAX_VALUE - 16)) > 0)
                throw new DatasetFormatException(file, "the IDX header describes " + count + " images of " + rows + "x" + cols
                        + " pixels (" + bytes + " bytes), more than one array can hold (" + (Integer.MAX_VALUE - 16)
                        + " bytes): a wrong header or not an IDX image file");
            long payload = bytes.longValueExact();
            byte[] pixels = DataFiles.readExactly(in, file, (int) payload,
                    "16 header bytes + " + count + " images of " + rows + "x" + cols + " bytes");
            checkEnd(in, file, 16 + payload);
            return new Images(file, count, rows, cols, pixels);
        }
    }

    /** Reads an idx1-ubyte label file (raw or gzipped); every label must be in [0, numClasses). */
    public static int[] readLabels(Path file, int numClasses) throws IOException {
        try (InputStream in = DataFiles.open(file)) {
            checkMagic(file, DataFiles.int32(DataFiles.readExactly(in, file, 4, "the IDX magic number"), 0), LABELS_MAGIC, "labels");
            int count = DataFiles.int32(DataFiles.readExactly(in, file, 4, "the IDX label count"), 0);
            if (count < 0 || count > Integer.MAX_VALUE - 8)
                throw new DatasetFormatException(file, "bad label count in the IDX header: " + count);
            byte[] raw = DataFiles.readExactly(in, file, count, "8 header bytes + " + count + " labels");
            checkEnd(in, file, 8L + count);
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xFF;
                if (labels[i] >= numClasses)
                    throw new DatasetFormatException(file, "label " + labels[i] + " of sample " + i
                            + " is out of range [0, " + numClasses + ")");
            }
            return labels;
        }
    }

    private static void checkMagic(Path file, int magic, int expected, String what) throws DatasetFormatException {
        if (magic == expected) return;
        String hint = magic == (expected == IMAGES_MAGIC ? LABELS_MAGIC : IMAGES_MAGIC)
                ? "; this is an IDX " + (expected == IMAGES_MAGIC ? "label" : "image") + " file, not " + what
                : "; not an IDX file of unsigned bytes";
        throw new DatasetFormatException(file, "wrong magic number 0x%08x, expected 0x%08x (IDX %s)%s"
                .formatted(magic, expected, what, hint));
    }

    private static void checkEnd(InputStream in, Path file, long expected) throws IOException {
        long extra = DataFiles.remaining(in, file);
        if (extra > 0)
            throw new DatasetFormatException(file, "the data is " + (expected + extra) + " bytes long but its header "
                    + "describes " + expected + " (" + extra + " trailing bytes): a wrong header or a damaged file");
    }
}
