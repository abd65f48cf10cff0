// SalUn, NegGrad+, SCRUB, Boundary Shrink and Boundary Expand against PyTorch transcriptions of their references'
// updates (tools/reference/baselines_fixture.py), on the same tiny ResNet (width 4, perturbed batch norm, 5 classes,
// 3x8x8 pixels) and data (Dr 24, Df 8), on every available backend. Each case runs the method through the path users
// get — the registry with options, or (SalUn's masked training, Boundary Expand's shadow row, whose random draws the
// fixture cannot share) the method's own training function — with batch sizes equal to the set sizes, so each epoch
// is one step, and compares the result with the reference's after 2-3 steps:
//   - every parameter's and buffer's change from the start (θ_after − θ_before) matches the reference's to a relative
//     L2 error of at most UPDATE_TOLERANCE per tensor (float32 gradients in another summation order; the loaders
//     shuffle within the batch; measured at most 2.6e-5 on ref, cpu and cuda-emu), and num_batches_tracked exactly;
//   - SalUn's saliency mask equals the reference's except at most on its near-ties, and the entries outside the
//     mask are bit-identical to their start values after training;
//   - Boundary Shrink's FGSM neighbour labels (computed in pixel space through the Normalize transform Lethe's model
//     reads) equal the reference's, computed with the normalisation inside the model.
// A method that left the model unchanged fails every case: a change of zero is a relative error of 1 (the test
// asserts each reference change is non-zero).
package ai.lethe.unlearn.train;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.Concat;
import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.Relabeled;
import ai.lethe.data.loader.Batch;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.loader.Epoch;
import ai.lethe.data.transform.Normalize;
import ai.lethe.data.transform.Transform;
import ai.lethe.io.Safetensors;
import ai.lethe.io.SafetensorsFile;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.nn.Linear;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearners;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BaselinesFixtureTest {
    static final double UPDATE_TOLERANCE = 2e-4;
    static final ImageShape SHAPE = new ImageShape(3, 8, 8);

    @BeforeAll static void register() { TrainingMethods.registerAll(); }

    static Stream<Device> devices() { return TestBackends.devices().stream(); }

    /** Images and labels held as given. */
    record ArrayDataset(String name, float[] images, long[] labels) implements Dataset {
        @Override public int size() { return labels.length; }
        @Override public ImageShape shape() { return SHAPE; }
        @Override public List<String> classNames() { return IntStream.range(0, 5).mapToObj(Integer::toString).toList(); }
        @Override public int label(int i) { return (int) labels[i]; }
        @Override public void readImage(int i, float[] dst, int off) { System.arraycopy(images, i * SHAPE.size(), dst, off, SHAPE.size()); }
    }

    /** The fixture: the starting state, the data, and the file for each case's expected results. */
    record Fixture(SafetensorsFile file, ModelConfig config, Map<String, Tensor> state, Dataset retain, Dataset forget) {
        ImageModel model(Device device) {
            ImageModel m = Models.create(config).to(device);
            assertTrue(m.loadStateDict(state, true).isClean(), "the fixture's state dict loads strictly");
            m.eval();
            return m;
        }

        UnlearnContext context(Device device, Transform transform) {
            return new UnlearnContext(forget, retain, 5, null, transform, device, 3, 0, Optional.empty(), null, List.of());
        }

        double meta(String key) { return Double.parseDouble(file.metadata().get(key)); }

        double[] metaList(String key) { return Arrays.stream(file.metadata().get(key).split(",")).mapToDouble(Double::parseDouble).toArray(); }
    }

    static Fixture read(SafetensorsFile f, Device device) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String n : f.names()) if (n.startsWith("state.")) state.put(n.substring("state.".length()), f.tensor(n, device));
        Dataset retain = new ArrayDataset("retain", f.tensor("retain.images", Device.REF).toFloatArray(),
                f.tensor("retain.labels", Device.REF).toLongArray());
        Dataset forget = new ArrayDataset("forget", f.tensor("forget.images", Device.REF).toFloatArray(),
                f.tensor("forget.labels", Device.REF).toLongArray());
        assertEquals(24, retain.size());
        assertEquals(8, forget.size());
        return new Fixture(f, ModelConfig.fromJson(f.metadata().get("config")), state, retain, forget);
    }

    static Path file() throws Exception {
        return Path.of(BaselinesFixtureTest.class.getResource("/unlearn/baselines.safetensors").toURI());
    }

    /**
     * Compares every state-dict entry of {@code m} with the fixture's {@code name}.after.*: the change from the start
     * within UPDATE_TOLERANCE (relative L2), integer buffers exactly. Returns the largest relative error.
     */
    static double compare(Fixture fx, String name, ImageModel m, Device device) {
        double worst = 0, changed = 0;
        Map<String, Tensor> got = m.stateDict();
        assertEquals(fx.state.keySet(), got.keySet(), name + ": state-dict names");
        for (var e : got.entrySet()) {
            String k = e.getKey(), what = name + " on " + device + ": " + k;
            Tensor want = fx.file.tensor(name + ".after." + k, Device.REF);
            if (!want.dtype().isFloatingPoint()) {
                assertArrayEquals(want.toLongArray(), e.getValue().toLongArray(), what);
                continue;
            }
            double[] before = fx.state.get(k).toDoubleArray(), w = want.toDoubleArray(), g = e.getValue().toDoubleArray();
            assertEquals(w.length, g.length, what);
            double diff = 0, norm = 0;
            for (int i = 0; i < w.length; i++) {
                double dw = (double) (float) w[i] - before[i], dg = g[i] - before[i];
                diff += (dg - dw) * (dg - dw);
                norm += dw * dw;
            }
            if (norm == 0) {
                assertArrayEquals(before, g, what + ": the reference leaves it unchanged");
                continue;
            }
            changed++;
            double rel = Math.sqrt(diff / norm);
            worst = Math.max(worst, rel);
            assertTrue(rel <= UPDATE_TOLERANCE, what + ": the change differs from the reference's by " + rel + " (relative L2)");
        }
        assertTrue(changed >= 10, name + ": the reference changes only " + changed + " tensors; the fixture would test little");
        System.out.printf("%s on %s: %d tensors changed, largest relative error of the change %.2e (tolerance %.0e)%n", name, device,
                (long) changed, worst, UPDATE_TOLERANCE);
        return worst;
    }

    @ParameterizedTest(name = "on {0}") @MethodSource("devices")
    void salunMaskAndMaskedStepsMatchTheReference(Device device) throws Exception {
        try (SafetensorsFile f = Safetensors.open(file()); Scope _ = Scope.open()) {
            Fixture fx = read(f, device);
            UnlearnContext ctx = fx.context(device, Transform.identity());
            double fraction = fx.meta("salun_fraction");
            int nearTies = (int) fx.meta("salun_near_ties");
            try (ImageModel m = fx.model(device)) {
                List<String> log = new ArrayList<>();
                Map<String, Tensor> mask = SalUn.saliencyMask(m, ctx, fx.forget, 4, fraction, log);
                long kept = 0, differ = 0;
                Map<String, Tensor> refMask = new LinkedHashMap<>();
                for (var e : mask.entrySet()) {
                    Tensor want = f.tensor("salun.mask." + e.getKey(), device);
                    refMask.put(e.getKey(), want);
                    float[] a = e.getValue().toFloatArray(), b = want.toFloatArray();
                    for (int i = 0; i < a.length; i++) {
                        kept += (long) a[i];
                        if (a[i] != b[i]) differ++;
                    }
                }
                assertEquals((long) fx.meta("salun_kept"), kept, "int(N * fraction) elements are salient");
                assertTrue(differ <= 2L * nearTies, "the saliency masks differ in " + differ + " elements (near-ties " + nearTies + ")");
                System.out.printf("salun mask on %s: %d kept, %d differ from the reference's (near-ties %d)%n", device, kept, differ, nearTies);

                int[] relabels = Arrays.stream(f.tensor("salun.forget_labels", Device.REF).toLongArray()).mapToInt(l -> (int) l).toArray();
                Dataset data = Concat.of(new Relabeled(fx.forget, relabels, "forget (fixture labels)"), fx.retain);
                SalUn salun = new SalUn(new MethodOptions(SalUn.NAME, Map.of("epochs", "2", "lr", fx.file.metadata().get("lr"),
                        "batch-size", "32")));
                salun.trainMasked(m, ctx, e -> data, refMask, log);
                compare(fx, "salun", m, device);
                var params = m.namedParameters();
                for (var e : refMask.entrySet()) {
                    float[] mk = e.getValue().toFloatArray(), now = params.get(e.getKey()).toFloatArray(), then = fx.state.get(e.getKey()).toFloatArray();
                    for (int i = 0; i < mk.length; i++)
                        if (mk[i] == 0)
                            assertEquals(Float.floatToRawIntBits(then[i]), Float.floatToRawIntBits(now[i]),
                                    "salun on " + device + ": " + e.getKey() + "[" + i + "] is outside the mask but moved");
                }
            }
        }
    }

    @ParameterizedTest(name = "on {0}") @MethodSource("devices")
    void negGradPlusMatchesTheReference(Device device) throws Exception {
        try (SafetensorsFile f = Safetensors.open(file()); Scope _ = Scope.open()) {
            Fixture fx = read(f, device);
            try (ImageModel m = fx.model(device)) {
                Unlearners.create("neggrad+", Map.of("epochs", "2", "lr", f.metadata().get("lr"), "beta", "0.8", "batch-size", "24",
                        "forget-batch-size", "8")).run(m, fx.context(device, Transform.identity()));
                compare(fx, "neggrad", m, device);
            }
        }
    }

    @ParameterizedTest(name = "on {0}") @MethodSource("devices")
    void scrubMatchesTheReference(Device device) throws Exception {
        try (SafetensorsFile f = Safetensors.open(file()); Scope _ = Scope.open()) {
            Fixture fx = read(f, device);
            try (ImageModel m = fx.model(device)) {
                var r = Unlearners.create("scrub", Map.of("epochs", "2", "msteps", "1", "lr", f.metadata().get("lr"), "temperature", "4",
                        "alpha", "0.5", "gamma", "0.7", "lr-decay-epochs", "1", "batch-size", "24", "forget-batch-size", "8"))
                        .run(m, fx.context(device, Transform.identity()));
                assertEquals(3, r.log().size(), "one max-step and two min-steps: " + r.log());
                compare(fx, "scrub", m, device);
            }
        }
    }

    @ParameterizedTest(name = "on {0}") @MethodSource("devices")
    void boundaryShrinkMatchesTheReferenceThroughTheNormalisation(Device device) throws Exception {
        try (SafetensorsFile f = Safetensors.open(file()); Scope _ = Scope.open()) {
            Fixture fx = read(f, device);
            Transform normalize = new Normalize(fx.metaList("shrink_mean"), fx.metaList("shrink_std"));
            UnlearnContext ctx = fx.context(device, normalize);
            long[] want = f.tensor("shrink.labels", Device.REF).toLongArray();
            try (ImageModel original = fx.model(device)) {
                PixelSpace pixels = PixelSpace.of("test", normalize, SHAPE, device);
                DataLoader loader = DataLoader.builder(fx.forget).batchSize(8).shuffle(false).transform(normalize).device(device)
                        .workers(0).build();
                try (Epoch epoch = loader.epoch(0)) {
                    for (Batch b : epoch) {
                        try (b) {
                            assertArrayEquals(want, BoundaryShrink.neighbourLabels(original, pixels, b, 0.1).toLongArray(),
                                    "the FGSM neighbour labels on " + device);
                        }
                    }
                }
            }
            try (ImageModel m = fx.model(device)) {
                var r = Unlearners.create("boundary-shrink", Map.of("epochs", "2", "lr", f.metadata().get("lr"), "batch-size", "8"))
                        .run(m, ctx);
                long moved = Arrays.stream(want).filter(l -> l != 0).count() * 2;
                assertTrue(r.log().getLast().contains("moved " + moved + " of 16"), r.log().getLast());
                compare(fx, "shrink", m, device);
            }
        }
    }

    @ParameterizedTest(name = "on {0}") @MethodSource("devices")
    void boundaryExpandMatchesTheReference(Device device) throws Exception {
        try (SafetensorsFile f = Safetensors.open(file()); Scope _ = Scope.open()) {
            Fixture fx = read(f, device);
            try (ImageModel m = fx.model(device); Linear shadow = new Linear(32, 1, true, new Generator(0))) {
                shadow.to(device);
                try (var _ = GradMode.noGrad()) {
                    shadow.parameter("weight").copyFrom(f.tensor("expand.shadow.weight", device));
                    shadow.parameter("bias").copyFrom(f.tensor("expand.shadow.bias", device));
                }
                BoundaryExpand method = new BoundaryExpand(new MethodOptions(BoundaryExpand.NAME, Map.of("epochs", "2", "lr",
                        f.metadata().get("lr"), "batch-size", "8")));
                List<String> log = new ArrayList<>();
                method.train(m, fx.context(device, Transform.identity()), shadow, log);
                assertEquals(5, BoundaryExpand.head(m).outFeatures(), "the shadow output is gone");
                compare(fx, "expand", m, device);
            }
        }
    }
}
