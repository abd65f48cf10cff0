// Norm-wise comparison of tensors: ||actual - expected|| / ||expected|| <= tolerance, with NaN and shape checks
// and a message that names the worst element.
package ai.lethe.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lethe.tensor.Tensor;

final class Compare {
    private Compare() {}

    static void close(String what, Tensor expected, Tensor actual, double tolerance) {
        assertEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        double diff = 0, norm = 0, worst = -1;
        int worstAt = -1;
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(a[i]) != Double.isNaN(e[i])) fail(what + ": element " + i + " is " + a[i] + ", expected " + e[i]);
            if (Double.isNaN(e[i])) continue;
            double d = a[i] - e[i];
            diff += d * d;
            norm += e[i] * e[i];
            if (Math.abs(d) > worst) {
                worst = Math.abs(d);
                worstAt = i;
            }
        }
        double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
        if (norm == 0 ? diff != 0 : rel > tolerance)
            fail(String.format("%s: relative error %.3g > %.1g (worst element %d: %s vs expected %s)", what, rel, tolerance,
                    worstAt, a[worstAt], e[worstAt]));
    }
}
