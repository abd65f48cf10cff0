// The ViT's dropouts (pos_drop, attention, projection and MLP) act in training mode only: in evaluation a model
// with dropout computes exactly what the same weights without dropout compute; in training it differs, and two
// models with the same Generator seed draw the same masks.
package ai.lethe.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DropoutTest {
    @Test
    void vitDropoutActsInTrainingOnly() {
        ViTConfig plain = ViTConfig.of(16, 4, 10, 16, 2, 2);
        ViTConfig dropping = plain.withDropout(0.3).withAttentionDropout(0.2);
        try (ImageModel a = Models.create(dropping, new Generator(7)); ImageModel b = Models.create(plain, new Generator(7));
             ImageModel twin = Models.create(dropping, new Generator(7)); Scope _ = Scope.open()) {
            b.loadStateDict(a.stateDict(), true);
            Tensor x = Tensor.randn(Shape.of(2, 3, 16, 16), new Generator(8));
            a.eval();
            b.eval();
            assertArrayEquals(b.forward(x).toDoubleArray(), a.forward(x).toDoubleArray(), 0.0);
            a.train();
            twin.train();
            double[] train = a.forward(x).toDoubleArray();
            assertFalse(Arrays.equals(b.forward(x).toDoubleArray(), train), "dropout changes the training forward");
            assertTrue(Arrays.equals(twin.forward(x).toDoubleArray(), train), "the same seed draws the same masks");
        }
    }
}
