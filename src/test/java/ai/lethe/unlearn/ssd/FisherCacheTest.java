// SSD's cached I_D (FisherCache, `lethe unlearn --fisher-cache`) on a tiny ResNet18 (width 4, 5 classes, 8x8
// inputs) and a 60-sample training set with a class-2 split. The file holds bit for bit the I_D SSD computes
// itself — the batch-mean Fisher of Dr then Df (the reference's ConcatDataset((retain, forget))), checked against
// FisherDiagonal over an independently built Dr-then-Df subset — which differs from the Fisher of D in training
// order (what the cache once held); SSD run from the file changes the model exactly as SSD computing I_D itself.
// A file made another way is refused naming the difference and left as it was: another batch size, Fisher kind,
// split or model, no provenance at all; a method that reads no cached Fisher is refused. In memory, Ssd refuses
// a cached map whose provenance differs from its own run's, or that records none.
package ai.lethe.unlearn.ssd;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.split.ClassForget;
import ai.lethe.data.split.Split;
import ai.lethe.data.split.SplitSets;
import ai.lethe.fisher.FisherDiagonal;
import ai.lethe.fisher.FisherKind;
import ai.lethe.fisher.FisherMap;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearner;
import ai.lethe.unlearn.noise.FisherForgettingRuleTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FisherCacheTest {
    static final ImageShape SHAPE = new ImageShape(3, 8, 8);

    record ArrayDataset(String name, float[] images, int[] labels) implements Dataset {
        @Override public int size() { return labels.length; }
        @Override public ImageShape shape() { return SHAPE; }
        @Override public List<String> classNames() { return List.of("0", "1", "2", "3", "4"); }
        @Override public int label(int i) { return labels[i]; }
        @Override public void readImage(int i, float[] dst, int off) { System.arraycopy(images, i * SHAPE.size(), dst, off, SHAPE.size()); }
    }

    /** {@code n} Gaussian images with labels 0..4 in random order (a training set is not sorted by class). */
    static Dataset data(String name, long seed, int n) {
        java.util.Random r = new java.util.Random(seed);
        float[] images = new float[n * SHAPE.size()];
        for (int i = 0; i < images.length; i++) images[i] = (float) r.nextGaussian();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = r.nextInt(5);
        return new ArrayDataset(name, images, labels);
    }

    static final Dataset TRAIN = data("train", 11, 60), TEST = data("test", 12, 20);

    static UnlearnContext context(int forgetClass) {
        Split split = Split.of(TRAIN, TEST, new ClassForget(forgetClass), 0);
        SplitSets sets = split.sets(TRAIN, TEST);
        return new UnlearnContext(sets.forget(), sets.retain(), 5, split, null, FisherForgettingRuleTest.device(), 0, 0,
                Optional.empty(), null, List.of());
    }

    static UnlearnContext withCache(UnlearnContext c, FisherMap cached) {
        return new UnlearnContext(c.forget(), c.retain(), c.numClasses(), c.split(), c.transform(), c.device(), 0, 0,
                Optional.of(cached), null, List.of());
    }

    static Ssd ssd(Map<String, String> options) { return new Ssd(new MethodOptions("ssd", options)); }

    static final Map<String, String> OPTIONS = Map.of("alpha", "2", "lambda", "1", "batch-size", "16");

    static DataLoader loader(Dataset d, int batch) {
        return DataLoader.builder(d).batchSize(batch).shuffle(false).device(FisherForgettingRuleTest.device()).workers(0).build();
    }

    static void assertSameValues(FisherMap expected, FisherMap actual) {
        assertEquals(expected.names(), actual.names());
        for (String k : expected.names()) assertArrayEquals(expected.get(k).toFloatArray(), actual.get(k).toFloatArray(), k);
    }

    static boolean sameValues(FisherMap a, FisherMap b) {
        for (String k : a.names()) if (!Arrays.equals(a.get(k).toFloatArray(), b.get(k).toFloatArray())) return false;
        return true;
    }

    @Test void theCachedIdIsTheOneSsdComputesItselfBitForBit(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("fisher.safetensors");
        UnlearnContext c = context(2);
        int[] forget = c.split().forget(), retain = c.split().retain();
        try (ImageModel m = FisherForgettingRuleTest.model(); Scope _ = Scope.open()) {
            List<String> said = new ArrayList<>();
            try (FisherMap written = FisherCache.readOrCompute(file, ssd(OPTIONS), m, c, said::add);
                 FisherMap read = FisherCache.readOrCompute(file, ssd(OPTIONS), m, c, said::add);
                 // the reference's order built independently: the training set's Dr indices, then its Df indices
                 FisherMap reference = FisherDiagonal.compute(m, loader(TRAIN.subset(
                         IntStream.concat(Arrays.stream(retain), Arrays.stream(forget)).toArray(), "Dr then Df"), 16), FisherKind.BATCH_MEAN);
                 FisherMap trainingOrder = FisherDiagonal.compute(m, loader(TRAIN, 16), FisherKind.BATCH_MEAN)) {
                assertTrue(said.getFirst().startsWith("computing SSD's I_D over the " + retain.length + " retain then "
                        + forget.length + " forget samples"), said.toString());
                assertTrue(said.get(1).startsWith("SSD's I_D read from"), said.toString());
                assertSameValues(reference, written);
                assertSameValues(reference, read);
                assertEquals(60, read.samples());
                assertFalse(sameValues(reference, trainingOrder), "the test needs a split whose order changes the batches");
                assertEquals(FullFisherProvenance.ORDER, read.tags().get(FullFisherProvenance.ORDER_TAG));
                assertEquals("16", read.tags().get(FullFisherProvenance.BATCH_TAG));
                assertEquals("batch-mean", read.tags().get(FullFisherProvenance.KIND_TAG));

                // SSD from the file changes the model exactly as SSD computing I_D itself
                try (ImageModel computed = FisherForgettingRuleTest.model(); ImageModel fromFile = FisherForgettingRuleTest.model()) {
                    var own = ssd(OPTIONS).run(computed, c);
                    var cached = ssd(OPTIONS).run(fromFile, withCache(c, read));
                    assertTrue(own.log().getFirst().startsWith("I_D: computed") && cached.log().getFirst().startsWith("I_D: cached"));
                    String selected = selected(own.log());
                    assertEquals(selected, selected(cached.log()));
                    assertFalse(selected.startsWith("selected 0 "), own.log().toString());
                    for (String k : computed.namedParameters().keySet())
                        assertArrayEquals(computed.parameter(k).toFloatArray(), fromFile.parameter(k).toFloatArray(), k);
                }
            }
        }
    }

    /** Ssd's "selected N of M parameter elements" line. */
    static String selected(List<String> log) {
        return log.stream().filter(l -> l.startsWith("selected ")).findFirst().orElseThrow(() -> new AssertionError(log.toString()));
    }

    @Test void aFileMadeAnotherWayIsRefusedAndKept(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("fisher.safetensors");
        UnlearnContext c = context(2);
        try (ImageModel m = FisherForgettingRuleTest.model(); Scope _ = Scope.open()) {
            FisherCache.readOrCompute(file, ssd(OPTIONS), m, c, s -> {}).close();
            byte[] before = Files.readAllBytes(file);
            refused(file, ssd(Map.of("batch-size", "8")), m, c, "batch size 16 (this run: 8)");
            refused(file, ssd(Map.of("batch-size", "16", "fisher", "per-sample")), m, c, "Fisher batch-mean (this run: per-sample)");
            refused(file, ssd(OPTIONS), m, context(1), "another forget/retain split");
            try (ImageModel other = Models.create(new ResNetConfig(3, 5, 4, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS),
                    new Generator(4)).to(FisherForgettingRuleTest.device())) {
                refused(file, ssd(OPTIONS), other, c, "another model");
            }
            refused(file, Ssd.lossFree(new MethodOptions("lf-ssd", Map.of())), m, c, "lf-ssd does not read a cached Fisher");
            assertArrayEquals(before, Files.readAllBytes(file), "a refused cache is left as it was");

            Path plain = dir.resolve("plain.safetensors");
            try (FisherMap f = FisherDiagonal.compute(m, loader(TRAIN, 16), FisherKind.BATCH_MEAN)) {
                f.save(plain);
            }
            refused(plain, ssd(OPTIONS), m, c, "records no provenance");
        }
    }

    private static void refused(Path file, Unlearner method, ImageModel m, UnlearnContext c, String expected) {
        var e = assertThrows(IllegalArgumentException.class, () -> FisherCache.readOrCompute(file, method, m, c, s -> {}));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test void ssdRefusesACachedMapOfAnotherComputation() {
        UnlearnContext c = context(2);
        try (ImageModel m = FisherForgettingRuleTest.model(); Scope _ = Scope.open();
             FisherMap batch8 = Ssd.computeFullFisher(m, c, "batch-mean", 8);
             FisherMap otherSplit = Ssd.computeFullFisher(m, context(1), "batch-mean", 16);
             FisherMap untagged = FisherDiagonal.compute(m, loader(TRAIN, 16), FisherKind.BATCH_MEAN)) {
            var e = assertThrows(IllegalArgumentException.class, () -> ssd(OPTIONS).run(m, withCache(c, batch8)));
            assertTrue(e.getMessage().contains("batch size 8 (this run: 16)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ssd(OPTIONS).run(m, withCache(c, otherSplit)));
            assertTrue(e.getMessage().contains("another forget/retain split"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ssd(OPTIONS).run(m, withCache(c, untagged)));
            assertTrue(e.getMessage().contains("records no provenance"), e.getMessage());
        }
    }
}
