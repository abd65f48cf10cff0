// Random transforms are pure functions of (seed, epoch, sample index): the same triple gives the same image in any
// order and on any thread; another epoch (or seed) gives other augmentations. Also RandomSource itself.
package ai.lethe.data.transform;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DeterminismTest {
    private final Transform augment = Compose.of(new RandomCrop(8, 2), new RandomHorizontalFlip(), new RandomRotation(10));
    private final Image img = Images.counting(3, 8, 8);

    private float[] run(long seed, int epoch, int index) { return augment.apply(img, RandomSource.forSample(seed, epoch, index)).data(); }

    @Test void sameSeedEpochIndexSameImage() throws Exception {
        float[][] sequential = new float[64][];
        for (int i = 0; i < 64; i++) sequential[i] = run(11, 3, i);
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<float[]>> parallel = IntStream.range(0, 64).map(i -> 63 - i)
                    .mapToObj(i -> pool.submit(() -> run(11, 3, i))).toList();
            for (int k = 0; k < 64; k++) assertArrayEquals(sequential[63 - k], parallel.get(k).get(), "sample " + (63 - k));
        }
    }

    @Test void epochsAndSeedsGiveOtherAugmentations() {
        Set<String> perEpoch = new HashSet<>();
        for (int e = 0; e < 20; e++) perEpoch.add(Arrays.toString(run(11, e, 5)));
        assertTrue(perEpoch.size() >= 18, "20 epochs gave only " + perEpoch.size() + " distinct augmentations");
        int differ = 0;
        for (int i = 0; i < 20; i++) if (!Arrays.equals(run(11, 0, i), run(12, 0, i))) differ++;
        assertTrue(differ >= 18, "seeds 11 and 12 agree on " + (20 - differ) + " of 20 samples");
    }

    @Test void streamsAreSeparatedByEveryCoordinate() {
        long base = RandomSource.of(1, 0, 0, 0).nextInt() & 0xFFFFFFFFL;
        assertEquals(base, RandomSource.of(1, 0, 0, 0).nextInt() & 0xFFFFFFFFL);
        assertNotEquals(base, RandomSource.of(2, 0, 0, 0).nextInt() & 0xFFFFFFFFL);
        assertNotEquals(base, RandomSource.of(1, 1, 0, 0).nextInt() & 0xFFFFFFFFL);
        assertNotEquals(base, RandomSource.of(1, 0, 1, 0).nextInt() & 0xFFFFFFFFL);
        assertNotEquals(base, RandomSource.of(1, 0, 0, 1).nextInt() & 0xFFFFFFFFL);
    }

    @Test void boundedDrawsAreInRangeAndCoverIt() {
        RandomSource r = RandomSource.forSample(5, 0, 0);
        int[] counts = new int[9];
        for (int i = 0; i < 9000; i++) counts[r.nextInt(9)]++;
        for (int c : counts) assertTrue(c > 800 && c < 1200, Arrays.toString(counts));
        for (int i = 0; i < 1000; i++) {
            double d = r.nextDouble();
            assertTrue(d >= 0 && d < 1);
            int v = r.nextInt(-3, 3);
            assertTrue(v >= -3 && v <= 3);
        }
        assertThrows(IllegalArgumentException.class, () -> r.nextInt(0));
    }

    @Test void presets() {
        ImageShape cifar = new ImageShape(3, 32, 32);
        double[] mean = {0.4914, 0.4822, 0.4465}, std = {0.2470, 0.2435, 0.2616};
        Compose train = (Compose) Transforms.preset(Transforms.Recipe.CIFAR, true, cifar, mean, std);
        assertEquals(new RandomCrop(32, 4), train.steps().get(0));
        assertEquals(new RandomHorizontalFlip(0.5), train.steps().get(1));
        assertInstanceOf(Normalize.class, train.steps().get(2));
        assertEquals(3, train.steps().size());

        Compose eval = (Compose) Transforms.preset(Transforms.Recipe.CIFAR, false, cifar, mean, std);
        assertEquals(1, eval.steps().size());
        assertInstanceOf(Normalize.class, eval.steps().get(0));

        ImageShape mnist = new ImageShape(1, 28, 28);
        Compose mnistCrop = (Compose) Transforms.mnistTrain(mnist, new double[] {0.1307}, new double[] {0.3081}, true);
        assertEquals(List.of(new RandomCrop(28, 2)), mnistCrop.steps().subList(0, 1));
        assertEquals(1, ((Compose) Transforms.mnistTrain(mnist, new double[] {0.1307}, new double[] {0.3081}, false)).steps().size());

        Transform vit = Transforms.preset(Transforms.Recipe.CIFAR, true, cifar, mean, std, 224, 224);
        assertEquals(new ImageShape(3, 224, 224), vit.outputShape(cifar));
        assertEquals(new ImageShape(3, 224, 224), vit.apply(Images.counting(3, 32, 32), RandomSource.forSample(0, 0, 0)).shape());

        // eval normalises exactly like Normalize
        Image x = Images.of(3, 1, 1, 0.1f, 0.2f, 0.3f);
        assertArrayEquals(new Normalize(mean, std).apply(x, null).data(), Transforms.eval(mean, std).apply(x, null).data());
    }

    @Test void composeFlattensAndIdentityIsNeutral() {
        Transform t = new RandomCrop(4, 1).andThen(new RandomHorizontalFlip()).andThen(new Resize(2, 2));
        assertEquals(3, ((Compose) t).steps().size());
        assertEquals(new ImageShape(1, 2, 2), t.outputShape(new ImageShape(1, 4, 4)));
        assertSame(img, Transform.identity().apply(img, RandomSource.forSample(0, 0, 0)));
    }
}
