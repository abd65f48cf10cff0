// The BadNets data layer against brute force: which pixels the trigger covers (rows and columns [H-6, H-2) and
// [W-6, W-2) of every channel for size 4, as the reference's numpy slice [-2-4:-2] selects them) and their value,
// in pixel space and after the eval pipeline's normalisation ((0 - mean[c]) / std[c]); the exact poisoned count
// round(ratio * n), that the draw is a pure function of the seed, the relabelling, that clean samples read through
// unchanged; the spec's parsing and its errors; and the run-folder record written atomically and read back.
package ai.lethe.data.poison;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.ImageShape;
import ai.lethe.data.TrainTest;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.source.ByteImageDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class PoisonedTest {
    /** n random images of shape c x h x w with pixels in 1..255 (never 0, so a stamped 0 shows), labels i % classes. */
    public static ByteImageDataset random(int n, int c, int h, int w, int classes, long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[n * c * h * w];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (1 + r.nextInt(255));
        int[] labels = IntStream.range(0, n).map(i -> i % classes).toArray();
        List<String> names = IntStream.range(0, classes).mapToObj(k -> "class" + k).toList();
        return new ByteImageDataset("random", new ImageShape(c, h, w), names, px, labels);
    }

    @Test void triggerCoversTheReferenceSliceOnEveryChannel() {
        // numpy's a[-2 - s : -2] on an axis of length L selects L - 2 - s .. L - 3
        for (int[] dims : new int[][] {{3, 32, 32}, {1, 28, 28}, {2, 9, 13}}) {
            for (int size : new int[] {1, 3, 4}) {
                ByteImageDataset base = random(5, dims[0], dims[1], dims[2], 3, 7);
                Poisoned p = Poisoned.at(base, new int[] {1, 3}, Trigger.badnets(size), 2);
                ImageShape s = base.shape();
                for (int i = 0; i < 5; i++) {
                    float[] clean = base.image(i).data(), got = p.image(i).data();
                    for (int c = 0; c < s.channels(); c++)
                        for (int y = 0; y < s.height(); y++)
                            for (int x = 0; x < s.width(); x++) {
                                int k = (c * s.height() + y) * s.width() + x;
                                boolean in = y >= s.height() - 2 - size && y <= s.height() - 3 && x >= s.width() - 2 - size && x <= s.width() - 3;
                                float want = (i == 1 || i == 3) && in ? 0f : clean[k];
                                assertEquals(want, got[k], "sample " + i + " c" + c + " y" + y + " x" + x + " size " + size + " " + s);
                            }
                }
            }
        }
    }

    @Test void stampedPixelsAfterNormalisationAreTheBlackValue() {
        ByteImageDataset base = random(4, 3, 32, 32, 10, 1);
        Pipeline pipeline = Pipeline.of(new TrainTest("cifar10", base, base), false, 0);   // CIFAR-10's mean/std preset
        float[] mean = {0.4914f, 0.4822f, 0.4465f}, std = {0.2470f, 0.2435f, 0.2616f};
        Poisoned p = Poisoned.at(base, new int[] {2}, Trigger.badnets(4), 0);
        var t = pipeline.evalTransform();
        float[] img = t.apply(p.image(2), ai.lethe.data.transform.RandomSource.forSample(0, 0, 2)).data();
        float[] cleanNorm = t.apply(base.image(2), ai.lethe.data.transform.RandomSource.forSample(0, 0, 2)).data();
        int stamped = 0;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++) {
                    int k = (c * 32 + y) * 32 + x;
                    if (y >= 26 && y < 30 && x >= 26 && x < 30) {
                        assertEquals((0f - mean[c]) / std[c], img[k], 1e-6f, "c" + c + " y" + y + " x" + x);
                        stamped++;
                    } else assertEquals(cleanNorm[k], img[k], "outside the square the image is untouched");
                }
        assertEquals(3 * 16, stamped);
        // a white trigger (value 1) normalises to (1 - mean) / std
        Poisoned w = Poisoned.at(base, new int[] {2}, new Trigger(4, 1f, 2), 0);
        float[] white = t.apply(w.image(2), ai.lethe.data.transform.RandomSource.forSample(0, 0, 2)).data();
        assertEquals((1f - mean[1]) / std[1], white[(32 + 27) * 32 + 28], 1e-6f);
    }

    @Test void poisonsExactlyRoundRatioTimesNDeterminedByTheSeed() {
        ByteImageDataset base = random(1000, 1, 12, 12, 10, 2);
        for (double ratio : new double[] {0.1, 0.05, 0.333, 0.0015}) {
            Poisoned p = Poisoned.of(base, PoisonSpec.badnets(ratio, 0, 4), 11);
            assertEquals(Math.round(ratio * 1000), p.count(), "ratio " + ratio);
            int[] idx = p.indices();
            for (int k = 1; k < idx.length; k++) assertTrue(idx[k] > idx[k - 1], "sorted and distinct");
            assertArrayEquals(idx, Poisoned.of(base, PoisonSpec.badnets(ratio, 0, 4), 11).indices(), "same seed, same samples");
            assertEquals(IntStream.range(0, 1000).filter(p::isPoisoned).boxed().toList(), Arrays.stream(idx).boxed().toList());
        }
        int[] a = Poisoned.of(base, PoisonSpec.badnets(0.1, 0, 4), 1).indices(), b = Poisoned.of(base, PoisonSpec.badnets(0.1, 0, 4), 2).indices();
        assertFalse(Arrays.equals(a, b), "another seed draws other samples");
        // the spec's own seed wins over the command's
        assertArrayEquals(a, Poisoned.of(base, PoisonSpec.parse("badnets:ratio=0.1,seed=1"), 99).indices());
        // a uniform draw: every class is hit, about 10% of each (100 per class; 40..160 is > 6 sigma)
        int[] perClass = new int[10];
        for (int i : a) perClass[base.label(i)]++;
        for (int c = 0; c < 10; c++) assertTrue(perClass[c] > 3 && perClass[c] < 20, "class " + c + ": " + perClass[c]);
    }

    @Test void relabelsThePoisonedSamplesOnly() {
        ByteImageDataset base = random(200, 1, 10, 10, 5, 3);
        Poisoned p = Poisoned.of(base, PoisonSpec.parse("badnets:ratio=0.2,target=3,size=2"), 5);
        int toTarget = 0;
        for (int i = 0; i < 200; i++) {
            if (p.isPoisoned(i)) {
                assertEquals(3, p.label(i));
                toTarget++;
            } else {
                assertEquals(base.label(i), p.label(i));
                assertArrayEquals(base.image(i).data(), p.image(i).data());
            }
            assertEquals(base.sourceIndex(i), p.sourceIndex(i));
        }
        assertEquals(40, toTarget);
        Poisoned all = Poisoned.triggered(base, new Trigger(2, 0f, 2), 1);
        for (int i = 0; i < 200; i++) assertEquals(1, all.label(i));
        assertEquals(200, all.count());
    }

    @Test void specParsesAndRefusesBadInput() {
        PoisonSpec d = PoisonSpec.parse("badnets");
        assertEquals(List.of(0.1, 0.0, 4.0, 0.0), List.of(d.ratio(), (double) d.target(), (double) d.size(), (double) d.value()));
        assertTrue(d.seed().isEmpty());
        PoisonSpec s = PoisonSpec.parse(" BadNets : ratio=0.25, target=7 ,size=3,seed=42,value=1 ");
        assertEquals("badnets:ratio=0.25,target=7,size=3,seed=42,value=1", s.spec());
        assertEquals(s, PoisonSpec.parse(s.spec()));
        List<String[]> bad = new ArrayList<>();
        bad.add(new String[] {"badnets:ratio=0", "outside (0, 1)"});
        bad.add(new String[] {"badnets:ratio=1", "outside (0, 1)"});
        bad.add(new String[] {"badnets:ratio=-0.1", "outside (0, 1)"});
        bad.add(new String[] {"badnets:ratio=x", "ratio must be a number"});
        bad.add(new String[] {"badnets:target=-1", "target must be >= 0"});
        bad.add(new String[] {"badnets:size=0", "size 0 must be >= 1"});
        bad.add(new String[] {"badnets:colour=red", "unknown key 'colour'"});
        bad.add(new String[] {"badnets:ratio=0.1,ratio=0.2", "given twice"});
        bad.add(new String[] {"badnets:value=2", "outside [0, 1]"});
        bad.add(new String[] {"badnets:", "nothing after ':'"});
        bad.add(new String[] {"badnets:ratio", "not key=value"});
        bad.add(new String[] {"blend:ratio=0.1", "unknown attack 'blend'"});
        bad.add(new String[] {"", "empty poison spec"});
        for (String[] b : bad) {
            var e = assertThrows(IllegalArgumentException.class, () -> PoisonSpec.parse(b[0]), b[0]);
            assertTrue(e.getMessage().contains(b[1]), b[0] + " -> " + e.getMessage());
        }
        ByteImageDataset base = random(20, 1, 28, 28, 10, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> Poisoned.of(base, PoisonSpec.parse("badnets:target=10"), 0));
        assertTrue(e.getMessage().contains("target 10 is not a class") && e.getMessage().contains("0..9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Poisoned.of(base, PoisonSpec.parse("badnets:size=27"), 0));
        assertTrue(e.getMessage().contains("size 27 is too big") && e.getMessage().contains("size <= 26"), e.getMessage());
        Poisoned.of(base, PoisonSpec.parse("badnets:size=26,ratio=0.5"), 0);   // the largest that fits
        e = assertThrows(IllegalArgumentException.class, () -> Poisoned.of(base, PoisonSpec.parse("badnets:ratio=0.01"), 0));
        assertTrue(e.getMessage().contains("poisons no sample"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Poisoned.of(base, PoisonSpec.parse("badnets:ratio=0.99"), 0));
        assertTrue(e.getMessage().contains("no clean sample"), e.getMessage());
    }

    @Test void recordRoundTripsAtomicallyAndRebuildsTheSameData(@TempDir Path dir) throws Exception {
        ByteImageDataset base = random(300, 1, 12, 12, 4, 5);
        PoisonSpec spec = PoisonSpec.parse("badnets:ratio=0.1,target=2,size=3,value=1");
        Poisoned p = Poisoned.of(base, spec, 8);
        PoisonRecord rec = PoisonRecord.of(p, spec, 8);
        assertEquals("badnets:ratio=0.1,target=2,size=3,seed=8,value=1", rec.spec().spec());
        Path file = dir.resolve(PoisonRecord.FILE);
        rec.write(file);
        rec.write(file);   // replaced whole
        try (var s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList(), "no temporary file is left");
        }
        PoisonRecord back = PoisonRecord.read(file);
        assertEquals(rec, back);
        Poisoned again = back.apply(base);
        assertArrayEquals(p.indices(), again.indices());
        for (int i = 0; i < 300; i++) {
            assertEquals(p.label(i), again.label(i));
            assertArrayEquals(p.image(i).data(), again.image(i).data());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> back.apply(random(299, 1, 12, 12, 4, 5)));
        assertTrue(e.getMessage().contains("300 samples"), e.getMessage());
        Files.writeString(file, Files.readString(file).replace("\"count\" : 30", "\"count\" : 31"));
        var io = assertThrows(java.io.IOException.class, () -> PoisonRecord.read(file));
        assertTrue(io.getMessage().contains(file.toString()) && io.getMessage().contains("count"), io.getMessage());
        Files.writeString(file, "{}");
        io = assertThrows(java.io.IOException.class, () -> PoisonRecord.read(file));
        assertTrue(io.getMessage().contains("format"), io.getMessage());
    }
}
