// SGD's hyper-parameters for one parameter group, validated as torch.optim.SGD validates them (plus dampening
// in [0, 1] and finite values). Immutable: change a group with its with* copies.
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
 */
public record SgdOptions(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                         boolean maximize) implements GroupOptions<SgdOptions> {
    private static final String WHO = "SGD";

    public SgdOptions {
        Check.nonNegative(WHO, "lr", lr);
        Check.nonNegative(WHO, "momentum", momentum);
        Check.inClosed(WHO, "dampening", dampening, 0, 1);
        Check.nonNegative(WHO, "weightDecay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new IllegalArgumentException(WHO + ": nesterov requires momentum > 0 and dampening 0, got momentum "
                    + momentum + " and dampening " + dampening);
    }

    @Override public SgdOptions withLr(double lr) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize);
    }

    public SgdOptions withMomentum(double momentum) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize);
    }

    public SgdOptions withDampening(double dampening) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize);
    }

    public SgdOptions withWeightDecay(double weightDecay) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize);
    }

    public SgdOptions withNesterov(boolean nesterov) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize);
    }

    public SgdOptions withMaximize(boolean maximize) {
        return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize);
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
        return m;
    }

    @Override public SgdOptions withScalars(Map<String, Double> values, String keyPrefix) {
        double lr = this.lr, momentum = this.momentum, dampening = this.dampening, weightDecay = this.weightDecay;
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
                default -> throw new IllegalArgumentException(key + ": unknown SGD hyper-parameter (known: "
                        + toScalars().keySet() + ")");
            }
        }
        try {
            return new SgdOptions(lr, momentum, dampening, weightDecay, nesterov, maximize);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(keyPrefix.replaceAll("\\.$", "") + ": " + e.getMessage(), e);
        }
    }
}
