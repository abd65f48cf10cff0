// The registry: every name loads from a data folder of small official-format files (offline), names are
// forgiving about case and dashes, an unknown name lists the known ones, a missing dataset with downloading off
// says where to put it, synthetic and folder: specs work, and the normalisation presets are the published ones.
package ai.lethe.data.source;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.ImageShape;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @TempDir Path dir;

    LoadOptions offline() { return new LoadOptions(new DataLocations(dir), null, ImageFolderOptions.defaults()); }

    @Test void namedDatasetsLoadFromTheirFolders() throws Exception {
        TestFiles.mnistFolder(dir.resolve("mnist"), true, new int[] {1, 2}, new int[] {3});
        TestFiles.mnistFolder(dir.resolve("fashion-mnist"), false, new int[] {9}, new int[] {0});
        TestFiles.cifar10Folder(dir.resolve("cifar10"), Cifar10FormatTest.BATCHES, new int[] {3}, false);
        TestFiles.cifar100Folder(dir.resolve("cifar100"), Cifar100FormatTest.TRAIN, Cifar100FormatTest.TEST);

        var mnist = Datasets.load("mnist", offline());
        assertEquals("mnist", mnist.name());
        assertEquals(List.of(2, 1), List.of(mnist.train().size(), mnist.test().size()));
        var fashion = Datasets.load("Fashion_MNIST", offline());
        assertEquals("fashion-mnist", fashion.name());
        assertEquals("Ankle boot", fashion.train().classNames().get(fashion.train().label(0)));
        var cifar10 = Datasets.load("CIFAR-10", offline());
        assertEquals(new ImageShape(3, 32, 32), cifar10.train().shape());
        var cifar100 = Datasets.load("cifar100", offline());
        assertEquals(100, cifar100.train().numClasses());
        var cifar20 = Datasets.load("cifar20", offline());
        assertEquals(20, cifar20.train().numClasses());
        assertEquals(69, cifar20.train().subclasses().orElseThrow().subclass(0));
        assertEquals("cifar20/test", cifar20.test().name());
    }

    @Test void unknownNameListsTheKnownOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Datasets.load("imagenet", offline()));
        assertTrue(e.getMessage().contains("unknown dataset 'imagenet'"), e.getMessage());
        for (String n : List.of("mnist", "fashion-mnist", "cifar10", "cifar100", "cifar20", "synthetic", "folder:PATH"))
            assertTrue(e.getMessage().contains(n), e.getMessage());
        assertEquals(List.of("mnist", "fashion-mnist", "cifar10", "cifar100", "cifar20", "synthetic[:key=value,...]", "folder:PATH"),
                Datasets.names());
    }

    @Test void missingWithDownloadingOffSaysWhereToPutIt() {
        var e = assertThrows(DatasetNotFoundException.class, () -> Datasets.load("cifar100", offline()));
        assertEquals("cifar100", e.dataset());
        assertTrue(e.getMessage().contains("downloading is turned off"), e.getMessage());
        assertTrue(e.getMessage().contains("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve("cifar100").toString()), e.getMessage());
    }

    @Test void syntheticSpecs() throws Exception {
        var tt = Datasets.load("synthetic:classes=3,train=30,test=9,channels=1,size=8", offline());
        assertEquals(3, tt.train().numClasses());
        assertEquals(30, tt.train().size());
        assertEquals(new ImageShape(1, 8, 8), tt.test().shape());
        assertTrue(tt.name().startsWith("synthetic:classes=3,train=30,test=9,channels=1,size=8x8,seed=0"), tt.name());
        assertEquals(2000, Datasets.load("synthetic", offline()).train().size());
        assertThrows(IllegalArgumentException.class, () -> Datasets.load("synthetic:bogus=1", offline()));
    }

    @Test void folderSpec() throws Exception {
        Path root = dir.resolve("pets");
        TestFiles.writeImage(root.resolve("train/cat/0.png"), TestFiles.rgb(6, 6, 0), "png");
        TestFiles.writeImage(root.resolve("train/dog/0.png"), TestFiles.rgb(6, 6, 1), "png");
        TestFiles.writeImage(root.resolve("test/cat/0.png"), TestFiles.rgb(8, 8, 2), "png");
        var tt = Datasets.load("folder:" + root, offline().withFolderOptions(ImageFolderOptions.defaults().withResize(4, 4)));
        assertEquals("folder:" + root.toAbsolutePath(), tt.name());
        assertEquals(new ImageShape(3, 4, 4), tt.test().shape());
        assertEquals(List.of("cat", "dog"), tt.train().classNames());
        var e = assertThrows(java.nio.file.NoSuchFileException.class, () -> Datasets.load("folder:" + dir.resolve("none"), offline()));
        assertTrue(e.getMessage().contains("train"), e.getMessage());
    }

    @Test void normalizationPresets() {
        assertArrayEquals(new float[] {0.1307f}, Datasets.normalization("mnist").orElseThrow().mean());
        assertArrayEquals(new float[] {0.3530f}, Datasets.normalization("fashion-mnist").orElseThrow().std());
        var c10 = Datasets.normalization("CIFAR-10").orElseThrow();
        assertArrayEquals(new float[] {0.4914f, 0.4822f, 0.4465f}, c10.mean());
        assertArrayEquals(new float[] {0.2470f, 0.2435f, 0.2616f}, c10.std());
        assertEquals(Datasets.normalization("cifar100"), Datasets.normalization("cifar20"));
        assertArrayEquals(new float[] {0.2673f, 0.2564f, 0.2762f}, Datasets.normalization("cifar20").orElseThrow().std());
        assertTrue(Datasets.normalization("synthetic").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> new Normalization(new float[] {0.5f}, new float[] {0f}));
        assertThrows(IllegalArgumentException.class, () -> new Normalization(new float[] {0.5f, 0.5f}, new float[] {1f}));
    }

    @Test void normalizationComputedFromData() {
        var tt = SyntheticImages.generate(SyntheticOptions.parse("classes=2,train=20,test=2,channels=2,size=4"));
        var n = Normalization.compute(tt.train());
        assertEquals(2, n.channels());
        double sum = 0, sq = 0;
        float[] img = new float[32];
        for (int i = 0; i < 20; i++) {
            tt.train().readImage(i, img, 0);
            for (int p = 16; p < 32; p++) { sum += img[p]; sq += img[p] * img[p]; }
        }
        double mean = sum / 320;
        assertEquals(mean, n.mean()[1], 1e-6);
        assertEquals(Math.sqrt(sq / 320 - mean * mean), n.std()[1], 1e-5);
    }
}
