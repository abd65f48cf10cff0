// Image folders: classes sorted by folder name, files by name; grey and colour PNGs read exactly (JPEG
// approximately), channels converted both ways, the first image deciding channels and size unless told, resizing
// on request; an undecodable file and an image of another size fail naming the file.
package ai.lethe.data.source;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.ImageShape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderFormatTest {
    @TempDir Path dir;

    @Test void classesAndFilesAreSorted() throws Exception {
        TestFiles.writeImage(dir.resolve("zebra/b.png"), TestFiles.grey(4, 3, 1), "png");
        TestFiles.writeImage(dir.resolve("zebra/a.png"), TestFiles.grey(4, 3, 2), "png");
        TestFiles.writeImage(dir.resolve("ant/x.PNG"), TestFiles.grey(4, 3, 3), "png");
        Files.writeString(dir.resolve("ant/notes.txt"), "ignored");
        Files.createDirectories(dir.resolve(".hidden"));
        var ds = ImageFolderFormat.load(dir, "f", ImageFolderOptions.defaults(), null);
        assertEquals(List.of("ant", "zebra"), ds.classNames());
        assertEquals(3, ds.size());
        assertEquals(new ImageShape(1, 3, 4), ds.shape());
        assertArrayEquals(new int[] {0, 1, 1}, ds.labels());
        // zebra/a.png (seed 2) comes before zebra/b.png (seed 1)
        assertEquals(TestFiles.pixel(2, 0, 2, 3) / 255f, ds.image(1).get(0, 2, 3));
        assertEquals(TestFiles.pixel(1, 0, 0, 1) / 255f, ds.image(2).get(0, 0, 1));
    }

    @Test void colourPngIsReadExactlyAsChwPlanes() throws Exception {
        TestFiles.writeImage(dir.resolve("c/0.png"), TestFiles.rgb(5, 6, 7), "png");
        var ds = ImageFolderFormat.load(dir, "f", ImageFolderOptions.defaults(), null);
        assertEquals(new ImageShape(3, 6, 5), ds.shape());
        var img = ds.image(0);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 6; y++)
                for (int x = 0; x < 5; x++) assertEquals(TestFiles.pixel(7, c, y, x) / 255f, img.get(c, y, x));
    }

    @Test void channelConversions() throws Exception {
        TestFiles.writeImage(dir.resolve("c/0.png"), TestFiles.rgb(2, 2, 0), "png");
        TestFiles.writeImage(dir.resolve("c/1.png"), TestFiles.grey(2, 2, 1), "png");
        var grey = ImageFolderFormat.load(dir, "f", ImageFolderOptions.defaults().withChannels(1), null);
        assertEquals(1, grey.shape().channels());
        int r = TestFiles.pixel(0, 0, 1, 1), g = TestFiles.pixel(0, 1, 1, 1), b = TestFiles.pixel(0, 2, 1, 1);
        assertEquals(Math.round(0.299 * r + 0.587 * g + 0.114 * b), Math.round(grey.image(0).get(0, 1, 1) * 255));
        var colour = ImageFolderFormat.load(dir, "f", ImageFolderOptions.defaults(), null);   // first image is RGB
        assertEquals(3, colour.shape().channels());
        for (int c = 0; c < 3; c++) assertEquals(TestFiles.pixel(1, 0, 0, 1) / 255f, colour.image(1).get(c, 0, 1));
    }

    @Test void jpegDecodes() throws Exception {
        var img = new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) img.setRGB(x, y, 0x4080C0);
        TestFiles.writeImage(dir.resolve("c/0.jpg"), img, "jpg");
        var ds = ImageFolderFormat.load(dir, "f", ImageFolderOptions.defaults(), null);
        assertEquals(new ImageShape(3, 8, 8), ds.shape());
        assertEquals(0x40 / 255f, ds.image(0).get(0, 4, 4), 3 / 255f);
        assertEquals(0xC0 / 255f, ds.image(0).get(2, 4, 4), 3 / 255f);
    }

    @Test void resizeBringsImagesToOneSize() throws Exception {
        var flat = new java.awt.image.BufferedImage(6, 4, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 6; x++) flat.getRaster().setSample(x, y, 0, 200);
        TestFiles.writeImage(dir.resolve("c/0.png"), flat, "png");
        TestFiles.writeImage(dir.resolve("c/1.png"), TestFiles.grey(3, 3, 5), "png");
        var ds = ImageFolderFormat.load(dir, "f", ImageFolderOptions.defaults().withResize(3, 3), null);
        assertEquals(new ImageShape(1, 3, 3), ds.shape());
        assertEquals(200 / 255f, ds.image(0).get(0, 1, 2));                            // a flat image stays flat
        assertEquals(TestFiles.pixel(5, 0, 2, 1) / 255f, ds.image(1).get(0, 2, 1));   // same size: untouched
    }

    @Test void mismatchedSizeNamesTheFile() throws Exception {
        TestFiles.writeImage(dir.resolve("a/0.png"), TestFiles.grey(4, 4, 0), "png");
        Path odd = TestFiles.writeImage(dir.resolve("b/odd.png"), TestFiles.grey(5, 4, 1), "png");
        var e = assertThrows(DatasetFormatException.class,
                () -> ImageFolderFormat.load(dir, "f", ImageFolderOptions.defaults(), null));
        assertEquals(odd, e.file());
        assertTrue(e.problem().contains("image is 4x5") && e.problem().contains("resize"), e.getMessage());
    }

    @Test void undecodableImageNamesTheFile() throws Exception {
        TestFiles.writeImage(dir.resolve("a/0.png"), TestFiles.grey(4, 4, 0), "png");
        Path bad = TestFiles.write(dir.resolve("a/1.png"), "this is not a png".getBytes());
        var e = assertThrows(DatasetFormatException.class,
                () -> ImageFolderFormat.load(dir, "f", ImageFolderOptions.defaults(), null));
        assertEquals(bad, e.file());
        assertTrue(e.problem().startsWith("cannot decode the image"), e.getMessage());
    }

    @Test void truncatedPngNamesTheFile() throws Exception {
        Path png = TestFiles.writeImage(dir.resolve("a/0.png"), TestFiles.rgb(64, 64, 0), "png");
        byte[] b = Files.readAllBytes(png);
        Files.write(png, java.util.Arrays.copyOf(b, b.length / 2));
        var e = assertThrows(DatasetFormatException.class,
                () -> ImageFolderFormat.load(dir, "f", ImageFolderOptions.defaults(), null));
        assertEquals(png, e.file());
    }

    @Test void emptyClassFolderIsAnError() throws Exception {
        TestFiles.writeImage(dir.resolve("a/0.png"), TestFiles.grey(4, 4, 0), "png");
        Files.createDirectories(dir.resolve("b"));
        var e = assertThrows(DatasetFormatException.class,
                () -> ImageFolderFormat.load(dir, "f", ImageFolderOptions.defaults(), null));
        assertEquals(dir.resolve("b"), e.file());
    }

    @Test void trainTestPairSharesClassesAndShape() throws Exception {
        TestFiles.writeImage(dir.resolve("train/cat/0.png"), TestFiles.grey(4, 4, 0), "png");
        TestFiles.writeImage(dir.resolve("train/dog/0.png"), TestFiles.grey(4, 4, 1), "png");
        TestFiles.writeImage(dir.resolve("test/dog/0.png"), TestFiles.rgb(4, 4, 2), "png");   // colour: made grey
        var tt = ImageFolderFormat.loadTrainTest(dir, "pets", ImageFolderOptions.defaults());
        assertEquals(List.of("cat", "dog"), tt.test().classNames());
        assertEquals(1, tt.test().label(0));
        assertEquals(new ImageShape(1, 4, 4), tt.test().shape());

        TestFiles.writeImage(dir.resolve("test/bird/0.png"), TestFiles.grey(4, 4, 2), "png");
        var e = assertThrows(DatasetFormatException.class, () -> ImageFolderFormat.loadTrainTest(dir, "pets", ImageFolderOptions.defaults()));
        assertTrue(e.problem().contains("'bird' is not one of the train classes"), e.getMessage());
    }

    @Test void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> ImageFolderOptions.defaults().withChannels(2));
        assertThrows(IllegalArgumentException.class, () -> ImageFolderOptions.defaults().withResize(0, 4));
    }
}
