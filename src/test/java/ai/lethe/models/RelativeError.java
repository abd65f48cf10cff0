// Tensor comparison by relative error: max|actual − expected| / max|expected| (the infinity norm of the error over
// the infinity norm of the expected tensor), so elements near zero are judged on the tensor's scale. Reports the
// worst element by index.
package ai.lethe.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.lethe.tensor.Tensor;

final class RelativeError {
    private RelativeError() {}

    static double of(double[] expected, double[] actual) {
        double scale = 0, err = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            double d = Math.abs(actual[i] - expected[i]);
            err = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(err, d);
        }
        return scale == 0 ? err : err / scale;
    }

    static void assertClose(String what, FixtureReader.Entry expected, Tensor actual, double tolerance) {
        assertArrayEquals(expected.shape(), actual.shape().dims(), what + ": shape");
        double[] e = expected.values(), a = actual.toDoubleArray();
        double rel = of(e, a);
        if (!(rel <= tolerance)) {
            int worst = 0;
            for (int i = 0; i < e.length; i++) if (!(Math.abs(a[i] - e[i]) <= Math.abs(a[worst] - e[worst]))) worst = i;
            throw new AssertionError(what + ": relative error " + rel + " > " + tolerance + "; worst element " + worst + " is " + a[worst]
                    + ", expected " + e[worst]);
        }
    }
}
