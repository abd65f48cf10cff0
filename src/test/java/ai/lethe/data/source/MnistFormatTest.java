// MNIST-format folders: both parts load with the right shape, labels, class names and pixels (as floats in
// [0, 1]); gzipped and raw files and the ".idx" spelling are found; counts that differ and missing files fail.
package ai.lethe.data.source;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.ImageShape;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistFormatTest {
    @TempDir Path dir;

    @Test void loadsBothPartsFromGzippedFiles() throws Exception {
        TestFiles.mnistFolder(dir, true, new int[] {5, 0, 4}, new int[] {7, 2});
        var tt = MnistFormat.load(dir, "mnist", MnistFormat.MNIST_CLASSES);
        assertEquals("mnist", tt.name());
        assertEquals("mnist/train", tt.train().name());
        assertEquals("mnist/test", tt.test().name());
        assertEquals(3, tt.train().size());
        assertEquals(2, tt.test().size());
        assertEquals(new ImageShape(1, 28, 28), tt.train().shape());
        assertEquals(10, tt.train().numClasses());
        assertEquals(5, tt.train().label(0));
        assertEquals(4, tt.train().label(2));
        assertEquals(2, tt.test().label(1));
        float[] img = new float[28 * 28 + 3];
        tt.train().readImage(2, img, 3);
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++) assertEquals(TestFiles.pixel(2, 0, y, x) / 255f, img[3 + y * 28 + x]);
        assertEquals(TestFiles.pixel(1, 0, 27, 13) / 255f, tt.test().image(1).get(0, 27, 13));
    }

    @Test void rawFilesAndTheDottedSpelling() throws Exception {
        TestFiles.mnistFolder(dir, false, new int[] {1, 2}, new int[] {3});
        Files.move(dir.resolve("train-images-idx3-ubyte"), dir.resolve("train-images.idx3-ubyte"));
        assertTrue(MnistFormat.isPresent(dir));
        var tt = MnistFormat.load(dir, "fashion-mnist", MnistFormat.FASHION_MNIST_CLASSES);
        assertEquals("Pullover", tt.train().classNames().get(tt.train().label(1)));
        assertEquals(TestFiles.pixel(1, 0, 5, 6) / 255f, tt.train().image(1).get(0, 5, 6));
    }

    @Test void imageCountDifferentFromLabelCount() throws Exception {
        TestFiles.mnistFolder(dir, true, new int[] {1, 2, 3}, new int[] {3});
        TestFiles.write(dir.resolve("train-labels-idx1-ubyte.gz"), TestFiles.gzip(TestFiles.idxLabels(1, 2)));
        var e = assertThrows(DatasetFormatException.class, () -> MnistFormat.load(dir, "mnist", MnistFormat.MNIST_CLASSES));
        assertEquals(dir.resolve("train-images-idx3-ubyte.gz"), e.file());
        assertTrue(e.problem().contains("3 images but") && e.problem().contains("2 labels"), e.getMessage());
        assertTrue(e.problem().contains("train-labels-idx1-ubyte.gz"), e.getMessage());
    }

    @Test void missingFileIsNamed() throws Exception {
        TestFiles.mnistFolder(dir, true, new int[] {1}, new int[] {3});
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        assertFalse(MnistFormat.isPresent(dir));
        var e = assertThrows(NoSuchFileException.class, () -> MnistFormat.load(dir, "mnist", MnistFormat.MNIST_CLASSES));
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte"), e.getMessage());
    }

    @Test void anEmptyTestSetIsRefusedNamingTheFile() throws Exception {
        TestFiles.mnistFolder(dir, false, new int[] {1, 2}, new int[] {});
        var e = assertThrows(DatasetFormatException.class, () -> MnistFormat.load(dir, "mnist", MnistFormat.MNIST_CLASSES));
        assertEquals(dir.resolve("t10k-images-idx3-ubyte"), e.file());
        assertTrue(e.problem().contains("holds no images") && e.problem().contains("test part"), e.getMessage());
    }

    @Test void testImagesOfAnotherSizeNameBothFilesAndShapes() throws Exception {
        TestFiles.mnistFolder(dir, false, new int[] {1, 2}, new int[] {3});
        TestFiles.write(dir.resolve("t10k-images-idx3-ubyte"), TestFiles.idxImages(1, 32, 30));
        var e = assertThrows(DatasetFormatException.class, () -> MnistFormat.load(dir, "mnist", MnistFormat.MNIST_CLASSES));
        assertEquals(dir.resolve("t10k-images-idx3-ubyte"), e.file());
        assertTrue(e.problem().contains("32x30") && e.problem().contains("28x28")
                && e.problem().contains(dir.resolve("train-images-idx3-ubyte").toString()), e.getMessage());
    }
}
