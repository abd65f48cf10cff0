// IDX (MNIST/Fashion-MNIST) files: raw and gzipped (detected by content, not by name) read to the exact pixels and
// labels; each kind of damage is a DatasetFormatException naming the file and the problem.
package ai.lethe.data.source;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir Path dir;

    @Test void readsRawImagesExactly() throws Exception {
        Path f = TestFiles.write(dir.resolve("images"), TestFiles.idxImages(3, 4, 5));
        IdxReader.Images im = IdxReader.readImages(f);
        assertEquals(3, im.count());
        assertEquals(4, im.rows());
        assertEquals(5, im.cols());
        for (int n = 0; n < 3; n++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 5; x++)
                    assertEquals(TestFiles.pixel(n, 0, y, x), im.pixels()[(n * 4 + y) * 5 + x] & 0xFF);
    }

    @Test void gzipIsDetectedByContentWhateverTheName() throws Exception {
        Path gzNoSuffix = TestFiles.write(dir.resolve("images-without-suffix"), TestFiles.gzip(TestFiles.idxImages(2, 3, 3)));
        Path rawWithGz = TestFiles.write(dir.resolve("raw.gz"), TestFiles.idxImages(2, 3, 3));
        assertArrayEquals(IdxReader.readImages(rawWithGz).pixels(), IdxReader.readImages(gzNoSuffix).pixels());
        Path labels = TestFiles.write(dir.resolve("labels"), TestFiles.gzip(TestFiles.idxLabels(9, 0, 3)));
        assertArrayEquals(new int[] {9, 0, 3}, IdxReader.readLabels(labels, 10));
    }

    @Test void zeroImagesIsAValidFile() throws Exception {
        Path f = TestFiles.write(dir.resolve("empty"), TestFiles.idxImages(0, 28, 28));
        assertEquals(0, IdxReader.readImages(f).pixels().length);
    }

    @Test void truncatedRawFile() throws Exception {
        byte[] full = TestFiles.idxImages(3, 4, 5);
        Path f = TestFiles.write(dir.resolve("cut"), Arrays.copyOf(full, full.length - 7));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f));
        assertEquals(f, e.file());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.problem().contains("truncated"), e.getMessage());
    }

    @Test void truncatedHeader() throws Exception {
        Path f = TestFiles.write(dir.resolve("cut-header"), Arrays.copyOf(TestFiles.idxImages(1, 2, 2), 10));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f));
        assertTrue(e.problem().contains("truncated") && e.problem().contains("header"), e.getMessage());
    }

    @Test void truncatedGzipFile() throws Exception {
        byte[] gz = TestFiles.gzip(TestFiles.idxImages(50, 28, 28));
        Path f = TestFiles.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f));
        assertEquals(f, e.file());
        assertTrue(e.problem().contains("truncated"), e.getMessage());
    }

    @Test void trailingBytesMeanTheLengthIsWrong() throws Exception {
        byte[] full = TestFiles.idxLabels(1, 2, 3);
        Path f = TestFiles.write(dir.resolve("long"), Arrays.copyOf(full, full.length + 5));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(f, 10));
        assertTrue(e.problem().contains("5 trailing bytes"), e.getMessage());
    }

    @Test void wrongMagic() throws Exception {
        Path labels = TestFiles.write(dir.resolve("labels-not-images"), TestFiles.idxLabels(1, 2));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(labels));
        assertEquals(labels, e.file());
        assertTrue(e.problem().contains("wrong magic number 0x00000801, expected 0x00000803"), e.getMessage());
        assertTrue(e.problem().contains("label file"), e.getMessage());

        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0};
        Path other = TestFiles.write(dir.resolve("not-idx"), png);
        var e2 = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(other, 10));
        assertTrue(e2.problem().contains("wrong magic number 0x89504e47"), e2.getMessage());
    }

    @Test void badDimensions() throws Exception {
        byte[] b = ByteBuffer.allocate(16).putInt(IdxReader.IMAGES_MAGIC).putInt(2).putInt(0).putInt(28).array();
        Path f = TestFiles.write(dir.resolve("zero-rows"), b);
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f));
        assertTrue(e.problem().contains("bad dimensions"), e.getMessage());
    }

    @Test void labelOutOfRange() throws Exception {
        Path f = TestFiles.write(dir.resolve("labels"), TestFiles.idxLabels(3, 1, 10, 2));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(f, 10));
        assertEquals(f, e.file());
        assertEquals("label 10 of sample 2 is out of range [0, 10)", e.problem());
    }

    @Test void dimensionProductsThatOverflowALongAreRefusedExactly() throws Exception {
        // 2^21 x 2^21 x 2^22 = 2^64: a long product wraps to 0, so a 16-byte file read as 2097152 empty images
        byte[] b = ByteBuffer.allocate(16).putInt(IdxReader.IMAGES_MAGIC).putInt(1 << 21).putInt(1 << 21).putInt(1 << 22).array();
        Path f = TestFiles.write(dir.resolve("huge"), b);
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f));
        assertEquals(f, e.file());
        assertTrue(e.problem().contains("2097152 images of 2097152x4194304") && e.problem().contains("18446744073709551616 bytes")
                && e.problem().contains("more than one array can hold"), e.getMessage());
        // just over the array limit without overflow
        byte[] big = ByteBuffer.allocate(16).putInt(IdxReader.IMAGES_MAGIC).putInt(3).putInt(1 << 15).putInt(1 << 15).array();
        Path g = TestFiles.write(dir.resolve("big"), big);
        var e2 = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(g));
        assertTrue(e2.problem().contains("3 images of 32768x32768") && e2.problem().contains("3221225472 bytes"), e2.getMessage());
    }
}
