// PyTorch's reset_parameters for Linear and Conv2d: weight kaiming_uniform(a = √5), i.e. U(±1/√fan_in), and
// bias U(±1/√fan_in) with fan_in of the weight.
package ai.lethe.nn;

import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

final class DefaultInit {
    private DefaultInit() {}

    static void kaimingUniformWithBias(Tensor weight, Tensor bias, Generator gen) {
        Init.kaimingUniform(weight, Math.sqrt(5), FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, gen);
        if (bias != null) {
            long fanIn = Init.fans(weight).fanIn();
            double bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
            Init.uniform(bias, -bound, bound, gen);
        }
    }
}
