// The fixed-length records of the CIFAR binary files: some label bytes then 3072 pixel bytes (32x32, the red
// plane, then green, then blue: already CHW). Reads a list of batch files into one pixel array and one label
// array per label byte, checking that each file is a whole, non-zero number of records and each label is in range.
package ai.lethe.data.source;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

final class CifarRecords {
    static final int SIDE = 32, PIXELS = 3 * SIDE * SIDE;

    /** {@code labels[k][i]} is record i's k-th label byte. */
    record Read(byte[] pixels, int[][] labels, int count) {}

    private CifarRecords() {}

    /**
     * Reads {@code files} in order. {@code classCounts[k]} bounds label byte k; {@code labelNames[k]} names it in
     * messages ("label", "coarse label", ...).
     */
    static Read read(List<Path> files, int[] classCounts, String[] labelNames) throws IOException {
        int labelBytes = classCounts.length, record = labelBytes + PIXELS;
        long total = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) throw new NoSuchFileException(f.toString(), null, "missing CIFAR binary batch");
            long size = Files.size(f);
            if (size == 0 || size % record != 0)
                throw new DatasetFormatException(f, "bad record length: " + size + " bytes is not a whole number of "
                        + record + "-byte records (" + labelBytes + " label byte" + (labelBytes > 1 ? "s" : "")
                        + " + " + PIXELS + " pixel bytes); the file is truncated or not a CIFAR binary batch");
            total += size / record;
        }
        if (total * PIXELS > Integer.MAX_VALUE - 8)
            throw new DatasetFormatException(files.getLast(), files.size() == 1 ? "holds " + total + " records of " + PIXELS
                    + " pixel bytes, more than one array can hold" : "with " + files.subList(0, files.size() - 1) + " holds " + total
                    + " records of " + PIXELS + " pixel bytes, more than one array can hold");
        int count = (int) total;
        byte[] pixels = new byte[count * PIXELS];
        int[][] labels = new int[labelBytes][count];
        int n = 0;
        byte[] buf = new byte[record];
        for (Path f : files) {
            long records = Files.size(f) / record;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 20)) {
                for (long r = 0; r < records; r++, n++) {
                    if (in.readNBytes(buf, 0, record) != record)
                        throw new DatasetFormatException(f, "truncated while reading: record " + r + " is incomplete");
                    for (int k = 0; k < labelBytes; k++) {
                        int label = buf[k] & 0xFF;
                        if (label >= classCounts[k])
                            throw new DatasetFormatException(f, labelNames[k] + " " + label + " of record " + r
                                    + " is out of range [0, " + classCounts[k] + ")");
                        labels[k][n] = label;
                    }
                    System.arraycopy(buf, labelBytes, pixels, n * PIXELS, PIXELS);
                }
            }
        }
        return new Read(pixels, labels, count);
    }
}
