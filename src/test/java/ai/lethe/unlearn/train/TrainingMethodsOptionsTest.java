// Options and requirements of the training-based methods: defaults from ALGORITHMS.md appear in configJson,
// bad values and unknown options are refused naming the method, a missing data set fails naming the method,
// UNSIR refuses non-class splits, and l1-sparse's γ decays linearly.
package ai.lethe.unlearn.train;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.split.RandomForget;
import ai.lethe.data.split.Split;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearners;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainingMethodsOptionsTest {
    @BeforeAll static void register() { TrainingMethods.registerAll(); }

    @Test void everyMethodIsRegisteredWithItsDefaults() {
        for (String name : TrainingMethods.NAMES) {
            var u = Unlearners.create(name, Map.of());
            assertEquals(name, u.name());
            assertTrue(u.configJson().startsWith("{\"method\":\"" + name + "\""), u.configJson());
        }
        assertTrue(Unlearners.create("ft", Map.of()).configJson().contains("\"epochs\":10,\"lr\":0.01,\"batch-size\":256,\"optimizer\":\"sgd\",\"momentum\":0.9,\"weight-decay\":5.0E-4"));
        assertTrue(Unlearners.create("ga", Map.of()).configJson().contains("\"epochs\":5,\"lr\":1.0E-4"));
        assertTrue(Unlearners.create("rl", Map.of()).configJson().contains("\"epochs\":10,\"lr\":0.01"));
        assertTrue(Unlearners.create("l1-sparse", Map.of()).configJson().contains("\"gamma\":5.0E-4"));
        assertTrue(Unlearners.create("amnesiac", Map.of()).configJson().contains("\"epochs\":3,\"lr\":1.0E-4,\"batch-size\":128,\"optimizer\":\"adam\""));
        assertTrue(Unlearners.create("bad-teacher", Map.of()).configJson().contains("\"epochs\":1,\"lr\":1.0E-4,\"batch-size\":256,\"optimizer\":\"adam\""));
        assertTrue(Unlearners.create("bad-teacher", Map.of()).configJson().contains("\"temperature\":1.0,\"retain-fraction\":0.3"));
        assertTrue(Unlearners.create("unsir", Map.of()).configJson().contains("\"noise-steps\":25,\"noise-lr\":0.1,\"noise-batch\":32,\"noise-copies\":80"));
        assertTrue(Unlearners.create("retrain", Map.of()).configJson().contains("\"head-only\":false,\"epochs\":\"recipe\""));
        assertTrue(Unlearners.create("retrain", Map.of("head-only", "true", "epochs", "2")).configJson().contains("\"head-only\":true,\"epochs\":2"));
        assertTrue(Unlearners.create("ft", Map.of("epochs", "3", "lr", "0.02", "batch-size", "64", "momentum", "0.5", "weight-decay", "0"))
                .configJson().contains("\"epochs\":3,\"lr\":0.02,\"batch-size\":64,\"optimizer\":\"sgd\",\"momentum\":0.5,\"weight-decay\":0.0"));
    }

    @Test void badOptionsAreRefusedNamingTheMethod() {
        String[][] bad = {
            {"ft", "lr", "-0.1"}, {"ga", "lr", "0"}, {"rl", "epochs", "0"}, {"l1-sparse", "gamma", "-1"},
            {"amnesiac", "batch-size", "0"}, {"bad-teacher", "retain-fraction", "1.5"}, {"unsir", "noise-steps", "-3"},
            {"retrain", "lr", "-1"}, {"ft", "momentum", "1"}, {"ft", "lr", "fast"}, {"retrain", "head-only", "maybe"},
        };
        for (String[] b : bad) {
            var e = assertThrows(IllegalArgumentException.class, () -> Unlearners.create(b[0], Map.of(b[1], b[2])), b[0] + " " + b[1]);
            assertTrue(e.getMessage().startsWith(b[0] + ": option '" + b[1] + "'"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Unlearners.create("ft", Map.of("gamma", "1")));
        assertTrue(e.getMessage().startsWith("ft: unknown option [gamma]"), e.getMessage());
    }

    @Test void missingDataFailsNamingTheMethod() {
        var noRetain = new UnlearnContext(TinyData.dataset(4), null, 2, null, null, null, 0, 0, Optional.empty(), null, null);
        for (String name : new String[] {"ft", "rl", "l1-sparse", "amnesiac", "bad-teacher", "unsir", "retrain"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Unlearners.create(name, Map.of()).run(null, noRetain));
            assertEquals(name + " needs the retain set Dr, which was not given", e.getMessage());
        }
        var noForget = new UnlearnContext(null, TinyData.dataset(4), 2, null, null, null, 0, 0, Optional.empty(), null, null);
        var e = assertThrows(IllegalArgumentException.class, () -> Unlearners.create("ga", Map.of()).run(null, noForget));
        assertEquals("ga needs the forget set Df, which was not given", e.getMessage());
        var noRecipe = new UnlearnContext(null, TinyData.dataset(4), 2, null, null, null, 0, 0, Optional.empty(), null, null);
        e = assertThrows(IllegalArgumentException.class, () -> Unlearners.create("retrain", Map.of()).run(null, noRecipe));
        assertEquals("retrain needs the base training recipe, which was not given", e.getMessage());
    }

    @Test void unsirNeedsAFullClassSplit() {
        var d = TinyData.dataset(10);
        var split = Split.of(d, d, new RandomForget(3, 0), 0);
        var ctx = new UnlearnContext(d, d, 2, split, null, null, 0, 0, Optional.empty(), null, null);
        var e = assertThrows(IllegalArgumentException.class, () -> Unsir.forgetClass(ctx));
        assertTrue(e.getMessage().startsWith("unsir unlearns whole classes only"), e.getMessage());
        var none = new UnlearnContext(d, d, 2, null, null, null, 0, 0, Optional.empty(), null, null);
        assertThrows(IllegalArgumentException.class, () -> Unsir.forgetClass(none));
    }

    @Test void l1GammaDecaysLinearly() {
        assertEquals(5e-4, L1Sparse.gammaAt(5e-4, 0, 10), 1e-18);
        assertEquals(2.5e-4, L1Sparse.gammaAt(5e-4, 5, 10), 1e-18);
        assertEquals(0.5e-4, L1Sparse.gammaAt(5e-4, 9, 10), 1e-18);
        assertEquals(5e-4, new L1Sparse(MethodOptions.none("l1-sparse")).gamma());
    }
}
