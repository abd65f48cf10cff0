// Parameter initialisation (torch.nn.init): fans, gains, Kaiming/Xavier (uniform and normal), truncated
// normal with PyTorch's inverse-CDF algorithm, and plain fills. Every function overwrites its tensor in place
// under no-grad, draws from the given Generator (Generator.global() when none is given) and returns the tensor.
package ai.lethe.nn;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;

public final class Init {
    private Init() {}

    /** fan_in = size(1)·receptive field, fan_out = size(0)·receptive field (receptive field: product of dims 2..). */
    public record Fans(long fanIn, long fanOut) {
        public long of(FanMode mode) { return mode == FanMode.FAN_IN ? fanIn : fanOut; }
    }

    public static Fans fans(Tensor t) {
        if (t.rank() < 2)
            throw new IllegalArgumentException("Init.fans: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions, got shape "
                    + t.shape());
        long receptive = 1;
        for (int i = 2; i < t.rank(); i++) receptive *= t.size(i);
        return new Fans(t.size(1) * receptive, t.size(0) * receptive);
    }

    /** torch.nn.init.calculate_gain. */
    public static double gain(Nonlinearity nonlinearity, double param) { return nonlinearity.gain(param); }

    // ---- Kaiming (He) ----------------------------------------------------------------------------------

    /** Normal with std = gain / √fan (a: leaky_relu's negative slope). */
    public static Tensor kaimingNormal(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity, Generator gen) {
        double std = nonlinearity.gain(a) / Math.sqrt(fan(t, mode, "kaimingNormal"));
        return normal(t, 0, std, gen);
    }

    public static Tensor kaimingNormal(Tensor t, FanMode mode, Nonlinearity nonlinearity, Generator gen) {
        return kaimingNormal(t, 0, mode, nonlinearity, gen);
    }

    public static Tensor kaimingNormal(Tensor t, FanMode mode, Nonlinearity nonlinearity) {
        return kaimingNormal(t, 0, mode, nonlinearity, Generator.global());
    }

    /** Uniform on ±gain·√(3 / fan) (a: leaky_relu's negative slope). */
    public static Tensor kaimingUniform(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity, Generator gen) {
        double bound = nonlinearity.gain(a) * Math.sqrt(3.0 / fan(t, mode, "kaimingUniform"));
        return uniform(t, -bound, bound, gen);
    }

    public static Tensor kaimingUniform(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity) {
        return kaimingUniform(t, a, mode, nonlinearity, Generator.global());
    }

    private static long fan(Tensor t, FanMode mode, String op) {
        long fan = fans(t).of(mode);
        if (fan <= 0) throw new IllegalArgumentException("Init." + op + ": " + mode + " is 0 for shape " + t.shape());
        return fan;
    }

    // ---- Xavier (Glorot) -------------------------------------------------------------------------------

    /** Uniform on ±gain·√(6 / (fan_in + fan_out)). */
    public static Tensor xavierUniform(Tensor t, double gain, Generator gen) {
        Fans f = fans(t);
        double bound = gain * Math.sqrt(6.0 / (f.fanIn() + f.fanOut()));
        return uniform(t, -bound, bound, gen);
    }

    public static Tensor xavierUniform(Tensor t) { return xavierUniform(t, 1.0, Generator.global()); }

    /** Normal with std = gain·√(2 / (fan_in + fan_out)). */
    public static Tensor xavierNormal(Tensor t, double gain, Generator gen) {
        Fans f = fans(t);
        return normal(t, 0, gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut())), gen);
    }

    public static Tensor xavierNormal(Tensor t) { return xavierNormal(t, 1.0, Generator.global()); }

    // ---- truncated normal ------------------------------------------------------------------------------

    /**
     * Normal(mean, std) truncated to [a, b] (absolute bounds, as torch.nn.init.trunc_normal_): uniform on
     * [2l−1, 2u−1] with l, u the standard normal CDF at the standardised bounds, then erfinv, ·std·√2 + mean,
     * clamped to [a, b].
     */
    public static Tensor truncNormal(Tensor t, double mean, double std, double a, double b, Generator gen) {
        if (!(std > 0)) throw new IllegalArgumentException("Init.truncNormal: std must be positive, got " + std);
        if (!(a < b)) throw new IllegalArgumentException("Init.truncNormal: lower bound " + a + " must be below upper bound " + b);
        if (t.numel() == 0) return t;
        double[] cdf = normalCdf((a - mean) / std, (b - mean) / std);
        return write(t, () -> Tensor.uniform(t.shape(), 2 * cdf[0] - 1, 2 * cdf[1] - 1, gen, floatType(t, "truncNormal"), t.device())
                .erfinv().mul(std * Math.sqrt(2.0)).add(mean).clamp(a, b));
    }

    public static Tensor truncNormal(Tensor t, double mean, double std, double a, double b) {
        return truncNormal(t, mean, std, a, b, Generator.global());
    }

    /** Φ at each argument (Φ(x) = (1 + erf(x/√2)) / 2), computed in float64 with the ref backend's erf. */
    private static double[] normalCdf(double... xs) {
        return Scope.unscoped(() -> {
            double[] scaled = new double[xs.length];
            for (int i = 0; i < xs.length; i++) scaled[i] = xs[i] / Math.sqrt(2.0);
            try (var _ = GradMode.noGrad();
                 Tensor x = Tensor.fromArray(scaled, DType.FLOAT64, Device.REF, xs.length);
                 Tensor e = x.erf()) {
                double[] out = e.toDoubleArray();
                for (int i = 0; i < out.length; i++) out[i] = (1 + out[i]) / 2;
                return out;
            }
        });
    }

    // ---- plain distributions and fills -----------------------------------------------------------------

    public static Tensor normal(Tensor t, double mean, double std, Generator gen) {
        if (!(std >= 0)) throw new IllegalArgumentException("Init.normal: std must be >= 0, got " + std);
        return write(t, () -> Tensor.normal(t.shape(), mean, std, gen, floatType(t, "normal"), t.device()));
    }

    public static Tensor normal(Tensor t, double mean, double std) { return normal(t, mean, std, Generator.global()); }

    /** Uniform on [low, high). */
    public static Tensor uniform(Tensor t, double low, double high, Generator gen) {
        if (!(low <= high)) throw new IllegalArgumentException("Init.uniform: low " + low + " must not exceed high " + high);
        return write(t, () -> Tensor.uniform(t.shape(), low, high, gen, floatType(t, "uniform"), t.device()));
    }

    public static Tensor uniform(Tensor t, double low, double high) { return uniform(t, low, high, Generator.global()); }

    public static Tensor constant(Tensor t, double value) {
        try (var _ = GradMode.noGrad()) {
            return t.fill(value);
        }
    }

    public static Tensor zeros(Tensor t) { return constant(t, 0); }

    public static Tensor ones(Tensor t) { return constant(t, 1); }

    private static DType floatType(Tensor t, String op) {
        if (!t.dtype().isFloatingPoint()) throw new IllegalArgumentException("Init." + op + ": tensor must be floating point, got " + t.dtype());
        return t.dtype();
    }

    /** Copies the values {@code make} creates into {@code t} under no-grad; temporaries are freed. */
    private static Tensor write(Tensor t, java.util.function.Supplier<Tensor> make) {
        t.checkOpen("Init");
        if (t.numel() == 0) return t;
        try (Scope _ = Scope.open("Init"); var _ = GradMode.noGrad()) {
            t.copyFrom(make.get());
        }
        return t;
    }
}
