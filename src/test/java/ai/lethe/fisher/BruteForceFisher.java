// The definitions of the Fisher diagonals computed the slow, obvious way — one sample (and, for the true
// Fisher, one class) at a time, squaring ordinary parameter gradients — as the reference for the fast ones.
package ai.lethe.fisher;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.nn.F;
import ai.lethe.nn.Module;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

final class BruteForceFisher {
    private BruteForceFisher() {}

    /** (1/N) Σ_n (∇ CE(x_n, y_n))² (trueFisher: Σ_y p(y|x_n)(∇ −log p(y|x_n))²), as float64 arrays by name. */
    static Map<String, double[]> compute(Module model, Dataset data, Device device, boolean trueFisher) {
        model.eval();
        Map<String, Tensor> params = model.namedParameters();
        Map<String, double[]> acc = new LinkedHashMap<>();
        params.forEach((k, p) -> acc.put(k, new double[(int) p.numel()]));
        for (int i = 0; i < data.size(); i++) {
            try (Scope _ = Scope.open()) {
                Tensor x = Tensor.fromArray(data.image(i).data(), device, 1, data.shape().channels(), data.shape().height(),
                        data.shape().width());
                Tensor logp = model.forward(x).logSoftmax(1);
                double[] p = logp.exp().toDoubleArray();
                int classes = trueFisher ? p.length : 1;
                for (int c = 0; c < classes; c++) {
                    int y = trueFisher ? c : data.label(i);
                    double w = trueFisher ? p[c] : 1;
                    model.zeroGrad();
                    logp.select(1, y).sum().neg().backward();
                    for (var e : params.entrySet()) {
                        double[] g = e.getValue().grad().toDoubleArray(), a = acc.get(e.getKey());
                        for (int j = 0; j < g.length; j++) a[j] += w * g[j] * g[j];
                    }
                }
            }
        }
        model.zeroGrad();
        for (double[] a : acc.values()) for (int j = 0; j < a.length; j++) a[j] /= data.size();
        return acc;
    }

    /** Σ over batches of (∇ mean-batch CE)², divided by the number of batches (SSD's reference). */
    static Map<String, double[]> batchMean(Module model, Dataset data, Device device, int batchSize) {
        model.eval();
        Map<String, Tensor> params = model.namedParameters();
        Map<String, double[]> acc = new LinkedHashMap<>();
        params.forEach((k, p) -> acc.put(k, new double[(int) p.numel()]));
        int batches = 0;
        int per = data.shape().size();
        for (int start = 0; start < data.size(); start += batchSize, batches++) {
            int n = Math.min(batchSize, data.size() - start);
            float[] images = new float[n * per];
            long[] labels = new long[n];
            for (int i = 0; i < n; i++) {
                data.readImage(start + i, images, i * per);
                labels[i] = data.label(start + i);
            }
            try (Scope _ = Scope.open()) {
                model.zeroGrad();
                Tensor x = Tensor.fromArray(images, device, n, data.shape().channels(), data.shape().height(), data.shape().width());
                F.crossEntropy(model.forward(x), Tensor.fromLongs(labels, device, n)).backward();
                try (var _ = GradMode.noGrad()) {
                    for (var e : params.entrySet()) {
                        double[] g = e.getValue().grad().toDoubleArray(), a = acc.get(e.getKey());
                        for (int j = 0; j < g.length; j++) a[j] += g[j] * g[j];
                    }
                }
            }
        }
        model.zeroGrad();
        for (double[] a : acc.values()) for (int j = 0; j < a.length; j++) a[j] /= batches;
        return acc;
    }
}
