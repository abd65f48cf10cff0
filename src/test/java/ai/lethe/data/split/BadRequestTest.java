// Every bad forget request is an IllegalArgumentException that names the argument and says what is wrong; a
// broken split file is an IOException naming the file.
package ai.lethe.data.split;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.loader.TinyDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadRequestTest {
    private static final Dataset TRAIN = SplitTest.TRAIN, TEST = SplitTest.TEST;
    private static final Dataset FLAT = new TinyDataset("flat/train", 50, new ImageShape(1, 2, 2), 5, false, -1);

    @TempDir Path dir;

    private static void parseFails(String arg, String... fragments) {
        var e = assertThrows(IllegalArgumentException.class, () -> ForgetRequest.parse(arg), arg);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage());
    }

    private static void splitFails(Dataset train, Dataset test, String arg, String... fragments) {
        var e = assertThrows(IllegalArgumentException.class, () -> Split.of(train, test, ForgetRequest.parse(arg), 0), arg);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage());
    }

    @Test void syntax() {
        parseFails("", "empty forget request", "class=K");
        parseFails("class", "'class'", "expected class=K");
        parseFails("class=", "'class='", "no value");
        parseFails("klass=3", "'klass=3'", "unknown kind 'klass'");
        parseFails("class=three", "'class=three'", "whole number", "'three'");
        parseFails("class=-1", "'class=-1'", ">= 0");
        parseFails("class=99999999999", "too large");
        parseFails("subclass=-2", "'subclass=-2'", ">= 0");
    }

    @Test void classOutOfRange() {
        splitFails(TRAIN, TEST, "class=4", "'class=4'", "class 4 is out of range", "4 classes (0..3)");
    }

    @Test void subclasses() {
        splitFails(TRAIN, TEST, "subclass=fine55", "'subclass=fine55'", "unknown sub-class 'fine55'", "closest: fine5", "8 sub-classes");
        splitFails(TRAIN, TEST, "subclass=8", "sub-class 8 is out of range", "0..7");
        splitFails(FLAT, FLAT, "subclass=rocket", "'subclass=rocket'", "flat/train has no sub-classes");
        splitFails(TRAIN, FLAT, "subclass=fine1", "test set flat/train has no sub-classes");
        assertArrayEquals(Split.of(TRAIN, TEST, ForgetRequest.parse("subclass=FINE3"), 0).forget(),
                Split.of(TRAIN, TEST, ForgetRequest.parse("subclass=3"), 0).forget(), "names match ignoring case");
    }

    @Test void random() {
        parseFails("random=0", "'random=0'", "at least 1");
        parseFails("random=1.0", "'random=1.0'", "outside (0, 1)");
        parseFails("random=1.5", "outside (0, 1)");
        parseFails("random=-0.1", "outside (0, 1)");
        parseFails("random=lots", "'random=lots'", "a count", "a fraction");
        splitFails(TRAIN, TEST, "random=101", "'random=101'", "asks for 101 samples", "only 100");
        splitFails(TRAIN, TEST, "random=0.001", "'random=0.001'", "is no sample");
    }

    @Test void indexFiles() throws IOException {
        Path missing = dir.resolve("nope.txt");
        parseFails("indices=" + missing, "'indices=" + missing + "'", "does not exist");
        Path bad = dir.resolve("bad.txt");
        Files.writeString(bad, "1\n2\nfoo\n");
        parseFails("indices=" + bad, "line 3", "'foo' is not an index");
        Files.writeString(bad, "1\n-4\n");
        parseFails("indices=" + bad, "line 2", "index -4 is negative");
        Files.writeString(bad, "5\n# c\n6\n5\n");
        parseFails("indices=" + bad, "index 5 appears twice (lines 1 and 4)");
        Files.writeString(bad, "# only a comment\n\n");
        parseFails("indices=" + bad, "lists no index");
        Files.writeString(bad, "3\n100\n");
        splitFails(TRAIN, TEST, "indices=" + bad, "'indices=" + bad + "'", "index 100 is out of range", "100 samples (0..99)");
        var e = assertThrows(IllegalArgumentException.class, () -> IndexForget.of(1, 2, 1));
        assertTrue(e.getMessage().contains("index 1 appears twice"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IndexForget.of());
    }

    @Test void emptyClass() {
        Dataset few = new TinyDataset("few/train", 3, new ImageShape(1, 1, 1), 5, false, -1);   // labels 0, 1, 2
        splitFails(few, few, "class=4", "class 4 (class4) has no sample in few/train");
    }

    @Test void brokenSplitFiles() throws IOException {
        assertThrows(NoSuchFileException.class, () -> Split.read(dir.resolve("missing.json")));
        Path f = dir.resolve("split.json");
        Files.writeString(f, "{ not json");
        var e = assertThrows(IOException.class, () -> Split.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("not valid JSON"), e.getMessage());
        String good = Split.of(TRAIN, TEST, ForgetRequest.parse("class=1"), 0).toJson();
        Files.writeString(f, good.replace("\"forget\" : [ 1, 5,", "\"forget\" : [ 5, 1,"));
        e = assertThrows(IOException.class, () -> Split.read(f));
        assertTrue(e.getMessage().contains("not sorted"), e.getMessage());
        Files.writeString(f, good.replace("lethe-split/1", "lethe-split/9"));
        e = assertThrows(IOException.class, () -> Split.read(f));
        assertTrue(e.getMessage().contains("format is 'lethe-split/9'"), e.getMessage());
    }
}
