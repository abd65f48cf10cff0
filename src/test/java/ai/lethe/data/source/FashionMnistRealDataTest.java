// The real Fashion-MNIST from Debian's dataset-fashion-mnist package, when this machine has it: 60,000 / 10,000
// images of 1x28x28 in 10 balanced classes, the first training image an ankle boot, and the published
// normalisation constants reproduced from the pixels.
package ai.lethe.data.source;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.TrainTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistRealDataTest {
    static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");
    static TrainTest data;

    @BeforeAll static void load(@TempDir Path empty) throws Exception {
        assumeTrue(MnistFormat.isPresent(DEBIAN),
                "Fashion-MNIST is not installed at " + DEBIAN + " (apt-get install dataset-fashion-mnist); skipping the real-data checks");
        var options = new LoadOptions(new DataLocations(List.of(empty), Map.of("fashion-mnist", List.of(DEBIAN))),
                null, ImageFolderOptions.defaults());
        data = Datasets.load("fashion-mnist", options);
    }

    @Test void sizesShapeAndClasses() {
        assertEquals(60_000, data.train().size());
        assertEquals(10_000, data.test().size());
        assertEquals(new ImageShape(1, 28, 28), data.train().shape());
        assertEquals(10, data.train().numClasses());
        assertEquals(MnistFormat.FASHION_MNIST_CLASSES, data.test().classNames());
    }

    @Test void balancedLabels() {
        assertArrayEquals(filled(6_000), histogram(data.train()));
        assertArrayEquals(filled(1_000), histogram(data.test()));
    }

    @Test void firstTrainingImageIsAnAnkleBoot() {
        assertEquals(9, data.train().label(0));
        assertEquals("Ankle boot", data.train().classNames().get(data.train().label(0)));
        float[] img = new float[784];
        data.train().readImage(0, img, 0);
        float max = 0;
        for (float v : img) {
            assertTrue(v >= 0 && v <= 1);
            max = Math.max(max, v);
        }
        assertEquals(1f, max, "the first image uses the full range");
        assertEquals(0f, img[0], "its corner is background");
    }

    @Test void presetNormalizationMatchesThePixels() {
        var n = Normalization.compute(data.train());
        var preset = Normalization.preset("fashion-mnist").orElseThrow();
        assertEquals(preset.mean()[0], n.mean()[0], 5e-5);
        assertEquals(preset.std()[0], n.std()[0], 5e-5);
    }

    @Test void foundInTheSystemFolder() {
        assertTrue(Files.isDirectory(DEBIAN));
        assertEquals(DEBIAN, new DataLocations(List.of(Path.of("/nonexistent-lethe-root")), DataLocations.SYSTEM_FOLDERS)
                .find("fashion-mnist", MnistFormat::isPresent).orElseThrow());
    }

    static int[] histogram(Dataset d) {
        int[] h = new int[d.numClasses()];
        for (int i = 0; i < d.size(); i++) h[d.label(i)]++;
        return h;
    }

    static int[] filled(int v) {
        int[] a = new int[10];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
