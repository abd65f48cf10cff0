// Options of SalUn, NegGrad+, SCRUB, Boundary Shrink and Boundary Expand: the registry builds each with the defaults
// its class header takes from the references (shown in configJson), bad values and unknown options are refused
// naming the method and the option, missing data fails naming the method, SCRUB's learning-rate steps follow the
// reference's adjust_learning_rate, and the pixel-space map of Boundary Shrink inverts a normalisation and refuses
// a transform that is not per-pixel affine.
package ai.lethe.unlearn.train;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;
import ai.lethe.data.transform.Normalize;
import ai.lethe.data.transform.Transform;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearners;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BaselineOptionsTest {
    @BeforeAll static void register() { TrainingMethods.registerAll(); }

    static String config(String name) { return Unlearners.create(name, Map.of()).configJson(); }

    @Test void defaultsAreTheReferences() {
        assertEquals("{\"method\":\"salun\",\"epochs\":10,\"lr\":0.01,\"batch-size\":256,\"optimizer\":\"sgd\",\"momentum\":0.9,"
                + "\"weight-decay\":5.0E-4,\"fraction\":0.5,\"mask-batch-size\":256,\"labels\":\"uniform, redrawn each epoch\"}", config("salun"));
        assertEquals("{\"method\":\"neggrad+\",\"epochs\":10,\"lr\":0.01,\"batch-size\":32,\"optimizer\":\"sgd\",\"momentum\":0.0,"
                + "\"weight-decay\":0.0,\"beta\":0.95,\"forget-batch-size\":64}", config("neggrad+"));
        assertEquals("{\"method\":\"scrub\",\"epochs\":3,\"lr\":5.0E-4,\"batch-size\":256,\"optimizer\":\"sgd\",\"momentum\":0.9,"
                + "\"weight-decay\":5.0E-4,\"forget-batch-size\":512,\"msteps\":2,\"temperature\":4.0,\"alpha\":0.001,\"gamma\":0.99,"
                + "\"lr-decay-epochs\":[3,5,9],\"lr-decay-rate\":0.1}", config("scrub"));
        assertTrue(Unlearners.create("scrub", Map.of("optimizer", "adam")).configJson().contains("\"optimizer\":\"adam\",\"weight-decay\":5.0E-4"));
        assertEquals("{\"method\":\"boundary-shrink\",\"epochs\":10,\"lr\":0.01,\"batch-size\":256,\"optimizer\":\"sgd\",\"momentum\":0.9,"
                + "\"weight-decay\":5.0E-4,\"bound\":0.1}", config("boundary-shrink"));
        assertTrue(config("boundary-expand").startsWith("{\"method\":\"boundary-expand\",\"epochs\":10,\"lr\":0.01,\"batch-size\":256,"
                + "\"optimizer\":\"sgd\",\"momentum\":0.9,\"weight-decay\":5.0E-4"), config("boundary-expand"));
        for (String n : new String[] {"salun", "neggrad+", "scrub", "boundary-shrink", "boundary-expand"}) {
            assertTrue(TrainingMethods.NAMES.contains(n), n);
            assertTrue(Unlearners.names().contains(n), n);
            assertEquals(n, Unlearners.create(n, Map.of()).name());
        }
    }

    @Test void badOptionsAreRefusedNamingTheMethodAndOption() {
        String[][] bad = {
            {"salun", "fraction", "0"}, {"salun", "fraction", "1.5"}, {"salun", "mask-batch-size", "0"}, {"salun", "lr", "-1"},
            {"neggrad+", "beta", "1.2"}, {"neggrad+", "beta", "-0.1"}, {"neggrad+", "forget-batch-size", "0"}, {"neggrad+", "momentum", "1"},
            {"scrub", "optimizer", "rmsprop"}, {"scrub", "temperature", "0"}, {"scrub", "msteps", "-1"}, {"scrub", "alpha", "-1"},
            {"scrub", "lr-decay-epochs", "3,x"}, {"scrub", "lr-decay-rate", "0"}, {"scrub", "epochs", "0"},
            {"boundary-shrink", "bound", "0"}, {"boundary-shrink", "bound", "2"}, {"boundary-expand", "epochs", "zero"},
        };
        for (String[] b : bad) {
            var e = assertThrows(IllegalArgumentException.class, () -> Unlearners.create(b[0], Map.of(b[1], b[2])), b[0] + " " + b[1]);
            assertTrue(e.getMessage().startsWith(b[0] + ": option '" + b[1] + "'"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Unlearners.create("scrub", Map.of("optimizer", "adam", "momentum", "0.9")));
        assertTrue(e.getMessage().startsWith("scrub: unknown option [momentum]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Unlearners.create("boundary-expand", Map.of("bound", "0.1")));
        assertTrue(e.getMessage().startsWith("boundary-expand: unknown option [bound]"), e.getMessage());
    }

    @Test void missingDataFailsNamingTheMethod() {
        var noRetain = new UnlearnContext(TinyData.dataset(4), null, 2, null, null, null, 0, 0, Optional.empty(), null, null);
        for (String name : new String[] {"salun", "neggrad+", "scrub"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Unlearners.create(name, Map.of()).run(null, noRetain));
            assertEquals(name + " needs the retain set Dr, which was not given", e.getMessage());
        }
        var noForget = new UnlearnContext(null, TinyData.dataset(4), 2, null, null, null, 0, 0, Optional.empty(), null, null);
        for (String name : new String[] {"salun", "neggrad+", "scrub", "boundary-shrink", "boundary-expand"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Unlearners.create(name, Map.of()).run(null, noForget));
            assertEquals(name + " needs the forget set Df, which was not given", e.getMessage());
        }
    }

    @Test void scrubLearningRateStepsAsTheReference() {
        Scrub s = new Scrub(new MethodOptions("scrub", Map.of("lr", "0.1", "lr-decay-epochs", "1,3", "lr-decay-rate", "0.5")));
        assertEquals(0.1, s.lrAt(1), 1e-15);     // epoch > 1 is false
        assertEquals(0.05, s.lrAt(2), 1e-15);
        assertEquals(0.05, s.lrAt(3), 1e-15);
        assertEquals(0.025, s.lrAt(4), 1e-15);
        Scrub d = new Scrub(MethodOptions.none("scrub"));
        for (int e = 1; e <= 3; e++) assertEquals(5e-4, d.lrAt(e), 1e-18, "the defaults' decay epochs 3,5,9 are not reached in 3 epochs");
        assertEquals(5e-5, d.lrAt(4), 1e-18);
        assertEquals(5e-4, new Scrub(new MethodOptions("scrub", Map.of("lr-decay-epochs", "none"))).lrAt(10), 1e-18);
    }

    @Test void pixelSpaceInvertsTheNormalisationAndRefusesOtherTransforms() {
        ImageShape shape = new ImageShape(2, 2, 2);
        Transform norm = new Normalize(new double[] {0.5, 0.2}, new double[] {0.25, 0.5});
        try (Scope _ = Scope.open()) {
            PixelSpace p = PixelSpace.of("m", norm, shape, Device.REF);
            float[] pix = {0f, 0.25f, 0.5f, 1f, 0.1f, 0.3f, 0.7f, 0.9f};
            Image in = norm.apply(new Image(pix, shape), null);
            Tensor x = Tensor.fromArray(in.data(), Device.REF, 1, 2, 2, 2);
            float[] back = p.toPixels(x).toFloatArray();
            for (int i = 0; i < pix.length; i++) assertEquals(pix[i], back[i], 1e-6);
            assertArrayEquals(in.data(), p.fromPixels(Tensor.fromArray(pix, Device.REF, 1, 2, 2, 2)).toFloatArray(), 1e-6f);
            float[] rounded = PixelSpace.discretize(Tensor.fromArray(new float[] {0f, 0.25f, 0.31f, 0.5f, 1f}, Device.REF, 5)).toFloatArray();
            assertArrayEquals(new float[] {0f, 64f / 255, 79f / 255, 128f / 255, 1f}, rounded, 1e-7f, "round(255 p) / 255");
            Transform squash = (img, rng) -> {
                float[] d = img.data().clone();
                for (int i = 0; i < d.length; i++) d[i] = d[i] * d[i];
                return new Image(d, img.shape());
            };
            var e = assertThrows(IllegalArgumentException.class, () -> PixelSpace.of("boundary-shrink", squash, shape, Device.REF));
            assertTrue(e.getMessage().startsWith("boundary-shrink: the input transform is not a per-pixel affine map"), e.getMessage());
            Transform constant = (img, rng) -> new Image(new float[img.data().length], img.shape());
            e = assertThrows(IllegalArgumentException.class, () -> PixelSpace.of("boundary-shrink", constant, shape, Device.REF));
            assertTrue(e.getMessage().startsWith("boundary-shrink: the input transform maps pixel values 0 and 1 to the same input"), e.getMessage());
        }
    }
}
