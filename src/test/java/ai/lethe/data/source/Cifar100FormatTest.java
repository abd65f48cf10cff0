// CIFAR-100 binary: the same records seen as CIFAR-100 (fine labels) and CIFAR-20 (coarse labels with the fine
// classes as sub-classes and their parents); names from the .txt files or the standard lists; the standard
// superclass table matches the published one; damaged files fail naming the file.
package ai.lethe.data.source;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.ImageShape;
import ai.lethe.data.Subclasses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar100FormatTest {
    @TempDir Path dir;

    // {coarse, fine}: rocket (69) in vehicles_2 (19), apple (0) in fruit_and_vegetables (4), baby (2) in people (14)
    static final int[][] TRAIN = {{19, 69}, {4, 0}, {14, 2}, {19, 69}};
    static final int[][] TEST = {{14, 2}, {19, 69}};

    /** The coarse label of each fine label as commonly published (e.g. in the CIFAR-100 "coarse_labels" tables). */
    static final int[] PUBLISHED_PARENTS = {
            4, 1, 14, 8, 0, 6, 7, 7, 18, 3, 3, 14, 9, 18, 7, 11, 3, 9, 7, 11,
            6, 11, 5, 10, 7, 6, 13, 15, 3, 15, 0, 11, 1, 10, 12, 14, 16, 9, 11, 5,
            5, 19, 8, 8, 15, 13, 14, 17, 18, 10, 16, 4, 17, 4, 2, 0, 17, 4, 18, 17,
            10, 3, 2, 12, 12, 16, 12, 1, 9, 19, 2, 10, 0, 1, 16, 12, 9, 13, 15, 13,
            16, 19, 2, 4, 6, 19, 5, 5, 8, 19, 18, 1, 2, 15, 6, 0, 17, 8, 14, 13};

    @Test void standardNamesAndSuperclasses() {
        assertEquals(100, CifarNames.CIFAR100_FINE.size());
        assertEquals(100, new HashSet<>(CifarNames.CIFAR100_FINE).size());
        assertEquals(20, CifarNames.CIFAR100_COARSE.size());
        assertEquals(CifarNames.CIFAR100_FINE.stream().sorted().toList(), CifarNames.CIFAR100_FINE);
        assertEquals(CifarNames.CIFAR100_FINE.stream().sorted().toList(),
                CifarNames.CIFAR100_SUPERCLASSES.values().stream().flatMap(v -> v.stream()).sorted().toList());
        assertArrayEquals(PUBLISHED_PARENTS, CifarNames.standardParents());
        assertEquals("vehicles_2", CifarNames.CIFAR100_COARSE.get(19));
    }

    @Test void cifar100UsesFineLabels() throws Exception {
        TestFiles.cifar100Folder(dir, TRAIN, TEST);
        var tt = Cifar100Format.read(dir).cifar100("cifar100");
        assertEquals(4, tt.train().size());
        assertEquals(2, tt.test().size());
        assertEquals(new ImageShape(3, 32, 32), tt.test().shape());
        assertEquals(100, tt.train().numClasses());
        assertEquals(69, tt.train().label(0));
        assertEquals("rocket", tt.train().classNames().get(69));
        assertEquals(0, tt.train().label(1));
        assertTrue(tt.train().subclasses().isEmpty());
        var img = tt.train().image(2);
        for (int c = 0; c < 3; c++) assertEquals(TestFiles.pixel(2, c, 17, 4) / 255f, img.get(c, 17, 4));
        assertEquals(TestFiles.pixel(1001, 1, 0, 31) / 255f, tt.test().image(1).get(1, 0, 31));
    }

    @Test void cifar20UsesCoarseLabelsWithFineSubclasses() throws Exception {
        TestFiles.cifar100Folder(dir, TRAIN, TEST);
        var tt = Cifar100Format.read(dir).cifar20("cifar20");
        assertEquals("cifar20/train", tt.train().name());
        assertEquals(20, tt.train().numClasses());
        assertArrayEquals(new int[] {19, 4, 14, 19}, new int[] {tt.train().label(0), tt.train().label(1), tt.train().label(2), tt.train().label(3)});
        assertEquals("vehicles_2", tt.train().classNames().get(tt.train().label(0)));
        Subclasses sub = tt.train().subclasses().orElseThrow();
        assertEquals(CifarNames.CIFAR100_FINE, sub.names());
        assertArrayEquals(new int[] {69, 0, 2, 69}, new int[] {sub.subclass(0), sub.subclass(1), sub.subclass(2), sub.subclass(3)});
        assertEquals(19, sub.parent(69));
        assertEquals(4, sub.parent(0));
        for (int f = 0; f < 100; f++) assertEquals(PUBLISHED_PARENTS[f], sub.parent(f), "parent of " + f);
        assertEquals(2, tt.test().subclasses().orElseThrow().subclass(0));
        // a subset keeps the sub-classes of the samples it picked
        var rockets = tt.train().subset(new int[] {3, 0}, "rockets");
        assertEquals(69, rockets.subclasses().orElseThrow().subclass(0));
        assertEquals(3, rockets.sourceIndex(0));
        assertEquals(TestFiles.pixel(3, 0, 1, 1) / 255f, rockets.image(0).get(0, 1, 1));
    }

    @Test void namesFromTheTextFiles() throws Exception {
        TestFiles.cifar100Folder(dir, TRAIN, TEST);
        Path d = dir.resolve("cifar-100-binary");
        var fine = new StringBuilder();
        for (int i = 0; i < 100; i++) fine.append("f").append(i).append('\n');
        var coarse = new StringBuilder();
        for (int i = 0; i < 20; i++) coarse.append("c").append(i).append("\n\n");
        Files.writeString(d.resolve("fine_label_names.txt"), fine);
        Files.writeString(d.resolve("coarse_label_names.txt"), coarse);
        var loaded = Cifar100Format.read(d);
        assertEquals("f69", loaded.cifar100("cifar100").train().classNames().get(69));
        assertEquals("c19", loaded.cifar20("cifar20").train().classNames().get(19));
        assertEquals("f69", loaded.cifar20("cifar20").train().subclasses().orElseThrow().names().get(69));
    }

    @Test void badRecordLength() throws Exception {
        TestFiles.cifar100Folder(dir, TRAIN, TEST);
        Path train = dir.resolve("cifar-100-binary/train.bin");
        Files.write(train, Arrays.copyOf(Files.readAllBytes(train), 3073 * 2));   // CIFAR-10-sized records
        var e = assertThrows(DatasetFormatException.class, () -> Cifar100Format.read(dir));
        assertEquals(train, e.file());
        assertTrue(e.problem().contains("3074-byte records (2 label bytes + 3072 pixel bytes)"), e.getMessage());
    }

    @Test void fineLabelOutOfRange() throws Exception {
        TestFiles.cifar100Folder(dir, TRAIN, new int[][] {{3, 100}});
        var e = assertThrows(DatasetFormatException.class, () -> Cifar100Format.read(dir));
        assertEquals(dir.resolve("cifar-100-binary/test.bin"), e.file());
        assertEquals("fine label 100 of record 0 is out of range [0, 100)", e.problem());
    }

    @Test void coarseLabelOutOfRange() throws Exception {
        TestFiles.cifar100Folder(dir, new int[][] {{20, 1}}, TEST);
        var e = assertThrows(DatasetFormatException.class, () -> Cifar100Format.read(dir));
        assertEquals("coarse label 20 of record 0 is out of range [0, 20)", e.problem());
    }

    @Test void fineClassInTwoSuperclasses() throws Exception {
        TestFiles.cifar100Folder(dir, TRAIN, new int[][] {{19, 69}, {18, 69}});
        var e = assertThrows(DatasetFormatException.class, () -> Cifar100Format.read(dir));
        assertEquals(dir.resolve("cifar-100-binary/test.bin"), e.file());
        assertTrue(e.problem().contains("fine class 69 (rocket) in superclass 18 (vehicles_1)"), e.getMessage());
    }
}
