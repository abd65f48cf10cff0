// ClassSelection and the NAME@LIST dataset form: lists parse and print (ranges, order kept, errors naming the
// argument), a selection keeps exactly the listed classes' samples relabelled by list position, and Datasets.load
// gives the selection of both parts by name (with the base dataset's normalisation preset).
package ai.lethe.data;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.source.Datasets;
import org.junit.jupiter.api.Test;

class ClassSelectionTest {
    @Test void listsParseAndPrint() {
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, ClassSelection.parse("0-5", "x"));
        assertArrayEquals(new int[] {9, 1, 2, 3}, ClassSelection.parse("9,1-3", "x"));
        assertEquals("0-5", ClassSelection.format(new int[] {0, 1, 2, 3, 4, 5}));
        assertEquals("0,1,8,9", ClassSelection.format(new int[] {0, 1, 8, 9}));
        assertEquals("9,1-3", ClassSelection.format(new int[] {9, 1, 2, 3}));
        for (String[] bad : new String[][] {{"", "not a class list"}, {"a", "not a class list"}, {"3-1", "reversed"}, {"1,1", "twice"},
                {"0-2,2", "twice"}}) {
            var e = assertThrows(IllegalArgumentException.class, () -> ClassSelection.parse(bad[0], "--target-classes"));
            assertTrue(e.getMessage().startsWith("--target-classes") && e.getMessage().contains(bad[1]), e.getMessage());
        }
    }

    @Test void keepsTheListedClassesRelabelled() throws Exception {
        TrainTest all = Datasets.load("synthetic:classes=5,train=100,test=20,channels=1,size=8,seed=1");
        ClassSelection s = new ClassSelection(all.train(), new int[] {3, 1});
        int expected = 0;
        for (int i = 0; i < all.train().size(); i++) if (all.train().label(i) == 3 || all.train().label(i) == 1) expected++;
        assertEquals(expected, s.size());
        assertEquals(java.util.List.of(all.train().classNames().get(3), all.train().classNames().get(1)), s.classNames());
        float[] a = new float[64], b = new float[64];
        for (int i = 0; i < s.size(); i++) {
            int src = s.sourceIndex(i);
            assertEquals(all.train().label(src) == 3 ? 0 : 1, s.label(i), "sample " + i);
            s.readImage(i, a, 0);
            all.train().readImage(src, b, 0);
            assertArrayEquals(b, a);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> new ClassSelection(all.train(), new int[] {5}));
        assertTrue(e.getMessage().contains("class 5 is outside [0, 5)"), e.getMessage());

        TrainTest named = Datasets.load("synthetic:classes=5,train=100,test=20,channels=1,size=8,seed=1@1,3");
        assertEquals(2, named.train().numClasses());
        assertTrue(named.name().endsWith("@1,3"), named.name());
        assertEquals(all.test().size() - java.util.stream.IntStream.range(0, all.test().size())
                .filter(i -> all.test().label(i) != 1 && all.test().label(i) != 3).count(), named.test().size());
        assertEquals(Datasets.normalization("fashion-mnist"), Datasets.normalization("fashion-mnist@6-9"));
        assertTrue(Datasets.normalization("fashion-mnist@6-9").isPresent());
        var bad = assertThrows(IllegalArgumentException.class, () -> Datasets.load("synthetic:classes=3,train=30,test=9@2-4"));
        assertTrue(bad.getMessage().contains("class 3 is outside [0, 3)"), bad.getMessage());
    }
}
