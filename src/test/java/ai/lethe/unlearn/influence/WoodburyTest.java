// Woodbury's H⁻¹v against a dense solve of (λI + GᵀG/m) x = v in double (Gaussian elimination with partial
// pivoting) on small random problems, with the Gram matrix accumulated in one block and in several; and the
// Cholesky solver on its own. Tolerance 1e-4 relative to the solution's largest entry: G and v are float32
// (7 significant digits) and the Woodbury form subtracts a correction of the size of v.
package ai.lethe.unlearn.influence;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WoodburyTest {
    @ParameterizedTest(name = "m={0} P={1} lambda={2} block={3}")
    @CsvSource({"7, 30, 1.0, 65536", "7, 30, 0.01, 4", "16, 50, 0.3, 7", "40, 25, 2.0, 3", "1, 9, 0.5, 65536"})
    void equalsADenseSolve(int m, int p, double lambda, long block) {
        try (var _ = Scope.open()) {
            Generator gen = new Generator(m * 1000L + p);
            Tensor g = Tensor.randn(Shape.of(m, p), gen, Device.REF).mul(1.5);
            Tensor v = Tensor.randn(Shape.of(p), gen, Device.REF);
            float[] got = Woodbury.solve(g, v, lambda, block).toFloatArray();
            double[] want = denseSolve(g.toDoubleArray(), v.toDoubleArray(), m, p, lambda);
            double scale = 0;
            for (double w : want) scale = Math.max(scale, Math.abs(w));
            for (int i = 0; i < p; i++)
                assertEquals(want[i], got[i], 1e-4 * scale, "entry " + i);
        }
    }

    @ParameterizedTest(name = "lambda={0}") @CsvSource({"-1", "0", "NaN"})
    void rejectsANonPositiveDamping(double lambda) {
        try (var _ = Scope.open()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Woodbury.solve(Tensor.zeros(2, 3), Tensor.zeros(3), lambda));
            assertTrue(e.getMessage().contains("lambda"), e.getMessage());
        }
    }

    /** x = (λI + GᵀG/m)⁻¹ v by Gaussian elimination with partial pivoting, in double. */
    static double[] denseSolve(double[] g, double[] v, int m, int p, double lambda) {
        double[][] a = new double[p][p + 1];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                double s = 0;
                for (int r = 0; r < m; r++) s += g[r * p + i] * g[r * p + j];
                a[i][j] = s / m + (i == j ? lambda : 0);
            }
            a[i][p] = v[i];
        }
        for (int c = 0; c < p; c++) {
            int piv = c;
            for (int r = c + 1; r < p; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
            double[] t = a[c]; a[c] = a[piv]; a[piv] = t;
            for (int r = c + 1; r < p; r++) {
                double f = a[r][c] / a[c][c];
                for (int k = c; k <= p; k++) a[r][k] -= f * a[c][k];
            }
        }
        double[] x = new double[p];
        for (int i = p - 1; i >= 0; i--) {
            double s = a[i][p];
            for (int k = i + 1; k < p; k++) s -= a[i][k] * x[k];
            x[i] = s / a[i][i];
        }
        return x;
    }
}
