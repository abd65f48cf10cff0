// SSD on a tiny ResNet18 (width 4, 5 classes, 8x8 inputs): a cached I_D from Ssd.computeFullFisher gives exactly the
// parameters of computing it in the run, and works without the retain set; without either SSD fails; bad
// options, a cached map of the wrong kind or shape fail with IllegalArgumentException; the registry knows all four
// methods.
package ai.lethe.unlearn.ssd;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.fisher.FisherMap;
import ai.lethe.models.ImageModel;
import ai.lethe.tensor.Scope;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearners;
import ai.lethe.unlearn.noise.FisherForgettingRuleTest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SsdUnitTest {
    static UnlearnContext context(boolean withRetain, FisherMap cached) {
        var base = FisherForgettingRuleTest.context(0);
        return new UnlearnContext(base.forget(), withRetain ? base.retain() : null, base.numClasses(), null, null,
                base.device(), 0, 0, Optional.ofNullable(cached), null, List.of());
    }

    static Ssd ssd(Map<String, String> options) { return new Ssd(new MethodOptions("ssd", options)); }

    @Test void aCachedFullFisherGivesTheSameResultWithoutTheRetainSet() {
        Map<String, String> opts = Map.of("alpha", "1.5", "lambda", "1");
        try (ImageModel computed = FisherForgettingRuleTest.model(); ImageModel cachedRun = FisherForgettingRuleTest.model();
             Scope _ = Scope.open()) {
            computed.eval();
            cachedRun.eval();
            var result = ssd(opts).run(computed, context(true, null));
            try (FisherMap full = Ssd.computeFullFisher(cachedRun, context(true, null))) {
                var cachedResult = ssd(opts).run(cachedRun, context(false, full));
                assertTrue(cachedResult.log().getFirst().startsWith("I_D: cached"), cachedResult.log().toString());
            }
            System.out.println("tiny ssd: " + result.log());
            boolean changed = false;
            for (String k : computed.namedParameters().keySet()) {
                assertArrayEquals(computed.parameter(k).toFloatArray(), cachedRun.parameter(k).toFloatArray(), k);
                try (ImageModel original = FisherForgettingRuleTest.model()) {
                    changed |= !java.util.Arrays.equals(original.parameter(k).toFloatArray(), computed.parameter(k).toFloatArray());
                }
            }
            assertTrue(changed, "SSD dampened something");
        }
    }

    @Test void missingDataAndBadInputFail() {
        try (ImageModel m = FisherForgettingRuleTest.model(); Scope _ = Scope.open()) {
            var none = assertThrows(IllegalArgumentException.class, () -> ssd(Map.of()).run(m, context(false, null)));
            assertTrue(none.getMessage().startsWith("ssd needs"), none.getMessage());
            try (FisherMap perSample = Ssd.computeFullFisher(m, context(true, null), "per-sample", 16)) {
                var kind = assertThrows(IllegalArgumentException.class, () -> ssd(Map.of()).run(m, context(false, perSample)));
                assertTrue(kind.getMessage().contains("PER_SAMPLE"), kind.getMessage());
            }
            try (ImageModel wider = ai.lethe.models.Models.create(new ai.lethe.models.ResNetConfig(3, 5, 8,
                    ai.lethe.models.ResNetConfig.Stem.CIFAR, ai.lethe.models.ResNetConfig.RESNET18_BLOCKS)).to(FisherForgettingRuleTest.device());
                 FisherMap wrongShape = Ssd.computeFullFisher(wider, context(true, null))) {
                var shape = assertThrows(IllegalArgumentException.class, () -> ssd(Map.of()).run(m, context(false, wrongShape)));
                assertTrue(shape.getMessage().contains("fc.weight"), shape.getMessage());
            }
        }
        for (var bad : List.of(Map.of("alpha", "0"), Map.of("alpha", "-1"), Map.of("lambda", "-0.5"), Map.of("fisher", "exact")))
            assertThrows(IllegalArgumentException.class, () -> Unlearners.create("ssd", bad), bad.toString());
        Unlearners.registerBuiltIns();
        assertTrue(Unlearners.names().containsAll(List.of("ssd", "lf-ssd", "ff", "iu")));
        var typo = assertThrows(IllegalArgumentException.class, () -> Unlearners.create("iu", Map.of("hesian", "diagonal")));
        assertTrue(typo.getMessage().contains("hesian"), typo.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Unlearners.create("iu", Map.of("lambda", "0")));
        assertThrows(IllegalArgumentException.class, () -> Unlearners.create("lf-ssd", Map.of("alpha", "0")));
    }
}
