// How the tuner gets a model's predictions on a validation set: by default one inference pass (Predictions.of with
// the task's transform, device, batch size and workers). Tests substitute an instrumented one to check which
// samples the tuner ever evaluates on (never Df's).
package ai.lethe.tune;

import ai.lethe.data.Dataset;
import ai.lethe.eval.Predictions;
import ai.lethe.models.ImageModel;

@FunctionalInterface
public interface Predictor {
    Predictions predict(ImageModel model, Dataset data);

    /** Plain inference on {@code data}'s device with its transform, batch size and workers. */
    static Predictor of(TuneData data) {
        return (model, set) -> Predictions.of(model, set, data.transform(), data.device(), data.evalBatchSize(), data.workers());
    }

    /** The trial's metrics on the validation splits (forget, retain loss and accuracy, test accuracy). */
    static TrialMetrics measure(Predictor p, ImageModel model, ValidationSplits v) {
        Predictions forget = p.predict(model, v.forgetValidation());
        Predictions retain = p.predict(model, v.retainValidation());
        Predictions test = p.predict(model, v.testValidation());
        return new TrialMetrics(forget.accuracy(), crossEntropy(retain), retain.accuracy(), test.accuracy());
    }

    /** Mean −log p_y over the samples (p_y clamped at 1e-30 so a confident mistake is a large, finite loss). */
    static double crossEntropy(Predictions p) {
        float[] c = p.confidence();
        if (c.length == 0) return Double.NaN;
        double s = 0;
        for (float v : c) {
            if (Float.isNaN(v)) return Double.NaN;
            s -= Math.log(Math.max(v, 1e-30));
        }
        return s / c.length;
    }
}
