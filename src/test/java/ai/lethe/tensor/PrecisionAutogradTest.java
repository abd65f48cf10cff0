// The backward rules of conv2d and matmul run at the precision of their forward (as torch.autocast's recorded bf16
// ops do): a Precision scope around the forward pass alone gives the same gradients as one around forward and
// backward, and other gradients than float32's (on the ref backend, whose rounding is the definition's).
package ai.lethe.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.lethe.backend.Precision;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PrecisionAutogradTest {
    /** Gradients of sum((conv(x, w) flattened) @ m) with respect to x, w and m. */
    private static float[][] gradients(Precision forward, Precision backward) {
        Generator g = new Generator(3);
        Tensor x = Tensor.randn(Shape.of(2, 3, 5, 5), g, Device.REF).setRequiresGrad(true);
        Tensor w = Tensor.randn(Shape.of(4, 3, 3, 3), g, Device.REF).setRequiresGrad(true);
        Tensor m = Tensor.randn(Shape.of(100, 6), g, Device.REF).setRequiresGrad(true);
        Tensor loss;
        try (Precision.Scope s = Precision.autocast(forward)) {
            Tensor y = Convolution.conv2d(x, w, null, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1});
            loss = Linalg.matmul(y.reshape(2, 100), m).sum();
        }
        try (Precision.Scope s = Precision.autocast(backward)) {
            loss.backward();
        }
        return new float[][] {x.grad().toFloatArray(), w.grad().toFloatArray(), m.grad().toFloatArray()};
    }

    @Test void backwardRunsAtTheForwardsPrecision() {
        float[][] inside = gradients(Precision.BF16, Precision.BF16), forwardOnly = gradients(Precision.BF16, Precision.FP32);
        float[][] fp32 = gradients(Precision.FP32, Precision.FP32), fp32ThenBf16 = gradients(Precision.FP32, Precision.BF16);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(inside[i], forwardOnly[i], "gradient " + i + ": the scope around the forward governs backward");
            assertArrayEquals(fp32[i], fp32ThenBf16[i], "gradient " + i + ": a float32 forward keeps a float32 backward");
            assertFalse(Arrays.equals(fp32[i], inside[i]), "gradient " + i + ": bf16 gradients are not float32's");
        }
    }
}
