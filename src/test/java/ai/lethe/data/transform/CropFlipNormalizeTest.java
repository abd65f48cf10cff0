// RandomCrop (offsets, zero padding), RandomHorizontalFlip and Normalize on hand-made images, exact values.
package ai.lethe.data.transform;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CropFlipNormalizeTest {
    private final Image img = Images.counting(1, 3, 3);   // 1 2 3 / 4 5 6 / 7 8 9

    @Test void cropAtTheCornersOfThePaddedImage() {
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 2, 0, 4, 5}, RandomCrop.crop(img, 0, 0, 3, 3, 1).data());
        assertArrayEquals(new float[] {5, 6, 0, 8, 9, 0, 0, 0, 0}, RandomCrop.crop(img, 2, 2, 3, 3, 1).data());
        assertArrayEquals(img.data(), RandomCrop.crop(img, 1, 1, 3, 3, 1).data());
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 1}, RandomCrop.crop(img, 0, 0, 3, 3, 2).data());
        assertArrayEquals(new float[] {2, 3, 0, 5, 6, 0}, RandomCrop.crop(img, 1, 2, 2, 3, 1).data());   // 2x3 window
    }

    @Test void cropKeepsChannelsApart() {
        Image two = Images.counting(2, 2, 2);   // channel 0: 1 2 / 3 4, channel 1: 5 6 / 7 8
        Image out = RandomCrop.crop(two, 0, 1, 2, 2, 1);
        assertEquals(new ImageShape(2, 2, 2), out.shape());
        assertArrayEquals(new float[] {0, 0, 1, 2, 0, 0, 5, 6}, out.data());
    }

    @Test void randomCropTakesTopThenLeftFromTheStream() {
        RandomCrop crop = new RandomCrop(3, 1);
        for (int i = 0; i < 20; i++) {
            RandomSource expected = RandomSource.forSample(7, 2, i);
            int top = expected.nextInt(3), left = expected.nextInt(3);
            assertArrayEquals(RandomCrop.crop(img, top, left, 3, 3, 1).data(),
                    crop.apply(img, RandomSource.forSample(7, 2, i)).data(), "sample " + i);
        }
    }

    @Test void randomCropReachesEveryOffset() {
        RandomCrop crop = new RandomCrop(32, 4);
        Image big = Images.counting(3, 32, 32);
        Set<Float> corners = new HashSet<>();
        for (int i = 0; i < 2000; i++) corners.add(crop.apply(big, RandomSource.forSample(1, 0, i)).get(0, 0, 0));
        // the top-left output pixel is 0 (padding) or one of the 5x5 pixels (0..4, 0..4) of the image
        assertTrue(corners.contains(0f));
        for (int y = 0; y <= 4; y++) for (int x = 0; x <= 4; x++) assertTrue(corners.contains(big.get(0, y, x)), y + "," + x);
        assertEquals(26, corners.size());
    }

    @Test void cropThatDoesNotFitIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new RandomCrop(6, 1).apply(img, RandomSource.forSample(0, 0, 0)));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RandomCrop(3, -1));
    }

    @Test void flipMirrorsEachRow() {
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7}, RandomHorizontalFlip.flip(img).data());
        assertArrayEquals(new float[] {2, 1, 4, 3, 6, 5, 8, 7}, RandomHorizontalFlip.flip(Images.counting(2, 2, 2)).data());
    }

    @Test void flipProbability() {
        int flipped = 0;
        for (int i = 0; i < 2000; i++) {
            Image out = new RandomHorizontalFlip().apply(img, RandomSource.forSample(3, 0, i));
            if (out.get(0, 0, 0) == 3) flipped++;
            assertEquals(img.data()[1], out.data()[1]);
        }
        assertTrue(flipped > 900 && flipped < 1100, "flipped " + flipped + " of 2000");
        for (int i = 0; i < 50; i++) {
            assertSame(img, new RandomHorizontalFlip(0).apply(img, RandomSource.forSample(3, 0, i)));
            assertEquals(3, new RandomHorizontalFlip(1).apply(img, RandomSource.forSample(3, 0, i)).get(0, 0, 0));
        }
        assertThrows(IllegalArgumentException.class, () -> new RandomHorizontalFlip(1.5));
    }

    @Test void normalizePerChannelInFloat() {
        Image two = Images.of(2, 1, 2, 0f, 0.5f, 1f, 0.25f);
        Image out = new Normalize(new double[] {0.5, 0.4914}, new double[] {0.25, 0.2470}).apply(two, null);
        float m1 = (float) 0.4914, s1 = (float) 0.2470;
        assertArrayEquals(new float[] {-2f, 0f, (1f - m1) / s1, (0.25f - m1) / s1}, out.data());
        assertArrayEquals(new float[] {0, 0.5f, 1, 0.25f}, two.data(), "input untouched");
    }

    @Test void normalizeWithOneValueForAllChannels() {
        Image out = new Normalize(new double[] {0.5}, new double[] {0.5}).apply(Images.of(3, 1, 1, 0, 0.5f, 1), null);
        assertArrayEquals(new float[] {-1, 0, 1}, out.data());
    }

    @Test void normalizeChecksItsArguments() {
        assertThrows(IllegalArgumentException.class, () -> new Normalize(new double[] {0.1, 0.2}, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> new Normalize(new double[] {0.1}, new double[] {0}));
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Normalize(new double[] {0, 0}, new double[] {1, 1}).apply(Images.counting(3, 1, 1), null));
        assertTrue(e.getMessage().contains("3x1x1"), e.getMessage());
    }
}
