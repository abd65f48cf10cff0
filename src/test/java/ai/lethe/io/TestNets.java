// The small model the io tests save and load: Sequential(Conv2d, BatchNorm2d, ReLU, Flatten, Linear), the twin
// of fixture_model() in tools/reference/io_fixtures.py, plus helpers to give its BatchNorm buffers non-trivial
// values (training-mode forwards) and to snapshot its state dict.
package ai.lethe.io;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.nn.BatchNorm2d;
import ai.lethe.nn.Conv2d;
import ai.lethe.nn.Flatten;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Module;
import ai.lethe.nn.ReLU;
import ai.lethe.nn.Sequential;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

final class TestNets {
    private TestNets() {}

    static Sequential net(Device device) { return net(device, 6); }

    static Sequential net(Device device, int classes) {
        Sequential m = new Sequential(new Conv2d(3, 4, 3, 1, 1, true), new BatchNorm2d(4), new ReLU(), new Flatten(),
                new Linear(4 * 5 * 5, classes));
        m.to(device);
        return m;
    }

    /** Runs {@code steps} training-mode forwards so the running statistics and num_batches_tracked move. */
    static void warmUp(Module m, Device device, int steps, long seed) {
        Generator g = new Generator(seed);
        m.train();
        try (Scope _ = Scope.open(); var _ = GradMode.noGrad()) {
            for (int i = 0; i < steps; i++) m.forward(Tensor.randn(Shape.of(8, 3, 5, 5), g, device));
        }
    }

    /** The state dict's values as raw bits: float32/float64 as their bit patterns, int64 as they are. */
    static Map<String, long[]> bits(Module m) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (var e : m.stateDict().entrySet()) {
            Tensor t = e.getValue();
            long[] v;
            if (t.dtype() == DType.INT64) v = t.toLongArray();
            else if (t.dtype() == DType.FLOAT64) {
                double[] d = t.toDoubleArray();
                v = new long[d.length];
                for (int i = 0; i < d.length; i++) v[i] = Double.doubleToRawLongBits(d[i]);
            } else {
                float[] f = t.toFloatArray();
                v = new long[f.length];
                for (int i = 0; i < f.length; i++) v[i] = Float.floatToRawIntBits(f[i]);
            }
            out.put(e.getKey() + " " + t.dtype() + " " + t.shape(), v);
        }
        return out;
    }
}
