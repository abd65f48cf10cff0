// LF-SSD against a PyTorch transcription of the reference (tools/reference/lf_ssd_fixture.py: the SSD
// repository's calc_importance with its README's two LF-SSD replacements — loss ‖f(x)‖² averaged over the batch,
// |grad| accumulated — and modify_weight), on the same weights and data: a width-4 ResNet with perturbed batch
// norm, Dr = 300 images, Df = 10, D = Dr then Df, batch 64, eval mode. On every available backend:
//   - the importances I_f (over Df) and I_D (over D) match the reference's per parameter tensor to a relative
//     (L2) error of 1e-4 — the tolerance of the batch-mean Fisher fixture: both are sums of float32 gradients
//     whose summation order differs between the two libraries (measured: at most 3e-6 on cpu and ref);
//   - "lf-ssd" run through the registry (Unlearners, alpha/lambda options, the whole Ssd.apply path) leaves the
//     model with the reference's parameters for each case (α 10 λ 1, the defaults; α 3 λ 0.5): every element the
//     reference leaves alone is bit-identical, every dampened one within 1e-4 relative (the dampening factor
//     λ·I_D/I_f inherits the importances' error), and the selections agree except on at most the fixture's
//     near-ties (elements with I_f/(α·I_D) within 1e-3 of 1, counted by the script; measured: identical selections,
//     dampened values within 6e-6); the selected count Ssd logs is the reference's within the same slack.
//     Buffers (BN running statistics) are untouched.
// A method that returned the model unchanged fails the per-case comparison: the fixture's cases select 180 and
// 1,514 of 19,737 elements (asserted below).
package ai.lethe.unlearn.ssd;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.transform.Transform;
import ai.lethe.fisher.FisherMap;
import ai.lethe.io.Safetensors;
import ai.lethe.io.SafetensorsFile;
import ai.lethe.models.ImageModel;
import ai.lethe.models.ModelConfig;
import ai.lethe.models.Models;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.UnlearnResult;
import ai.lethe.unlearn.Unlearners;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LfSsdFixtureTest {
    static final double IMPORTANCE_TOLERANCE = 1e-4, DAMPENED_TOLERANCE = 1e-4;
    static final ImageShape SHAPE = new ImageShape(3, 8, 8);

    static Stream<Device> devices() {
        return TestBackends.devices().stream();
    }

    /** Images and labels held as given (the fixture's images are the model's inputs; no transform). */
    record ArrayDataset(String name, float[] images, long[] labels, ImageShape shape, int classes) implements Dataset {
        @Override public int size() { return labels.length; }
        @Override public List<String> classNames() { return IntStream.range(0, classes).mapToObj(Integer::toString).toList(); }
        @Override public int label(int i) { return (int) labels[i]; }
        @Override public void readImage(int i, float[] dst, int off) { System.arraycopy(images, i * shape.size(), dst, off, shape.size()); }
    }

    /** The fixture file's contents, read once per device. */
    record Fixture(ModelConfig config, Map<String, Tensor> state, Dataset retain, Dataset forget,
                   Map<String, double[]> importanceD, Map<String, double[]> importanceF, Map<String, String> meta,
                   SafetensorsFile file) {
        ImageModel model(Device device) {
            ImageModel m = Models.create(config).to(device);
            assertTrue(m.loadStateDict(state, true).isClean(), "the fixture's state dict loads strictly");
            m.eval();
            return m;
        }

        UnlearnContext context(Device device) {
            return new UnlearnContext(forget, retain, config.numClasses(), null, Transform.identity(), device, 0, 0,
                    Optional.empty(), null, List.of());
        }
    }

    static Fixture read(SafetensorsFile f, Device device) {
        ModelConfig config = ModelConfig.fromJson(f.metadata().get("config"));
        Map<String, Tensor> state = new LinkedHashMap<>();
        Map<String, double[]> d = new LinkedHashMap<>(), fi = new LinkedHashMap<>();
        for (String n : f.names()) {
            if (n.startsWith("state.")) state.put(n.substring("state.".length()), f.tensor(n, device));
            if (n.startsWith("importance_d.")) d.put(n.substring("importance_d.".length()), f.tensor(n, Device.REF).toDoubleArray());
            if (n.startsWith("importance_f.")) fi.put(n.substring("importance_f.".length()), f.tensor(n, Device.REF).toDoubleArray());
        }
        Dataset retain = new ArrayDataset("retain", f.tensor("retain.images", Device.REF).toFloatArray(),
                f.tensor("retain.labels", Device.REF).toLongArray(), SHAPE, config.numClasses());
        Dataset forget = new ArrayDataset("forget", f.tensor("forget.images", Device.REF).toFloatArray(),
                f.tensor("forget.labels", Device.REF).toLongArray(), SHAPE, config.numClasses());
        assertEquals(300, retain.size());
        assertEquals(10, forget.size());
        assertEquals("64", f.metadata().get("batch_size"));
        return new Fixture(config, state, retain, forget, d, fi, f.metadata(), f);
    }

    static Path file() throws Exception {
        return Path.of(LfSsdFixtureTest.class.getResource("/unlearn/lf_ssd.safetensors").toURI());
    }

    @ParameterizedTest(name = "on {0}") @MethodSource("devices")
    void lossFreeImportancesMatchTheReference(Device device) throws Exception {
        try (SafetensorsFile f = Safetensors.open(file()); Scope _ = Scope.open()) {
            Fixture fx = read(f, device);
            UnlearnContext context = fx.context(device);
            try (ImageModel m = fx.model(device);
                 FisherMap forget = Importance.LOSS_FREE.compute(m, MethodData.loader(context, fx.forget, Ssd.DEFAULT_BATCH));
                 FisherMap full = Importance.LOSS_FREE.compute(m, MethodData.loader(context,
                         MethodData.union(fx.retain, fx.forget), Ssd.DEFAULT_BATCH))) {
                assertEquals(10, forget.samples());
                assertEquals(310, full.samples());
                assertEquals(List.copyOf(fx.importanceF.keySet()), forget.names());
                assertEquals(List.copyOf(fx.importanceD.keySet()), full.names());
                double worst = 0;
                for (String k : fx.importanceF.keySet()) {
                    worst = Math.max(worst, check("I_f " + k + " on " + device, fx.importanceF.get(k), forget.get(k).toDoubleArray()));
                    worst = Math.max(worst, check("I_D " + k + " on " + device, fx.importanceD.get(k), full.get(k).toDoubleArray()));
                }
                System.out.printf("LF-SSD importances on %s: largest relative error %.2e (tolerance %.0e)%n", device, worst,
                        IMPORTANCE_TOLERANCE);
            }
        }
    }

    /** The relative L2 error of {@code actual} against {@code expected}; fails above the tolerance. */
    static double check(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (expected[i] - actual[i]) * (expected[i] - actual[i]);
            norm += expected[i] * expected[i];
        }
        assertTrue(norm > 0, what + ": the reference importance is all zero (the fixture would test nothing)");
        double rel = Math.sqrt(diff / norm);
        assertTrue(rel <= IMPORTANCE_TOLERANCE, what + ": relative error " + rel + " > " + IMPORTANCE_TOLERANCE);
        return rel;
    }

    private static final Pattern SELECTED = Pattern.compile("selected (\\d+) of (\\d+) parameter elements");

    @ParameterizedTest(name = "on {0}") @MethodSource("devices")
    void lossFreeDampeningMatchesTheReferenceForEachCase(Device device) throws Exception {
        try (SafetensorsFile f = Safetensors.open(file()); Scope _ = Scope.open()) {
            Fixture fx = read(f, device);
            int cases = Integer.parseInt(fx.meta.get("cases"));
            assertEquals(2, cases);
            for (int k = 0; k < cases; k++) {
                String[] constants = fx.meta.get("case" + k).split(",");
                String alpha = constants[0], lambda = constants[1];
                long expectedSelected = Long.parseLong(fx.meta.get("selected" + k));
                int ties = Integer.parseInt(fx.meta.get("near_ties" + k));
                assertTrue(expectedSelected > 100, "case " + k + " dampens something (" + expectedSelected + " elements)");
                try (ImageModel m = fx.model(device)) {
                    UnlearnResult r = Unlearners.create("lf-ssd", Map.of("alpha", alpha, "lambda", lambda)).run(m, fx.context(device));
                    String what = "case " + k + " (alpha " + alpha + ", lambda " + lambda + ") on " + device;
                    Matcher sel = r.log().stream().map(SELECTED::matcher).filter(Matcher::find).findFirst()
                            .orElseThrow(() -> new AssertionError(what + ": no 'selected' line in " + r.log()));
                    long selected = Long.parseLong(sel.group(1));
                    assertEquals(m.numParameters(), Long.parseLong(sel.group(2)));
                    assertTrue(Math.abs(selected - expectedSelected) <= ties,
                            what + ": Lethe selected " + selected + ", the reference " + expectedSelected + " (near-ties " + ties + ")");
                    int differentSelection = 0, dampened = 0;
                    double worst = 0;
                    Map<String, Tensor> params = m.namedParameters();
                    for (var e : params.entrySet()) {
                        float[] before = fx.state.get(e.getKey()).toFloatArray();
                        float[] got = e.getValue().toFloatArray();
                        float[] want = f.tensor("case" + k + "." + e.getKey(), Device.REF).toFloatArray();
                        assertEquals(want.length, got.length, what + " " + e.getKey());
                        for (int i = 0; i < want.length; i++) {
                            boolean refChanged = Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(before[i]);
                            boolean leChanged = Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(before[i]);
                            if (refChanged != leChanged) {
                                differentSelection++;
                                continue;
                            }
                            if (!refChanged) continue;
                            dampened++;
                            double err = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-30);
                            worst = Math.max(worst, err);
                            assertTrue(err <= DAMPENED_TOLERANCE, what + ": " + e.getKey() + "[" + i + "] Lethe " + got[i]
                                    + ", reference " + want[i] + " (was " + before[i] + ")");
                        }
                    }
                    assertTrue(differentSelection <= ties, what + ": " + differentSelection
                            + " elements dampened by one side only (near-ties " + ties + ")");
                    assertTrue(dampened >= expectedSelected - ties, what + ": only " + dampened + " elements dampened as the reference's");
                    for (var e : m.namedBuffers().entrySet())
                        assertArrayEquals(fx.state.get(e.getKey()).toDoubleArray(), e.getValue().toDoubleArray(),
                                what + ": buffer " + e.getKey() + " changed");
                    System.out.printf("%s: %d selected (reference %d, near-ties %d), %d dampened alike (largest relative error %.2e), "
                            + "%d selected by one side only%n", what, selected, expectedSelected, ties, dampened, worst, differentSelection);
                }
            }
        }
    }
}
