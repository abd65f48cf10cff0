// Adam's and AdamW's hyper-parameters for one parameter group, validated as torch.optim.Adam validates them
// (plus finite values). Whether weight decay is coupled (Adam) or decoupled (AdamW) is the optimizer's kind,
// not a group option. Immutable: change a group with its with* copies.
package ai.lethe.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * @param lr          learning rate, >= 0
 * @param beta1       decay of the first-moment average, in [0, 1)
 * @param beta2       decay of the second-moment average, in [0, 1)
 * @param eps         added to the denominator, >= 0
 * @param weightDecay L2 penalty (Adam) or decoupled decay rate (AdamW), >= 0
 * @param maximize    ascend the objective instead of descending it
 */
public record AdamOptions(double lr, double beta1, double beta2, double eps, double weightDecay, boolean maximize)
        implements GroupOptions<AdamOptions> {
    private static final String WHO = "Adam";

    public AdamOptions {
        Check.nonNegative(WHO, "lr", lr);
        Check.inHalfOpen(WHO, "beta1", beta1, 0, 1);
        Check.inHalfOpen(WHO, "beta2", beta2, 0, 1);
        Check.nonNegative(WHO, "eps", eps);
        Check.nonNegative(WHO, "weightDecay", weightDecay);
    }

    @Override public AdamOptions withLr(double lr) { return new AdamOptions(lr, beta1, beta2, eps, weightDecay, maximize); }

    public AdamOptions withBetas(double beta1, double beta2) {
        return new AdamOptions(lr, beta1, beta2, eps, weightDecay, maximize);
    }

    public AdamOptions withEps(double eps) { return new AdamOptions(lr, beta1, beta2, eps, weightDecay, maximize); }

    public AdamOptions withWeightDecay(double weightDecay) {
        return new AdamOptions(lr, beta1, beta2, eps, weightDecay, maximize);
    }

    public AdamOptions withMaximize(boolean maximize) {
        return new AdamOptions(lr, beta1, beta2, eps, weightDecay, maximize);
    }

    @Override public OptionalDouble cycleMomentum() { return OptionalDouble.of(beta1); }

    @Override public AdamOptions withCycleMomentum(double momentum) { return withBetas(momentum, beta2); }

    @Override public Map<String, Double> toScalars() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("lr", lr);
        m.put("betas.0", beta1);
        m.put("betas.1", beta2);
        m.put("eps", eps);
        m.put("weight_decay", weightDecay);
        m.put("maximize", maximize ? 1.0 : 0.0);
        return m;
    }

    @Override public AdamOptions withScalars(Map<String, Double> values, String keyPrefix) {
        double lr = this.lr, beta1 = this.beta1, beta2 = this.beta2, eps = this.eps, weightDecay = this.weightDecay;
        boolean maximize = this.maximize;
        for (var e : values.entrySet()) {
            String key = keyPrefix + e.getKey();
            double v = e.getValue();
            switch (e.getKey()) {
                case "lr" -> lr = v;
                case "betas.0" -> beta1 = v;
                case "betas.1" -> beta2 = v;
                case "eps" -> eps = v;
                case "weight_decay" -> weightDecay = v;
                case "maximize" -> maximize = GroupOptions.flag(key, v);
                default -> throw new IllegalArgumentException(key + ": unknown Adam hyper-parameter (known: "
                        + toScalars().keySet() + ")");
            }
        }
        try {
            return new AdamOptions(lr, beta1, beta2, eps, weightDecay, maximize);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(keyPrefix.replaceAll("\\.$", "") + ": " + e.getMessage(), e);
        }
    }
}
