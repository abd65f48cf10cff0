// ZRF, the zero-retrain forgetting score of Bad Teacher (Chundawat et al., AAAI 2023): how close a model's outputs
// on the forget set are to those of an incompetent (freshly initialised) model,
//     ZRF = 1 − (1/|Df|) Σ_{x ∈ Df} JS(p(x) ‖ q(x)),   JS(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m),  m = (p + q)/2,
// with natural logarithms (so ZRF ∈ [1 − ln 2, 1]; 1 = indistinguishable from the incompetent model). The paper's
// code (UnLearningScore) computes each KL with F.kl_div's default "mean" reduction, which also divides by the number
// of classes: MiaOptions.Zrf.REFERENCE reproduces that. Probabilities are the float32 softmaxes of Predictions;
// the divergences are summed in double with 0 · log 0 = 0, so a zero probability never makes them infinite.
package ai.lethe.eval;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.transform.Transform;
import ai.lethe.nn.Module;

public final class ZeroRetrainForgetting {
    private ZeroRetrainForgetting() {}

    /** ZRF of {@code model} against {@code incompetent} on {@code forget} (NaN when it is empty or form is NONE). */
    public static double compute(Module model, Module incompetent, Dataset forget, Transform transform, Device device,
                                 int batchSize, int workers, MiaOptions.Zrf form) {
        if (form == MiaOptions.Zrf.NONE || forget.size() == 0) return Double.NaN;
        float[][] p = probabilities(model, forget, transform, device, batchSize, workers);
        float[][] q = probabilities(incompetent, forget, transform, device, batchSize, workers);
        return score(p, q, form);
    }

    /** ZRF of per-sample probability rows {@code p} (the model) against {@code q} (the incompetent model). */
    public static double score(float[][] p, float[][] q, MiaOptions.Zrf form) {
        if (p.length != q.length) throw new IllegalArgumentException("ZRF: " + p.length + " rows of the model vs " + q.length + " of the incompetent model");
        if (form == MiaOptions.Zrf.NONE || p.length == 0) return Double.NaN;
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i].length != q[i].length) throw new IllegalArgumentException("ZRF: row " + i + " has " + p[i].length + " vs " + q[i].length + " classes");
            double js = jensenShannon(p[i], q[i]);
            sum += form == MiaOptions.Zrf.REFERENCE ? js / p[i].length : js;
        }
        return 1 - sum / p.length;
    }

    /** JS(p ‖ q) with natural logarithms. */
    public static double jensenShannon(float[] p, float[] q) {
        double js = 0;
        for (int k = 0; k < p.length; k++) {
            double m = 0.5 * ((double) p[k] + q[k]);
            if (p[k] > 0) js += 0.5 * p[k] * Math.log(p[k] / m);
            if (q[k] > 0) js += 0.5 * q[k] * Math.log(q[k] / m);
        }
        return js;
    }

    /** Float32 softmax rows of {@code model} over {@code data}. */
    static float[][] probabilities(Module model, Dataset data, Transform transform, Device device, int batchSize, int workers) {
        float[][] out = new float[data.size()][];
        int[] next = {0};
        Predictions.forEachSoftmaxBatch(model, data, transform, device, batchSize, workers, b -> {
            for (int r = 0; r < b.labels().length; r++) {
                float[] row = new float[b.classes()];
                Predictions.softmax(b.logits(), r, b.classes(), row);
                out[next[0]++] = row;
            }
        });
        return out;
    }
}
