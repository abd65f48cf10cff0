// Element-wise comparison with explicit tolerances, |actual − expected| ≤ atol + rtol·|expected|, reporting the
// worst element by index.
package ai.lethe.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lethe.core.Shape;
import ai.lethe.tensor.Tensor;

final class Close {
    private Close() {}

    static void assertClose(String what, Shape expectedShape, double[] expected, Tensor actual, double rtol, double atol) {
        assertEquals(expectedShape, actual.shape(), what + ": shape");
        assertClose(what, expected, actual.toDoubleArray(), rtol, atol);
    }

    static void assertClose(String what, double[] expected, double[] actual, double rtol, double atol) {
        assertEquals(expected.length, actual.length, what + ": element count");
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            double excess = err - (atol + rtol * Math.abs(expected[i]));
            if (!(excess <= worstExcess) || Double.isNaN(actual[i])) {
                worstExcess = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
                worst = i;
            }
        }
        if (worst >= 0)
            throw new AssertionError(what + ": element " + worst + " is " + actual[worst] + ", expected " + expected[worst]
                    + " (error " + Math.abs(actual[worst] - expected[worst]) + " > atol " + atol + " + rtol " + rtol + "·|expected|)");
    }
}
