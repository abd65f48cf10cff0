// SSD's dampening against the reference's modify_weight rule run in torch float32
// (tools/reference/ssd_fixture.py: ties, zeros, ratios > 1, λ = 0, awkward shapes), through the map form Ssd uses,
// on every available backend. Lethe computes each element in double and rounds once; torch rounds α·I_D, λ·I_D,
// the ratio and the product separately, so the two agree to a few float32 ulps: relative error <= 1e-6
// (a float32 ulp is 6e-8 relative; the fixture has no near-ties, so the selections agree exactly).
package ai.lethe.unlearn.ssd;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.io.Safetensors;
import ai.lethe.io.SafetensorsFile;
import ai.lethe.kernels.Unlearning;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SsdDampeningFixtureTest {
    static Stream<Device> devices() {
        return TestBackends.devices().stream();
    }

    @ParameterizedTest(name = "on {0}") @MethodSource("devices")
    void dampeningMatchesTheReferenceRule(Device device) throws Exception {
        Path file = Path.of(getClass().getResource("/unlearn/ssd_dampening.safetensors").toURI());
        try (SafetensorsFile f = Safetensors.open(file); Scope _ = Scope.open()) {
            int cases = Integer.parseInt(f.metadata().get("cases"));
            assertEquals(8, cases);
            int checked = 0, changed = 0;
            for (int k = 0; k < cases; k++) {
                String[] constants = f.metadata().get("case" + k).split(",");
                double alpha = Double.parseDouble(constants[0]), lambda = Double.parseDouble(constants[1]);
                Tensor theta = f.tensor("case" + k + ".theta", device);
                float[] before = theta.toFloatArray();
                Unlearning.ssdDampen(Map.of("p", theta), Map.of("p", f.tensor("case" + k + ".importance_d", device)),
                        Map.of("p", f.tensor("case" + k + ".importance_f", device)), alpha, lambda);
                float[] got = theta.toFloatArray(), want = f.tensor("case" + k + ".expected", Device.REF).toFloatArray();
                assertEquals(want.length, got.length);
                for (int i = 0; i < want.length; i++) {
                    double tol = 1e-6 * Math.abs(want[i]);
                    assertTrue(Math.abs(got[i] - want[i]) <= tol,
                            "case " + k + " element " + i + ": Lethe " + got[i] + ", reference " + want[i]);
                    if (before[i] != want[i]) changed++;
                    checked++;
                }
            }
            assertEquals(7 + 108 + 90 + 221 + 1 + 11 + 42 + 192, checked);
            assertTrue(changed > 200, "the fixture exercises dampening (" + changed + " elements changed)");
        }
    }
}
