// SGD's hyper-parameters for one parameter group, validated as torch.optim.SGD validates them (plus dampening
// in [0, 1], finite values, and the l1 term that torch lacks). Immutable: change a group with its with* copies.
// Checkpoints carry PyTorch's names; "l1" is written only when it is not 0, so a plain SGD's state keeps
// exactly torch's keys.
package ai.lethe.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * @param lr          learning rate, >= 0
 * @param momentum    momentum factor, >= 0 (0: plain SGD, no momentum buffer)
 * @param dampening   dampening of the momentum, in [0, 1]
 * @param weightDecay L2 penalty added to the gradient, >= 0
 * @param nesterov    Nesterov momentum (needs momentum > 0 and dampening 0)
 * @param maximize    ascend the objective instead of descending it
 * @param l1          l1 penalty: l1·sign(θ) is added to the gradient (with the weight decay), >= 0
 */
public record SgdOptions(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                         boolean maximize, double l1) implements GroupOptions<SgdOptions> {
    private static final String WHO = "SGD";

    public SgdOptions {
        Check.nonNegative(WHO, "lr", lr);
        Check.nonNegative(WHO, "momentum", momentum);
        Check.inClosed(WHO, "dampening", dampening, 0, 1);
        Check.nonNegative(WHO, "weightDecay", weightDecay);
        Check.nonNegative(WHO, "l1", l1);
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new IllegalArgumentException(WHO + ": nesterov requires momentum > 0 and dampening 0, got momentum "
                    + momentum + " and dampening " + dampening);
    }

    /** Options without an l1 term (torch.optim.SGD's). */
    public SgdOptions(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                      boolean maximize) {
        this(lr, momentum, dampening, weightDecay, nesterov, maximize, 0);
    }

    /** Whether the step keeps a momentum buffer (the rest goes to the kernels as scalars). */
    @Override public Object layout() { return momentum != 0; }

    @Override public SgdOptions withLr(double lr) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize, l1);
    }

    public SgdOptions withMomentum(double momentum) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize, l1);
    }

    public SgdOptions withDampening(double dampening) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize, l1);
    }

    public SgdOptions withWeightDecay(double weightDecay) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize, l1);
    }

    public SgdOptions withNesterov(boolean nesterov) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize, l1);
    }

    public SgdOptions withMaximize(boolean maximize) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize, l1);
    }

    /** A copy with another l1 penalty (l1-sparse unlearning lowers it every epoch). */
    public SgdOptions withL1(double l1) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize, l1);
    }

    @Override public OptionalDouble cycleMomentum() { return OptionalDouble.of(momentum); }

    @Override public SgdOptions withCycleMomentum(double momentum) { return withMomentum(momentum); }

    @Override public Map<String, Double> toScalars() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("lr", lr);
        m.put("momentum", momentum);
        m.put("dampening", dampening);
        m.put("weight_decay", weightDecay);
        m.put("nesterov", nesterov ? 1.0 : 0.0);
        m.put("maximize", maximize ? 1.0 : 0.0);
        if (l1 != 0) m.put("l1", l1);
        return m;
    }

    @Override public SgdOptions withScalars(Map<String, Double> values, String keyPrefix) {
        double lr = this.lr, momentum = this.momentum, dampening = this.dampening, weightDecay = this.weightDecay;
        double l1 = this.l1;
        boolean nesterov = this.nesterov, maximize = this.maximize;
        for (var e : values.entrySet()) {
            String key = keyPrefix + e.getKey();
            double v = e.getValue();
            switch (e.getKey()) {
                case "lr" -> lr = v;
                case "momentum" -> momentum = v;
                case "dampening" -> dampening = v;
                case "weight_decay" -> weightDecay = v;
                case "nesterov" -> nesterov = GroupOptions.flag(key, v);
                case "maximize" -> maximize = GroupOptions.flag(key, v);
                case "l1" -> l1 = v;
                default -> {
                    var known = new java.util.ArrayList<>(toScalars().keySet());
                    if (!known.contains("l1")) known.add("l1");
                    throw new IllegalArgumentException(key + ": unknown SGD hyper-parameter (known: " + known + ")");
                }
            }
        }
        try {
            return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize, l1);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(keyPrefix.replaceAll("\\.$", "") + ": " + e.getMessage(), e);
        }
    }
}
