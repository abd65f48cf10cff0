// The backward engine: diamond graphs sum their gradients, gradients accumulate across backward calls,
// retainGrad/detach/noGrad behave as in PyTorch, and intermediate gradients are freed as they are consumed.
package ai.lethe.tensor;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import org.junit.jupiter.api.Test;

class EngineTest {
    private static Tensor leaf(float... v) { return Tensor.fromArray(v, Device.REF, v.length).setRequiresGrad(true); }

    @Test void diamondGraphsSumBothPaths() {
        try (Scope s = Scope.open()) {
            Tensor x = leaf(1, 2, 3);
            Tensor a = x.mul(2.0), b = x.square();
            a.add(b).add(a).sum().backward();   // d/dx (4x + x^2) = 4 + 2x
            assertArrayEquals(new float[] {6, 8, 10}, x.grad().toFloatArray());
        }
    }

    @Test void gradientsAccumulateUntilZeroed() {
        try (Scope s = Scope.open()) {
            Tensor x = leaf(1, -1);
            x.mul(3.0).sum().backward();
            x.mul(3.0).sum().backward();
            assertArrayEquals(new float[] {6, 6}, x.grad().toFloatArray());
            x.zeroGrad();
            assertNull(x.grad());
        }
    }

    @Test void retainGradDetachAndNoGrad() {
        try (Scope s = Scope.open()) {
            Tensor x = leaf(1, 2);
            Tensor h = x.mul(3.0).retainGrad();
            h.square().sum().backward();
            assertArrayEquals(new float[] {6, 12}, h.grad().toFloatArray());   // 2h
            assertArrayEquals(new float[] {18, 36}, x.grad().toFloatArray());  // 2h * 3
            Tensor d = x.detach();
            assertFalse(d.requiresGrad());
            assertTrue(d.sharesStorageWith(x));
            try (var _ = GradMode.noGrad()) {
                assertFalse(x.mul(2.0).requiresGrad());
            }
            assertTrue(x.mul(2.0).requiresGrad());
        }
    }

    @Test void backwardWithAnUpstreamGradient() {
        try (Scope s = Scope.open()) {
            Tensor x = leaf(1, 2, 3);
            x.square().backward(Tensor.fromArray(new float[] {1, 0, -1}, Device.REF, 3));
            assertArrayEquals(new float[] {2, 0, -6}, x.grad().toFloatArray());
        }
    }

    @Test void leafGradientsBelongToTheLeafsOwner() {
        Scope params = Scope.detached("params");
        Tensor w = params.adopt(leaf(1, 2));
        try (Scope step = Scope.open()) {
            w.mul(2.0).sum().backward();
        }
        assertFalse(w.grad().isClosed());
        assertArrayEquals(new float[] {2, 2}, w.grad().toFloatArray());
        params.close();
        assertTrue(w.isClosed());
    }

    @Test void intermediateGradientsAreFreedDuringBackward() {
        long before = ai.lethe.backend.Backends.byName("ref").memoryStats().liveBytes();
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.ones(Shape.of(1000), Device.REF).setRequiresGrad(true);
            Tensor y = x;
            for (int i = 0; i < 20; i++) y = y.mul(1.01);
            long afterForward = ai.lethe.backend.Backends.byName("ref").memoryStats().liveBytes();
            y.sum().backward();
            long afterBackward = ai.lethe.backend.Backends.byName("ref").memoryStats().liveBytes();
            // 20 intermediate gradients of 4 KB each would remain without eager freeing
            assertTrue(afterBackward - afterForward < 10 * 4000, "backward kept " + (afterBackward - afterForward) + " bytes");
            assertEquals(Math.pow(1.01, 20), x.grad().toFloatArray()[0], 1e-5);
        }
        assertEquals(before, ai.lethe.backend.Backends.byName("ref").memoryStats().liveBytes());
    }
}
