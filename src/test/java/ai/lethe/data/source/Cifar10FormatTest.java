// CIFAR-10 binary batches: the five train batches are concatenated in order, the test batch read alone, pixels
// land CHW (R, G, B planes) exactly, names come from batches.meta.txt or the standard list; a file that is not a
// whole number of records and a label out of range fail naming the file.
package ai.lethe.data.source;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.ImageShape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10FormatTest {
    @TempDir Path dir;

    static final int[][] BATCHES = {{6, 9}, {9}, {4, 1, 1}, {2}, {7, 8}};

    @Test void readsRecordsLabelsAndChwPixels() throws Exception {
        TestFiles.cifar10Folder(dir, BATCHES, new int[] {3, 8}, false);
        assertTrue(Cifar10Format.isPresent(dir));
        var tt = Cifar10Format.load(dir, "cifar10");
        assertEquals(9, tt.train().size());
        assertEquals(2, tt.test().size());
        assertEquals(new ImageShape(3, 32, 32), tt.train().shape());
        assertEquals(CifarNames.CIFAR10, tt.train().classNames());
        int[] labels = new int[9];
        for (int i = 0; i < 9; i++) labels[i] = tt.train().label(i);
        assertArrayEquals(new int[] {6, 9, 9, 4, 1, 1, 2, 7, 8}, labels);
        assertEquals("cat", tt.test().classNames().get(tt.test().label(0)));
        for (int n : new int[] {0, 4, 8}) {
            var img = tt.train().image(n);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 32; y += 5)
                    for (int x = 0; x < 32; x += 3) assertEquals(TestFiles.pixel(n, c, y, x) / 255f, img.get(c, y, x));
        }
        byte[] raw = new byte[3072];
        ((ByteImageDataset) tt.test()).readBytes(1, raw, 0);
        assertEquals(TestFiles.pixel(1001, 2, 31, 31), raw[2 * 1024 + 31 * 32 + 31] & 0xFF);   // blue plane last
    }

    @Test void classNamesFromMetaFile() throws Exception {
        TestFiles.cifar10Folder(dir, BATCHES, new int[] {3}, true);
        var tt = Cifar10Format.load(dir.resolve("cifar-10-batches-bin"), "cifar10");
        assertEquals("j", tt.train().classNames().get(9));
    }

    @Test void metaFileWithWrongNumberOfNames() throws Exception {
        TestFiles.cifar10Folder(dir, BATCHES, new int[] {3}, false);
        Path meta = TestFiles.write(dir.resolve("cifar-10-batches-bin/batches.meta.txt"), "a\nb\n".getBytes());
        var e = assertThrows(DatasetFormatException.class, () -> Cifar10Format.load(dir, "cifar10"));
        assertEquals(meta, e.file());
        assertTrue(e.problem().contains("2 class names, expected 10"), e.getMessage());
    }

    @Test void badRecordLength() throws Exception {
        TestFiles.cifar10Folder(dir, BATCHES, new int[] {3}, false);
        Path batch = dir.resolve("cifar-10-batches-bin/data_batch_3.bin");
        byte[] b = Files.readAllBytes(batch);
        Files.write(batch, Arrays.copyOf(b, b.length - 100));
        var e = assertThrows(DatasetFormatException.class, () -> Cifar10Format.load(dir, "cifar10"));
        assertEquals(batch, e.file());
        assertTrue(e.problem().startsWith("bad record length: 9119 bytes is not a whole number of 3073-byte records"), e.getMessage());
    }

    @Test void labelOutOfRange() throws Exception {
        TestFiles.cifar10Folder(dir, BATCHES, new int[] {3, 10}, false);
        var e = assertThrows(DatasetFormatException.class, () -> Cifar10Format.load(dir, "cifar10"));
        assertEquals(dir.resolve("cifar-10-batches-bin/test_batch.bin"), e.file());
        assertEquals("label 10 of record 1 is out of range [0, 10)", e.problem());
    }

    @Test void metaFileThatIsNotUtf8IsNamed() throws Exception {
        TestFiles.cifar10Folder(dir, BATCHES, new int[] {3}, false);
        byte[] latin1 = "a\nb\nc\nd\ne\nf\ng\nh\ni\nd\u00e9j\u00e0\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Path meta = TestFiles.write(dir.resolve("cifar-10-batches-bin/batches.meta.txt"), latin1);
        var e = assertThrows(DatasetFormatException.class, () -> Cifar10Format.load(dir, "cifar10"));
        assertEquals(meta, e.file());
        assertTrue(e.problem().contains("not UTF-8"), e.getMessage());
    }
}
