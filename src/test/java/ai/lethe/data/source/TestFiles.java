// Writers of small files in the official formats for the source tests: IDX images and labels (raw or gzipped),
// CIFAR-10/100 binary records, PNG/JPEG images, and tar(.gz) archives (ustar headers with valid checksums).
package ai.lethe.data.source;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

final class TestFiles {
    private TestFiles() {}

    /** The pixel value tests give image n, row y, column x, channel c: distinct enough to catch layout mistakes. */
    static int pixel(int n, int c, int y, int x) { return (n * 37 + c * 71 + y * 13 + x * 7) & 0xFF; }

    static byte[] idxImages(int count, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + count * rows * cols);
        b.putInt(IdxReader.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(cols);
        for (int n = 0; n < count; n++)
            for (int y = 0; y < rows; y++)
                for (int x = 0; x < cols; x++) b.put((byte) pixel(n, 0, y, x));
        return b.array();
    }

    static byte[] idxLabels(int... labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(IdxReader.LABELS_MAGIC).putInt(labels.length);
        for (int l : labels) b.put((byte) l);
        return b.array();
    }

    static byte[] gzip(byte[] data) {
        var bytes = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Path write(Path file, byte[] data) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, data);
    }

    /** A complete MNIST-format folder: {@code trainLabels.length} train and {@code testLabels.length} test images of 28x28. */
    static Path mnistFolder(Path dir, boolean gz, int[] trainLabels, int[] testLabels) throws IOException {
        String ext = gz ? ".gz" : "";
        write(dir.resolve("train-images-idx3-ubyte" + ext), maybeGzip(idxImages(trainLabels.length, 28, 28), gz));
        write(dir.resolve("train-labels-idx1-ubyte" + ext), maybeGzip(idxLabels(trainLabels), gz));
        write(dir.resolve("t10k-images-idx3-ubyte" + ext), maybeGzip(idxImages(testLabels.length, 28, 28), gz));
        write(dir.resolve("t10k-labels-idx1-ubyte" + ext), maybeGzip(idxLabels(testLabels), gz));
        return dir;
    }

    private static byte[] maybeGzip(byte[] b, boolean gz) { return gz ? gzip(b) : b; }

    /** CIFAR records: each the label bytes of {@code labels[i]} then 3072 pixels, image index {@code first + i}. */
    static byte[] cifarRecords(int first, int[]... labels) {
        var out = new ByteArrayOutputStream();
        for (int i = 0; i < labels.length; i++) {
            for (int l : labels[i]) out.write(l);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++) out.write(pixel(first + i, c, y, x));
        }
        return out.toByteArray();
    }

    /** A CIFAR-10 folder (cifar-10-batches-bin/ inside {@code dir}); batch b holds records with labels labels[b]. */
    static Path cifar10Folder(Path dir, int[][] batchLabels, int[] testLabels, boolean meta) throws IOException {
        Path d = dir.resolve("cifar-10-batches-bin");
        int first = 0;
        for (int b = 0; b < 5; b++) {
            write(d.resolve("data_batch_" + (b + 1) + ".bin"), cifarRecords(first, wrap(batchLabels[b])));
            first += batchLabels[b].length;
        }
        write(d.resolve("test_batch.bin"), cifarRecords(1000, wrap(testLabels)));
        if (meta) write(d.resolve("batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n".getBytes(StandardCharsets.UTF_8));
        return dir;
    }

    static int[][] wrap(int[] labels) {
        int[][] r = new int[labels.length][];
        for (int i = 0; i < labels.length; i++) r[i] = new int[] {labels[i]};
        return r;
    }

    /** A CIFAR-100 folder (cifar-100-binary/ inside {@code dir}); records {coarse, fine}. */
    static Path cifar100Folder(Path dir, int[][] train, int[][] test) throws IOException {
        Path d = dir.resolve("cifar-100-binary");
        write(d.resolve("train.bin"), cifarRecords(0, train));
        write(d.resolve("test.bin"), cifarRecords(1000, test));
        return dir;
    }

    static BufferedImage grey(int w, int h, int seed) {
        var img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, pixel(seed, 0, y, x));
        return img;
    }

    static BufferedImage rgb(int w, int h, int seed) {
        var img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                img.setRGB(x, y, pixel(seed, 0, y, x) << 16 | pixel(seed, 1, y, x) << 8 | pixel(seed, 2, y, x));
        return img;
    }

    static Path writeImage(Path file, BufferedImage img, String format) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, format, file.toFile())) throw new IOException("no ImageIO writer for " + format);
        return file;
    }

    /** A tar archive of {@code entries} (name -> content; a name ending in '/' is a folder), ustar format. */
    static byte[] tar(Map<String, byte[]> entries) {
        var out = new ByteArrayOutputStream();
        for (var e : entries.entrySet()) {
            boolean dir = e.getKey().endsWith("/");
            byte[] content = dir ? new byte[0] : e.getValue();
            out.writeBytes(header(e.getKey(), content.length, dir ? '5' : '0'));
            out.writeBytes(content);
            out.writeBytes(new byte[(512 - content.length % 512) % 512]);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    static byte[] header(String name, long size, char type) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, "00000000000");
        h[156] = (byte) type;
        put(h, 257, "ustar");
        h[262] = 0;
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) h[i] = ' ';
        long sum = 0;
        for (byte b : h) sum += b & 0xFF;
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, at, b.length);
    }

    static Map<String, byte[]> entries() { return new LinkedHashMap<>(); }
}
