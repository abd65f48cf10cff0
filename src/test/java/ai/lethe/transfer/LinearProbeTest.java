// The linear probe against scikit-learn: on the fixture of tools/reference/probe_fixture.py (4 overlapping classes, 12
// features on different scales, one constant) LinearProbe, run to a gradient of 1e-10, reaches the exact optimum of
// scikit-learn's LogisticRegression(multinomial) objective (the fixture's Newton solve) — the same standardisation as
// StandardScaler, coefficients and intercepts within 1e-6 — is within 1e-3 of scikit-learn's own lbfgs fit (which
// stops short of the optimum when C = 100), and predicts exactly what scikit-learn predicts on held-out rows, for
// C = 0.5 and C = 100; its reported stopping rule holds (an independent gradient computed here is
// below the tolerance; an iteration cap reports "not converged"); bad input is refused with a message.
package ai.lethe.transfer;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.InputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LinearProbeTest {
    static JsonNode fixture;
    static FeatureSet train, test;

    @BeforeAll static void load() throws Exception {
        try (InputStream in = LinearProbeTest.class.getResourceAsStream("/transfer/probe_fixture.json")) {
            assertNotNull(in, "src/test/resources/transfer/probe_fixture.json (tools/reference/probe_fixture.py)");
            fixture = JsonMapper.builder().build().readTree(in);
        }
        train = rows(fixture.get("train_x"), fixture.get("train_y"));
        test = rows(fixture.get("test_x"), fixture.get("test_y"));
    }

    static FeatureSet rows(JsonNode x, JsonNode y) {
        int n = x.size(), d = x.get(0).size();
        float[] v = new float[n * d];
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) v[i * d + j] = (float) x.get(i).get(j).asDouble();
            l[i] = y.get(i).asInt();
        }
        return new FeatureSet(v, l, n, d, fixture.get("classes").asInt());
    }

    @Test void reachesScikitLearnsOptimum() {
        for (JsonNode c : fixture.get("cases")) {
            String name = c.get("name").asText();
            LinearProbe.Fit fit = LinearProbe.fit(train, new LinearProbe.Options(c.get("C").asDouble(), 1e-10, 20000));
            assertTrue(fit.converged(), name + ": " + fit);
            for (int j = 0; j < train.dim(); j++) {
                assertEquals(c.get("mean").get(j).asDouble(), fit.mean()[j], 1e-5 * Math.max(1, Math.abs(fit.mean()[j])), name + " mean " + j);
                assertEquals(c.get("scale").get(j).asDouble(), fit.scale()[j], 1e-5 * fit.scale()[j], name + " scale " + j);
            }
            double worst = 0, worstSk = 0;
            for (int k = 0; k < train.classes(); k++) {
                assertEquals(c.get("exact_intercept").get(k).asDouble(), fit.bias()[k], 1e-6, name + " intercept " + k);
                assertEquals(c.get("intercept").get(k).asDouble(), fit.bias()[k], 1e-3, name + " sklearn intercept " + k);
                for (int j = 0; j < train.dim(); j++) {
                    double ref = c.get("exact_coef").get(k).get(j).asDouble(), sk = c.get("coef").get(k).get(j).asDouble();
                    worst = Math.max(worst, Math.abs(ref - fit.weights()[k][j]));
                    worstSk = Math.max(worstSk, Math.abs(sk - fit.weights()[k][j]));
                    assertEquals(ref, fit.weights()[k][j], 1e-6 * Math.max(1, Math.abs(ref)), name + " coef [" + k + "][" + j + "]");
                    assertEquals(sk, fit.weights()[k][j], 1e-3 * Math.max(1, Math.abs(sk)), name + " sklearn coef [" + k + "][" + j + "]");
                }
            }
            int[] pred = fit.predict(test);
            for (int i = 0; i < test.n(); i++) assertEquals(c.get("test_predictions").get(i).asInt(), pred[i], name + " prediction of row " + i);
            System.out.printf("probe %s: %d iterations, max |coef - exact| %.2e, |coef - sklearn| %.2e, test accuracy %.3f%n", name,
                    fit.iterations(), worst, worstSk, fit.accuracy(test));
        }
    }

    /** The mean objective's gradient at the fit, computed here from its definition (not by LinearProbe's code). */
    @Test void theStoppingRuleHoldsAtTheReturnedWeights() {
        double c = 0.5, tol = 1e-7;
        LinearProbe.Fit fit = LinearProbe.fit(train, new LinearProbe.Options(c, tol, 5000));
        assertTrue(fit.converged(), fit.toString());
        int n = train.n(), d = train.dim(), k = train.classes();
        double[][] gw = new double[k][d];
        double[] gb = new double[k];
        for (int i = 0; i < n; i++) {
            double[] x = new double[d];
            for (int j = 0; j < d; j++) x[j] = (train.x()[i * d + j] - fit.mean()[j]) / fit.scale()[j];
            double[] z = new double[k];
            double norm = 0;
            for (int a = 0; a < k; a++) {
                z[a] = fit.bias()[a];
                for (int j = 0; j < d; j++) z[a] += fit.weights()[a][j] * x[j];
            }
            double max = java.util.Arrays.stream(z).max().orElseThrow();
            for (int a = 0; a < k; a++) norm += Math.exp(z[a] - max);
            for (int a = 0; a < k; a++) {
                double r = Math.exp(z[a] - max) / norm - (train.y()[i] == a ? 1 : 0);
                gb[a] += r / n;
                for (int j = 0; j < d; j++) gw[a][j] += r * x[j] / n;
            }
        }
        double worst = 0;
        for (int a = 0; a < k; a++) {
            worst = Math.max(worst, Math.abs(gb[a]));
            for (int j = 0; j < d; j++) worst = Math.max(worst, Math.abs(gw[a][j] + fit.weights()[a][j] / (c * n)));
        }
        assertTrue(worst <= 2 * tol, "max |gradient| at the fit " + worst + " > tolerance " + tol);
        assertEquals(fit.gradientMax(), worst, 1e-9);

        LinearProbe.Fit capped = LinearProbe.fit(train, new LinearProbe.Options(c, 1e-12, 2));
        assertFalse(capped.converged(), capped.toString());
        assertEquals(2, capped.iterations());
        assertTrue(capped.toString().contains("NOT converged"));
    }

    @Test void refusesWhatItCannotFit() {
        FeatureSet oneClassMissing = new FeatureSet(new float[] {0, 1, 2, 3}, new int[] {0, 0, 2, 2}, 4, 1, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> LinearProbe.fit(oneClassMissing, LinearProbe.Options.defaults()));
        assertTrue(e.getMessage().contains("class 1 has no training row"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LinearProbe.Options(0, 1e-6, 10));
        assertThrows(IllegalArgumentException.class, () -> new LinearProbe.Options(1, Double.NaN, 10));
        var nan = assertThrows(IllegalArgumentException.class, () -> new FeatureSet(new float[] {Float.NaN}, new int[] {0}, 1, 1, 2));
        assertTrue(nan.getMessage().contains("not finite"), nan.getMessage());
        LinearProbe.Fit fit = LinearProbe.fit(train, LinearProbe.Options.defaults());
        var dim = assertThrows(IllegalArgumentException.class, () -> fit.predict(oneClassMissing));
        assertTrue(dim.getMessage().contains("12 features"), dim.getMessage());
    }
}
