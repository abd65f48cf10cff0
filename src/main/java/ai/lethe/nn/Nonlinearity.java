// The nonlinearities torch.nn.init.calculate_gain knows, with their recommended gains.
package ai.lethe.nn;

public enum Nonlinearity {
    LINEAR, CONV1D, CONV2D, CONV3D, SIGMOID, TANH, RELU, LEAKY_RELU, SELU;

    /** The gain; {@code param} is leaky_relu's negative slope (PyTorch's default 0.01 applies to NaN). */
    public double gain(double param) {
        return switch (this) {
            case LINEAR, CONV1D, CONV2D, CONV3D, SIGMOID -> 1.0;
            case TANH -> 5.0 / 3.0;
            case RELU -> Math.sqrt(2.0);
            case LEAKY_RELU -> {
                double slope = Double.isNaN(param) ? 0.01 : param;
                yield Math.sqrt(2.0 / (1 + slope * slope));
            }
            case SELU -> 3.0 / 4.0;
        };
    }

    public double gain() { return gain(Double.NaN); }
}
