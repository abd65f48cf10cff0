// Parity of the CUDA backend's fused optimizer steps (cuda-kernels/optim.cu, on cuda-emu) with the ref backend and
// the cpu backend: SGD (momentum, dampening, Nesterov, weight decay, l1, maximize, first step) and Adam/AdamW, with
// and without a pruning mask, over sizes that exercise the float4 body and every tail length (n % 4 = 1, 2, 3),
// over views whose pointers are not 16-byte aligned (the scalar path) and over strided views (staged). Where the
// mask is 0 the parameter and its state must be exactly 0.
package ai.lethe.backend.cuda;

import static ai.lethe.backend.cuda.Mirrored.assertClose;
import static ai.lethe.backend.cuda.Mirrored.assertSameAsCpu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.backend.cuda.Mirrored.T;
import ai.lethe.core.DType;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CudaOptimParityTest {
    /** Sizes: one element, each tail length after float4 groups, and a few grid-stride rounds. */
    private static final long[] SIZES = {1, 2, 3, 4, 5, 6, 7, 37, 4099};

    private Mirrored m;

    @BeforeEach void setUp() { m = new Mirrored(2468); }

    @AfterEach void tearDown() {
        if (m != null) m.close();
    }

    private T mask(long n) { return m.tensor(new long[] {n}, i -> m.random.nextDouble() < 0.3 ? 0 : 1); }

    static Stream<SgdParams> sgdVariants() {
        return Stream.of(
                new SgdParams(0.1, 0, 0, 0, 0, false, false, false),
                new SgdParams(0.1, 0, 0, 5e-4, 1e-3, false, true, false),
                new SgdParams(0.05, 0.9, 0, 0, 0, false, false, true),
                new SgdParams(0.05, 0.9, 0, 1e-4, 5e-4, false, false, false),
                new SgdParams(0.05, 0.9, 0.1, 1e-4, 2e-3, true, false, false),
                new SgdParams(0.05, 0.9, 0, 0, 1e-2, true, true, true));
    }

    static Stream<AdamParams> adamVariants() {
        return Stream.of(
                new AdamParams(1e-3, 0.9, 0.999, 1e-8, 0, false, false, 1),
                new AdamParams(1e-3, 0.9, 0.999, 1e-8, 1e-2, false, false, 10),
                new AdamParams(1e-3, 0.9, 0.999, 1e-8, 1e-2, true, false, 3),
                new AdamParams(3e-4, 0.8, 0.99, 1e-6, 0.05, true, true, 1000));
    }

    private static void assertPruned(String what, T mask, T... tensors) {
        double[] keep = Mirrored.values(mask.cuda());
        for (T t : tensors) {
            double[] v = Mirrored.values(t.cuda());
            for (int i = 0; i < v.length; i++)
                if (keep[i] == 0) assertEquals(0.0, v[i], 0.0, what + ": pruned element " + i + " is not 0");
        }
    }

    @ParameterizedTest
    @MethodSource("sgdVariants")
    void sgdStepWithAndWithoutMask(SgdParams p) {
        for (long n : SIZES)
            for (boolean masked : new boolean[] {false, true}) {
                // zeros in the parameter: sign(0) = 0 for the l1 term
                T param = m.tensor(new long[] {n}, i -> i % 5 == 0 ? 0 : m.random.nextGaussian());
                T grad = m.normal(n), buf = p.momentum() == 0 ? null : m.normal(n), mask = masked ? mask(n) : null;
                m.run(s -> s.backend().sgdStep(s.v(param), s.v(grad), s.v(buf), s.v(mask), p));
                String what = "sgd n=" + n + (masked ? " masked " : " ") + p;
                assertClose(what + " param", param);
                assertSameAsCpu(what + " param", param);   // both compute in double without FMA: the same bits
                if (buf != null) {
                    assertClose(what + " momentum", buf);
                    assertSameAsCpu(what + " momentum", buf);
                    if (masked) assertPruned(what, mask, param, buf);
                } else if (masked) assertPruned(what, mask, param);
            }
    }

    @ParameterizedTest
    @MethodSource("adamVariants")
    void adamStepWithAndWithoutMask(AdamParams p) {
        for (long n : SIZES)
            for (boolean masked : new boolean[] {false, true}) {
                T param = m.normal(n), grad = m.normal(n), avg = m.normal(n), sq = m.uniform(0, 2, n);
                T mask = masked ? mask(n) : null;
                m.run(s -> s.backend().adamStep(s.v(param), s.v(grad), s.v(avg), s.v(sq), s.v(mask), p));
                String what = "adam n=" + n + (masked ? " masked " : " ") + p;
                assertClose(what + " param", param);
                assertClose(what + " exp_avg", avg);
                assertClose(what + " exp_avg_sq", sq);
                assertSameAsCpu(what + " param", param);
                if (masked) assertPruned(what, mask, param, avg, sq);
            }
    }

    @Test void sgdMaskZeroesAGivenBufferEvenWithoutMomentum() {
        // RefOptim zeroes a pruned element's buffer whenever a buffer is given
        long n = 13;
        T param = m.normal(n), grad = m.normal(n), buf = m.normal(n), mask = mask(n);
        SgdParams p = new SgdParams(0.1, 0, 0, 1e-3, 0, false, false, false);
        m.runRefCuda(s -> s.backend().sgdStep(s.v(param), s.v(grad), s.v(buf), s.v(mask), p));
        Mirrored.assertExact("param", param);
        Mirrored.assertExact("buffer", buf);
    }

    @Test void unalignedAndStridedViewsTakeTheOtherPaths() {
        for (long n : new long[] {3, 37, 1030}) {
            // pointers at element 1 of their storage: not 16-byte aligned, so the scalar loop does everything
            T param = m.unalignedNormal(n), grad = m.unalignedNormal(n), buf = m.unalignedNormal(n), mask = mask(n);
            SgdParams p = new SgdParams(0.05, 0.9, 0.1, 1e-4, 2e-3, true, false, false);
            m.runRefCuda(s -> s.backend().sgdStep(s.v(param), s.v(grad), s.v(buf), s.v(mask), p));
            assertClose("unaligned sgd param n=" + n, param);
            assertClose("unaligned sgd momentum n=" + n, buf);
            Mirrored.assertStorageClose("unaligned sgd param n=" + n, param);
        }
        // a transposed parameter and state (staged through contiguous copies and written back)
        T param = m.normal(9, 7).transposed(0, 1), grad = m.normal(7, 9), avg = m.normal(9, 7).transposed(0, 1);
        T sq = m.tensor(new long[] {9, 7}, i -> m.random.nextDouble()).transposed(0, 1);
        T mask = m.tensor(new long[] {7, 9}, i -> i % 3 == 0 ? 0 : 1);
        AdamParams p = new AdamParams(1e-3, 0.9, 0.999, 1e-8, 1e-2, true, false, 3);
        m.runRefCuda(s -> s.backend().adamStep(s.v(param), s.v(grad), s.v(avg), s.v(sq), s.v(mask), p));
        assertClose("strided adam param", param);
        assertClose("strided adam exp_avg", avg);
        assertClose("strided adam exp_avg_sq", sq);
        Mirrored.assertStorageClose("strided adam param", param);
    }

    @Test void float64IsRejectedNamingTheOp() {
        Storage s = m.cuda.allocate(8 * 4);
        try {
            View v = new View(s, DType.FLOAT64, 0, new long[] {4}, new long[] {1});
            var e = assertThrows(IllegalArgumentException.class,
                    () -> m.cuda.sgdStep(v, v, null, null, new SgdParams(0.1, 0, 0, 0, false, false, false)));
            assertTrue(e.getMessage().startsWith("sgdStep: float64 is not supported on cuda"), e.getMessage());
        } finally {
            s.release();
        }
    }
}
