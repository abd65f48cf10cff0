// Basic behaviour of tensors on the ref backend: creation, views sharing storage, arithmetic, reductions,
// autograd on a small expression, and lifetimes (scopes, use after close).
package ai.lethe.tensor;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import org.junit.jupiter.api.Test;

class TensorBasicsTest {
    private static final Device REF = Device.REF;

    @Test void createsAndReadsBack() {
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.fromArray(new float[] {1, 2, 3, 4, 5, 6}, REF, 2, 3);
            assertEquals(Shape.of(2, 3), t.shape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.toFloatArray());
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.t().toFloatArray());
            assertArrayEquals(new float[] {2, 5}, t.select(1, 1).toFloatArray());
            assertArrayEquals(new float[] {1, 3, 4, 6}, t.slice(1, 0, 3, 2).toFloatArray());
            assertEquals(21.0, t.sum().item(), 0);
            assertArrayEquals(new float[] {5, 7, 9}, t.sum(0).toFloatArray());
            assertArrayEquals(new float[] {2, 5}, t.mean(1).toFloatArray());
            assertArrayEquals(new long[] {2, 2}, t.argmax(1).toLongArray());
            assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, t.add(t).toFloatArray());
            Tensor row = Tensor.fromArray(new float[] {10, 20, 30}, REF, 3);
            assertArrayEquals(new float[] {11, 22, 33, 14, 25, 36}, t.add(row).toFloatArray());
            assertTrue(t.t().sharesStorageWith(t));
            assertEquals(0, s.size() == 0 ? 1 : 0);
        }
    }

    @Test void matmulMatchesHandComputation() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.fromArray(new float[] {1, 2, 3, 4, 5, 6}, REF, 2, 3);
            Tensor b = Tensor.fromArray(new float[] {7, 8, 9, 10, 11, 12}, REF, 3, 2);
            assertArrayEquals(new float[] {58, 64, 139, 154}, a.matmul(b).toFloatArray());
        }
    }

    @Test void autogradOfSmallExpression() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.fromArray(new float[] {1, 2, 3}, REF, 3).setRequiresGrad(true);
            Tensor y = x.mul(x).sum();      // d/dx = 2x
            y.backward();
            assertArrayEquals(new float[] {2, 4, 6}, x.grad().toFloatArray());
            Tensor z = x.exp().mean();      // accumulates exp(x)/3
            z.backward();
            float[] g = x.grad().toFloatArray();
            for (int i = 0; i < 3; i++) assertEquals(2 * (i + 1) + Math.exp(i + 1) / 3, g[i], 1e-5);
        }
    }

    @Test void scopeFreesAndUseAfterCloseThrows() {
        Tensor leaked;
        try (Scope s = Scope.open()) {
            leaked = Tensor.ones(Shape.of(4), REF);
        }
        assertTrue(leaked.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> leaked.add(leaked));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
