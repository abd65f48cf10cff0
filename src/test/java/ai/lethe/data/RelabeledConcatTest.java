// The dataset wrappers of the training-based unlearning methods: Relabeled keeps images and replaces labels
// (uniform ones cover every class; random wrong ones never give a sample its own label), Concat indexes its
// parts one after another, and both refuse bad input.
package ai.lethe.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RelabeledConcatTest {
    /** n 1×1×1 images whose pixel is the sample's index, labelled index % classes. */
    static Dataset tiny(String name, int n, int classes, float base) {
        List<String> names = java.util.stream.IntStream.range(0, classes).mapToObj(i -> "c" + i).toList();
        return new Dataset() {
            @Override public String name() { return name; }
            @Override public int size() { return n; }
            @Override public ImageShape shape() { return new ImageShape(1, 1, 1); }
            @Override public List<String> classNames() { return names; }
            @Override public int label(int index) { return index % classes; }
            @Override public void readImage(int index, float[] dst, int offset) { dst[offset] = base + index; }
        };
    }

    static float pixel(Dataset d, int i) {
        float[] v = new float[1];
        d.readImage(i, v, 0);
        return v[0];
    }

    @Test void randomWrongLabelsAreNeverTheTrueLabelAndCoverTheOthers() {
        Dataset d = tiny("d", 3000, 5, 0);
        Relabeled r = Relabeled.randomWrong(d, new SplittableRandom(7));
        int[][] counts = new int[5][5];
        for (int i = 0; i < d.size(); i++) {
            assertNotEquals(d.label(i), r.label(i), "sample " + i);
            assertEquals(pixel(d, i), pixel(r, i));
            counts[d.label(i)][r.label(i)]++;
        }
        // 600 samples per true class spread over 4 wrong classes: ~150 each; 100 is > 5 standard deviations below.
        for (int y = 0; y < 5; y++) for (int z = 0; z < 5; z++) if (y != z) assertTrue(counts[y][z] > 100, y + "->" + z + ": " + counts[y][z]);
        assertEquals(r.label(5), Relabeled.randomWrong(d, new SplittableRandom(7)).label(5), "seeded");
    }

    @Test void uniformLabelsCoverEveryClassIncludingTheTrueOne() {
        Dataset d = tiny("d", 2000, 4, 0);
        Relabeled r = Relabeled.uniform(d, new SplittableRandom(1));
        int same = 0;
        int[] counts = new int[4];
        for (int i = 0; i < d.size(); i++) {
            counts[r.label(i)]++;
            if (r.label(i) == d.label(i)) same++;
        }
        for (int c : counts) assertTrue(c > 400, "class count " + c);   // expected 500, sd ~19
        assertTrue(same > 400 && same < 600, "kept the true label " + same + " times; expected ~500");
    }

    @Test void concatIndexesItsPartsInOrder() {
        Dataset a = tiny("a", 3, 2, 100), empty = tiny("e", 0, 2, 0), b = tiny("b", 4, 2, 200);
        Concat c = Concat.of(a, empty, b);
        assertEquals(7, c.size());
        assertEquals("a + e + b", c.name());
        float[] want = {100, 101, 102, 200, 201, 202, 203};
        int[] parts = {0, 0, 0, 2, 2, 2, 2};
        for (int i = 0; i < 7; i++) {
            assertEquals(want[i], pixel(c, i), "sample " + i);
            assertEquals(parts[i], c.partOf(i), "part of " + i);
        }
        assertEquals(1, c.label(4));   // b's sample 1
        assertEquals(3, c.offset(2));
        assertThrows(IndexOutOfBoundsException.class, () -> c.partOf(7));
    }

    @Test void badInputIsRefused() {
        Dataset d = tiny("d", 3, 2, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> new Relabeled(d, new int[] {0, 1}, "x"));
        assertTrue(e.getMessage().contains("2 labels for 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Relabeled(d, new int[] {0, 1, 2}, "x"));
        assertTrue(e.getMessage().contains("label 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Concat.of(d, tiny("t", 3, 3, 0)));
        assertTrue(e.getMessage().contains("classes"), e.getMessage());
    }
}
