// The options every training-based method takes — epochs, lr, batch-size, and for SGD momentum and
// weight-decay — read from MethodOptions with the method's defaults and checked (a message names the method,
// the option and the value); the optimizers built from them carry the model's pruning masks.
package ai.lethe.unlearn.train;

import ai.lethe.models.ImageModel;
import ai.lethe.nn.Masks;
import ai.lethe.optim.Adam;
import ai.lethe.optim.SGD;
import ai.lethe.unlearn.MethodOptions;
import java.util.LinkedHashMap;
import java.util.Map;

/** @param momentum SGD's momentum (NaN for Adam) */
public record LoopOptions(int epochs, double lr, int batchSize, double momentum, double weightDecay) {

    /** SGD options: defaults momentum 0.9 and weight decay 5e-4 (Unlearn-Sparse's unlearning optimizer). */
    public static LoopOptions sgd(MethodOptions o, int epochs, double lr, int batchSize) {
        int e = o.getInt("epochs", epochs, 1);
        double l = positive(o, "lr", o.getDouble("lr", lr, 0));
        int b = o.getInt("batch-size", batchSize, 1);
        double m = o.getDouble("momentum", 0.9, 0);
        if (m >= 1) throw new IllegalArgumentException(o.method() + ": option 'momentum' must be < 1, got " + m);
        double wd = o.getDouble("weight-decay", 5e-4, 0);
        return new LoopOptions(e, l, b, m, wd);
    }

    /** Adam options (weight decay default 0, as torch.optim.Adam). */
    public static LoopOptions adam(MethodOptions o, int epochs, double lr, int batchSize) {
        int e = o.getInt("epochs", epochs, 1);
        double l = positive(o, "lr", o.getDouble("lr", lr, 0));
        int b = o.getInt("batch-size", batchSize, 1);
        double wd = o.getDouble("weight-decay", 0, 0);
        return new LoopOptions(e, l, b, Double.NaN, wd);
    }

    static double positive(MethodOptions o, String key, double v) {
        if (!(v > 0)) throw new IllegalArgumentException(o.method() + ": option '" + key + "' must be > 0, got " + v);
        return v;
    }

    public boolean isSgd() { return !Double.isNaN(momentum); }

    /** SGD over the model's parameters with its masks attached. */
    public SGD sgd(ImageModel model) {
        return Masks.attach(SGD.builder(model.parameters()).lr(lr).momentum(momentum).weightDecay(weightDecay).build(), model);
    }

    /** Adam over the model's parameters with its masks attached. */
    public Adam adam(ImageModel model) { return adam(model, lr, weightDecay); }

    static Adam adam(ImageModel model, double lr, double weightDecay) {
        return Masks.attach(Adam.builder(model.parameters()).lr(lr).weightDecay(weightDecay).build(), model);
    }

    /** The options as JSON fields (insertion order). */
    public Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("lr", lr);
        m.put("batch-size", batchSize);
        m.put("optimizer", isSgd() ? "sgd" : "adam");
        if (isSgd()) m.put("momentum", momentum);
        m.put("weight-decay", weightDecay);
        return m;
    }
}
