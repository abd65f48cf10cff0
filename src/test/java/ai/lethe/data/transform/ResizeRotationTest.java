// Resize against torch's F.interpolate(bilinear, align_corners=False, antialias=False) and rotation against
// torchvision's rotate(BILINEAR, fill=None) (fixture: src/test/resources/data/transform/transform_fixtures.json,
// written by transform_fixtures.py next to it), plus quarter turns and small angles computed by hand.
package ai.lethe.data.transform;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResizeRotationTest {
    private static List<JsonNode> cases(String op) throws IOException {
        try (InputStream in = ResizeRotationTest.class.getResourceAsStream("/data/transform/transform_fixtures.json")) {
            assertNotNull(in, "fixture transform_fixtures.json not on the test class path");
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode c : JsonMapper.builder().build().readTree(in).get("cases")) if (c.get("op").asText().equals(op)) out.add(c);
            return out;
        }
    }

    private static float[] floats(JsonNode array) {
        float[] f = new float[array.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) array.get(i).asDouble();
        return f;
    }

    private static Image input(JsonNode c) {
        JsonNode s = c.get("shape");
        return new Image(floats(c.get("input")), new ImageShape(s.get(0).asInt(), s.get(1).asInt(), s.get(2).asInt()));
    }

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++)
            assertEquals(expected[i], actual[i], tol, what + ": element " + i);
    }

    @Test void resizeMatchesTorch() throws IOException {
        List<JsonNode> cases = cases("resize");
        assertEquals(5, cases.size());
        for (JsonNode c : cases) {
            Image in = input(c);
            int h = c.get("height").asInt(), w = c.get("width").asInt();
            Image out = new Resize(h, w).apply(in, null);
            assertEquals(new ImageShape(in.shape().channels(), h, w), out.shape());
            assertClose(floats(c.get("output")), out.data(), 1e-6, "resize " + in.shape() + " -> " + h + "x" + w);
        }
    }

    @Test void resizeByHand() {
        // 1x1x2 [1, 3] -> width 4: scale 0.5, sources max(0, (i + 0.5) * 0.5 - 0.5) = 0, 0.25, 0.75, 1.25 -> clamped
        Image out = Resize.resize(Images.of(1, 1, 2, 1, 3), 1, 4);
        assertArrayEquals(new float[] {1, 1.5f, 2.5f, 3}, out.data());
        assertEquals(new ImageShape(3, 224, 224), new Resize(224, 224).outputShape(new ImageShape(3, 32, 32)));
    }

    @Test void rotationMatchesTorchvision() throws IOException {
        List<JsonNode> cases = cases("rotate");
        assertEquals(4, cases.size());
        for (JsonNode c : cases) {
            Image in = input(c);
            double deg = c.get("degrees").asDouble();
            assertClose(floats(c.get("output")), RandomRotation.rotate(in, deg).data(), 2e-6, "rotate " + in.shape() + " by " + deg);
        }
    }

    @Test void quarterTurnIsExact() {
        // counter-clockwise, like numpy.rot90: the top-right corner moves to the top-left
        Image img = Images.counting(1, 3, 3);
        assertArrayEquals(new float[] {3, 6, 9, 2, 5, 8, 1, 4, 7}, RandomRotation.rotate(img, 90).data());
        assertArrayEquals(new float[] {9, 8, 7, 6, 5, 4, 3, 2, 1}, RandomRotation.rotate(img, 180).data());
        assertArrayEquals(new float[] {7, 4, 1, 8, 5, 2, 9, 6, 3}, RandomRotation.rotate(img, -90).data());
        assertArrayEquals(img.data(), RandomRotation.rotate(img, 0).data());
    }

    @Test void smallAngleByHand() {
        // 3x3 counting image, 30 degrees, centre (1, 1); cos = 0.8660254, sin = 0.5.
        Image out = RandomRotation.rotate(Images.counting(1, 3, 3), 30);
        assertEquals(5f, out.get(0, 1, 1), 1e-6);                 // the centre stays
        // (x=2, y=1): offset (1, 0) reads (1 + cos, 1 + sin) = (1.8660254, 1.5): fx = 0.8660254, fy = 0.5,
        // 0.5 * (0.1339746 * (5 + 8) + 0.8660254 * (6 + 9)) = 7.3660254
        assertEquals(7.3660254f, out.get(0, 1, 2), 1e-6);
        // (x=0, y=0): offset (-1, -1) reads (1 - cos + sin, 1 - sin - cos) = (0.6339746, -0.3660254): row -1 is 0,
        // fx = fy = 0.6339746: (1 - fx) * fy * 1 + fx * fy * 2 = 0.2320508 + 0.8038476 = 1.0358984
        assertEquals(1.0358984f, out.get(0, 0, 0), 1e-6);
    }

    @Test void randomRotationDrawsItsAngleInRange() {
        Image img = Images.counting(1, 5, 5);
        RandomRotation rot = new RandomRotation(15);
        for (int i = 0; i < 20; i++) {
            double angle = RandomSource.forSample(4, 1, i).nextDouble(-15, 15);
            assertArrayEquals(RandomRotation.rotate(img, angle).data(), rot.apply(img, RandomSource.forSample(4, 1, i)).data());
            assertTrue(Math.abs(angle) <= 15);
        }
        assertThrows(IllegalArgumentException.class, () -> new RandomRotation(-1));
    }
}
