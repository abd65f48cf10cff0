// Splits of a tiny dataset: sizes, Df and Dr partition the training set, class / sub-class membership, the
// forget-test and retain-test sets of each kind, dataset views, reproducibility from the seed, JSON round trips.
package ai.lethe.data.split;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.TrainTest;
import ai.lethe.data.loader.TinyDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitTest {
    static final ImageShape SHAPE = new ImageShape(1, 2, 2);
    // 4 labels, 8 fine classes (fine s has parent s % 4; sample i is fine i % 8, label i % 4)
    static final Dataset TRAIN = new TinyDataset("tiny20/train", 100, SHAPE, 4, true, -1);
    static final Dataset TEST = new TinyDataset("tiny20/test", 40, SHAPE, 4, true, -1);

    @TempDir Path dir;

    private static void assertPartition(int[] a, int[] b, int n) {
        int[] all = IntStream.concat(IntStream.of(a), IntStream.of(b)).sorted().toArray();
        assertArrayEquals(IntStream.range(0, n).toArray(), all, "together they are 0..n-1, each once");
        assertTrue(IntStream.of(a).noneMatch(v -> IntStream.of(b).anyMatch(w -> w == v)), "disjoint");
    }

    private static void assertSorted(int[] a) {
        for (int i = 1; i < a.length; i++) assertTrue(a[i - 1] < a[i], "sorted at " + i);
    }

    @Test void classSplit() {
        Split s = Split.of(TRAIN, TEST, ForgetRequest.parse("class=2"), 0);
        assertEquals(25, s.forget().length);
        assertEquals(75, s.retain().length);
        assertPartition(s.forget(), s.retain(), 100);
        assertSorted(s.forget());
        assertTrue(IntStream.of(s.forget()).allMatch(i -> TRAIN.label(i) == 2));
        assertTrue(IntStream.of(s.retain()).noneMatch(i -> TRAIN.label(i) == 2));
        assertFalse(s.forgetTestFromTrain());
        assertEquals(10, s.forgetTest().length);
        assertTrue(IntStream.of(s.forgetTest()).allMatch(i -> TEST.label(i) == 2));
        assertPartition(s.forgetTest(), s.retainTest(), 40);

        SplitSets sets = s.sets(TRAIN, TEST);
        assertEquals(25, sets.forget().size());
        assertEquals(75, sets.retain().size());
        assertEquals(10, sets.forgetTest().size());
        assertEquals(30, sets.retainTest().size());
        for (int k = 0; k < sets.forget().size(); k++) assertEquals(2, sets.forget().label(k));
        for (int k = 0; k < sets.retainTest().size(); k++) assertNotEquals(2, sets.retainTest().label(k));
        assertEquals(s.forget()[3], sets.forget().sourceIndex(3));
        assertEquals(s.forgetTest()[1], sets.forgetTest().sourceIndex(1));
    }

    @Test void subclassSplitByNameAndIndex() {
        Split byName = Split.of(TRAIN, TEST, ForgetRequest.parse("subclass=fine5"), 0);
        Split byIndex = Split.of(TRAIN, TEST, ForgetRequest.parse("subclass=5"), 0);
        assertArrayEquals(byName.forget(), byIndex.forget());
        var sub = TRAIN.subclasses().orElseThrow();
        assertArrayEquals(IntStream.range(0, 100).filter(i -> i % 8 == 5).toArray(), byName.forget());
        assertTrue(IntStream.of(byName.forget()).allMatch(i -> sub.subclass(i) == 5 && TRAIN.label(i) == sub.parent(5)));
        assertPartition(byName.forget(), byName.retain(), 100);
        // retain still holds the other fine class of the same label (fine 1, label 1)
        assertTrue(IntStream.of(byName.retain()).anyMatch(i -> TRAIN.label(i) == 1));
        assertArrayEquals(IntStream.range(0, 40).filter(i -> i % 8 == 5).toArray(), byName.forgetTest());
        assertPartition(byName.forgetTest(), byName.retainTest(), 40);
        assertEquals(5, byName.sets(TRAIN, TEST).forgetTest().size());
    }

    @Test void randomSplitByCountAndFraction() {
        Split s = Split.of(TRAIN, TEST, ForgetRequest.parse("random=13"), 7);
        assertEquals(13, s.forget().length);
        assertPartition(s.forget(), s.retain(), 100);
        assertSorted(s.forget());
        assertTrue(s.forgetTestFromTrain());
        assertArrayEquals(s.forget(), s.forgetTest(), "the forget set is its own forget-test set");
        assertArrayEquals(IntStream.range(0, 40).toArray(), s.retainTest(), "the whole test set");
        SplitSets sets = s.sets(TRAIN, TEST);
        assertEquals(TRAIN.name() + " forget [random=13]", sets.forgetTest().name());
        assertEquals(s.forget()[0], sets.forgetTest().sourceIndex(0));

        assertEquals(10, Split.of(TRAIN, TEST, ForgetRequest.parse("random=0.1"), 7).forget().length);
        assertEquals(100, Split.of(TRAIN, TEST, RandomForget.count(100), 7).forget().length);
    }

    @Test void randomSplitIsReproducibleFromTheSeed() {
        Split a = Split.of(TRAIN, TEST, ForgetRequest.parse("random=20"), 42);
        assertEquals(a, Split.of(TRAIN, TEST, ForgetRequest.parse("random=20"), 42));
        assertFalse(Arrays.equals(a.forget(), Split.of(TRAIN, TEST, ForgetRequest.parse("random=20"), 43).forget()));
        // the same dataset through TrainTest: same indices, named by the TrainTest
        Split b = Split.of(new TrainTest("tiny20", TRAIN, TEST), ForgetRequest.parse("random=20"), 42);
        assertEquals("tiny20", b.dataset());
        assertArrayEquals(a.forget(), b.forget());
    }

    @Test void randomSampleIsRoughlyUniform() {
        int[] hits = new int[10];
        for (int seed = 0; seed < 3000; seed++) for (int v : SplitMaker.sample(10, 3, seed)) hits[v]++;
        for (int h : hits) assertTrue(h > 800 && h < 1000, Arrays.toString(hits));   // expected 900
    }

    @Test void indexSplitFromAFileAndFromCode() throws IOException {
        Path file = dir.resolve("delete.txt");
        Files.writeString(file, "# deletion request\n42\n\n7   # a comment\n  99\n");
        Split s = Split.of(TRAIN, TEST, ForgetRequest.parse("indices=" + file), 0);
        assertArrayEquals(new int[] {7, 42, 99}, s.forget());
        assertArrayEquals(s.forget(), s.forgetTest());
        assertTrue(s.forgetTestFromTrain());
        assertPartition(s.forget(), s.retain(), 100);
        assertEquals(40, s.retainTest().length);
        assertArrayEquals(s.forget(), Split.of(TRAIN, TEST, IndexForget.of(99, 7, 42), 0).forget());
    }

    @Test void jsonRoundTrip() throws IOException {
        Path file = dir.resolve("idx.txt");
        Files.writeString(file, "3\n1\n");
        for (ForgetRequest r : new ForgetRequest[] {ForgetRequest.parse("class=1"), ForgetRequest.parse("subclass=fine6"),
                ForgetRequest.parse("subclass=2"), ForgetRequest.parse("random=0.25"), ForgetRequest.parse("random=9"),
                ForgetRequest.parse("indices=" + file), IndexForget.of(5, 50)}) {
            Split s = Split.of(TRAIN, TEST, r, 1234567890123L);
            Path out = dir.resolve(r.kind() + ".json");
            s.write(out);
            Split back = Split.read(out);
            assertEquals(s, back, r.spec());
            assertEquals(r, back.request());
            assertEquals(s, Split.fromJson(s.toJson()));
        }
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test void jsonHasTheHeaderFields() {
        String json = Split.of(TRAIN, TEST, ForgetRequest.parse("class=3"), 5).toJson();
        for (String field : new String[] {"\"format\" : \"lethe-split/1\"", "\"dataset\" : \"tiny20/train\"", "\"request\" : \"class=3\"",
                "\"kind\" : \"class\"", "\"seed\" : 5", "\"trainSize\" : 100", "\"testSize\" : 40", "\"forgetTestFrom\" : \"test\"",
                "\"forget\" : 25", "\"retainTest\" : 30"})
            assertTrue(json.contains(field), field + " in\n" + json.substring(0, 400));
    }

    @Test void writeReplacesAnExistingSplit() throws IOException {
        Path out = dir.resolve("split.json");
        Split.of(TRAIN, TEST, ForgetRequest.parse("class=0"), 0).write(out);
        Split second = Split.of(TRAIN, TEST, ForgetRequest.parse("random=5"), 0);
        second.write(out);
        assertEquals(second, Split.read(out));
    }

    @Test void viewsNeedTheRightDatasets() {
        Split s = Split.of(TRAIN, TEST, ForgetRequest.parse("class=0"), 0);
        var e = assertThrows(IllegalArgumentException.class, () -> s.sets(TEST, TEST));
        assertTrue(e.getMessage().contains("100 training and 40 test samples"), e.getMessage());
    }

    @Test void aSplitFileThatIsNotUtf8IsNamed() throws IOException {
        Path f = Files.write(dir.resolve("latin1.json"), new byte[] {'{', '"', (byte) 0xE9, '"', '}'});
        var e = assertThrows(IOException.class, () -> Split.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("not UTF-8"), e.getMessage());
    }
}
