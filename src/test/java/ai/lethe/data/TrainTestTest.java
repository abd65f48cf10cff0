// A dataset's train/test pair: parts of different image shapes or classes, or an empty part, are refused with a
// message naming both parts and what differs (an empty test set used to train and report NaN% accuracy).
package ai.lethe.data;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.source.ByteImageDataset;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainTestTest {
    static ByteImageDataset part(String name, ImageShape shape, List<String> classes, int n) {
        return new ByteImageDataset(name, shape, classes, new byte[n * shape.size()], new int[n]);
    }

    static final ImageShape S = new ImageShape(1, 4, 4);
    static final List<String> C = List.of("a", "b");

    @Test void acceptsMatchingParts() {
        var tt = new TrainTest("d", part("d/train", S, C, 3), part("d/test", S, C, 2));
        assertEquals(2, tt.test().size());
    }

    @Test void shapeMismatchNamesBothPartsAndShapes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TrainTest("d", part("d/train", S, C, 3), part("d/test", new ImageShape(1, 5, 4), C, 2)));
        assertTrue(e.getMessage().contains("d/train") && e.getMessage().contains("d/test") && e.getMessage().contains(S.toString())
                && e.getMessage().contains(new ImageShape(1, 5, 4).toString()), e.getMessage());
    }

    @Test void classMismatchNamesBothParts() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TrainTest("d", part("d/train", S, C, 3), part("d/test", S, List.of("a", "c"), 2)));
        assertTrue(e.getMessage().contains("d/train") && e.getMessage().contains("[a, c]"), e.getMessage());
    }

    @Test void anEmptyPartIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new TrainTest("d", part("d/train", S, C, 3), part("d/test", S, C, 0)));
        assertTrue(e.getMessage().contains("test part (d/test) holds no images"), e.getMessage());
    }
}
