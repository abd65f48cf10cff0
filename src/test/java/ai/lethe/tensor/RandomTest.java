// The random streams: Philox4x32-10 against Random123's known-answer vectors, the stream definition
// (uniform words, Box-Muller normals), generator state, and distribution sanity with explicit tolerances.
package ai.lethe.tensor;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Philox;
import ai.lethe.backend.RandomKind;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import org.junit.jupiter.api.Test;

class RandomTest {
    @Test void philoxMatchesRandom123KnownAnswers() {
        int[] out = new int[4];
        Philox.bijection(0, 0, 0, 0, 0, 0, out);
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, out);
        Philox.bijection(-1, -1, -1, -1, -1, -1, out);
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, out);
        Philox.bijection(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}, out);
    }

    @Test void uniformFollowsTheStreamDefinition() {
        try (Scope s = Scope.open()) {
            Generator g = new Generator(42);
            g.reserve(RandomKind.UNIFORM, 8);  // skip two blocks
            float[] u = Tensor.uniform(Shape.of(6), -1, 3, g, DType.FLOAT32, Device.REF).toFloatArray();
            int[] w = new int[4];
            for (int i = 0; i < 6; i++) {
                Philox.block(42, 2 + i / 4, w);
                assertEquals((float) (-1 + 4 * ((w[i % 4] >>> 8) / 16777216.0)), u[i], 0f, "element " + i);
            }
            assertEquals(2 + 2, g.counter());
        }
    }

    @Test void normalFollowsTheStreamDefinition() {
        try (Scope s = Scope.open()) {
            float[] z = Tensor.normal(Shape.of(5), 1, 2, new Generator(7), DType.FLOAT32, Device.REF).toFloatArray();
            int[] w = new int[4];
            for (int i = 0; i < 5; i++) {
                Philox.block(7, i / 2, w);
                int lane = (i % 2) * 2;
                double u1 = ((w[lane] >>> 8) + 1) / 16777216.0, u2 = (w[lane + 1] >>> 8) / 16777216.0;
                double expected = 1 + 2 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
                assertEquals((float) expected, z[i], 0f, "element " + i);
            }
        }
    }

    @Test void sameSeedSameValuesAndStateRestores() {
        try (Scope s = Scope.open()) {
            Generator a = new Generator(3), b = new Generator(3);
            assertArrayEquals(Tensor.randn(Shape.of(10), a, Device.REF).toFloatArray(),
                    Tensor.randn(Shape.of(10), b, Device.REF).toFloatArray());
            long seed = a.seed(), counter = a.counter();
            float[] next = Tensor.randn(Shape.of(4), a, Device.REF).toFloatArray();
            a.setState(seed, counter);
            assertArrayEquals(next, Tensor.randn(Shape.of(4), a, Device.REF).toFloatArray());
            assertFalse(java.util.Arrays.equals(next, Tensor.randn(Shape.of(4), new Generator(4), Device.REF).toFloatArray()));
        }
    }

    @Test void distributionsHaveTheRightMoments() {
        try (Scope s = Scope.open()) {
            Generator g = new Generator(11);
            int n = 200_000;
            Tensor z = Tensor.normal(Shape.of(n), 0.5, 2, g, DType.FLOAT32, Device.REF);
            assertEquals(0.5, z.mean().item(), 0.02);
            assertEquals(2.0, Math.sqrt(z.var().item()), 0.02);
            Tensor u = Tensor.uniform(Shape.of(n), -2, 4, g, DType.FLOAT32, Device.REF);
            assertEquals(1.0, u.mean().item(), 0.02);
            assertEquals(36.0 / 12, u.var().item(), 0.03);
            assertTrue(u.min().item() >= -2 && u.max().item() < 4);
            Tensor bern = Tensor.bernoulli(Shape.of(n), 0.3, g, Device.REF);
            assertEquals(0.3, bern.mean().item(), 0.005);
        }
    }
}
