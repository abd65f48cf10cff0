// CudaLinalg on cuda-emu against the ref backend, through the SPI on hand-made views (cases the conformance suite's
// tensor-level matmul and index cases do not reach): matmul with batch dimensions broadcast in both operands that do
// not merge (a loop of strided-batched GEMMs), transposed operands, operands no GEMM can read (copied first), a view
// offset, alpha/beta, and the empty product k = 0; the index ops with duplicate indices (float32, float64, int64),
// strided outputs and indices, x larger than out, and an out-of-range index: skipped by the kernel (the memory
// around the output is untouched) and reported at the next synchronisation as an IndexOutOfBoundsException naming
// the op, after which the backend works again. Also the runtime's GEMM itself: a broadcast strided-batched product
// against a double-precision one, and an operand that runs past its allocation refused with the call's name.
//
// Tolerances: GEMM elementwise |cuda - ref| <= (k + 2) * 2^-23 * (|alpha| * k * max|a| * max|b| + |beta| * max|c|),
// the float32 dot-product bound GemmCheck uses (ref rounds a double sum once). put-add with float data on dyadic
// values (multiples of 1/64, small): every partial sum is exact in float32, so the atomics' nondeterministic order
// cannot show and the comparison is exact; on Gaussian values the stated bound is (d + 1) * 2^-24 * sum|terms| for d
// terms per output element, checked as 1e-6 relative to the element's absolute sum.
package ai.lethe.backend.cuda;

import static ai.lethe.backend.cuda.StorageValues.contents;
import static ai.lethe.backend.cuda.StorageValues.hostOf;
import static ai.lethe.backend.cuda.StorageValues.whole;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.Precision;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CudaLinalgTest {
    private final List<Storage> storages = new ArrayList<>();

    @AfterEach void release() {
        for (Storage s : storages) if (!s.isFreed()) s.release();
    }

    private static Backend ref() { return Backends.byName("ref"); }

    // ---- storages ------------------------------------------------------------------------------------------

    private Storage storage(Backend b, DType t, double[] init) {
        Storage s = b.allocate(Math.max(1, (long) init.length * t.byteSize()));
        storages.add(s);
        if (init.length > 0) b.write(hostOf(t, init), whole(s, t, init.length));
        return s;
    }




    /** Gaussian values rounded to multiples of 1/64 (exact in float32, and so are small sums of them). */
    private static double[] dyadic(int n, long seed) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = Math.round(r.nextGaussian() * 256) / 64.0;
        return v;
    }

    private static double[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static double[] indices(int n, int bound, long seed) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextInt(bound);
        return v;
    }

    /**
     * Runs op on ref and on cuda-emu, each over storages holding inits (of types), and returns both backends' final
     * contents of storage {@code result}: {ref, emu}.
     */
    private double[][] onBoth(DType[] types, double[][] inits, int result, BiConsumer<Backend, Storage[]> op) {
        double[][] out = new double[2][];
        Backend[] backends = {ref(), CudaBackendTest.emu()};
        for (int j = 0; j < 2; j++) {
            Storage[] s = new Storage[inits.length];
            for (int i = 0; i < inits.length; i++) s[i] = storage(backends[j], types[i], inits[i]);
            op.accept(backends[j], s);
            out[j] = contents(backends[j], s[result], types[result], inits[result].length);
        }
        return out;
    }

    private static View view(Storage s, DType t, long offset, long[] shape, long[] strides) {
        return new View(s, t, offset, shape, strides);
    }

    // ---- matmul --------------------------------------------------------------------------------------------

    private static final DType F = DType.FLOAT32;

    /** Runs a matmul on both backends and checks the GEMM bound elementwise (the whole out storage). */
    private void matmulCase(double[] a, double[] b, double[] c, long k, double alpha, double beta,
                            BiConsumer<Backend, Storage[]> op) {
        double[][] r = onBoth(new DType[] {F, F, F}, new double[][] {a, b, c}, 2, op);
        double bound = (k + 2) * 0x1p-23 * (Math.abs(alpha) * k * maxAbs(a) * maxAbs(b) + Math.abs(beta) * maxAbs(c)) + 1e-30;
        for (int i = 0; i < r[0].length; i++)
            assertTrue(Math.abs(r[0][i] - r[1][i]) <= bound, "out[" + i + "] = " + r[1][i] + " on cuda-emu, " + r[0][i]
                    + " on ref (bound " + bound + ")");
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) m = Math.max(m, Math.abs(x));
        return m;
    }

    @Test void batchedMatmulWithBatchDimensionsBroadcastInBothOperands() {
        // out [2, 3, 4, 5] = a [2, (3), 4, 6] @ b [(2), 3, 6, 5]: a broadcast over dim 1, b over dim 0 (stride 0), so
        // the batch does not merge into one strided-batched call
        matmulCase(gaussian(2 * 4 * 6, 1), gaussian(3 * 6 * 5, 2), gaussian(2 * 3 * 4 * 5, 3), 6, 1, 0, (be, s) -> be.matmul(
                view(s[0], F, 0, new long[] {2, 3, 4, 6}, new long[] {24, 0, 6, 1}),
                view(s[1], F, 0, new long[] {2, 3, 6, 5}, new long[] {0, 30, 5, 1}),
                view(s[2], F, 0, new long[] {2, 3, 4, 5}, new long[] {60, 20, 5, 1}), 1, 0));
    }

    @Test void aSharedRightOperandFoldsTheBatchIntoRows() {
        // out [2, 3, 4, 5] = a [2, 3, 4, 6] (contiguous) @ b [6, 5] broadcast over both batch dimensions, stored
        // transposed ([5, 6]) as a linear layer's weight is
        matmulCase(gaussian(2 * 3 * 4 * 6, 30), gaussian(5 * 6, 31), gaussian(2 * 3 * 4 * 5, 32), 6, 1, 0.5, (be, s) -> be.matmul(
                view(s[0], F, 0, new long[] {2, 3, 4, 6}, new long[] {72, 24, 6, 1}),
                view(s[1], F, 0, new long[] {2, 3, 6, 5}, new long[] {0, 0, 1, 6}),
                view(s[2], F, 0, new long[] {2, 3, 4, 5}, new long[] {60, 20, 5, 1}), 1, 0.5));
        // the same with a's rows padded (leading dimension 8 > 6): still one GEMM; and a single row per matrix
        matmulCase(gaussian(6 * 4 * 8, 33), gaussian(6 * 5, 34), gaussian(6 * 4 * 5, 35), 6, 1, 0, (be, s) -> be.matmul(
                view(s[0], F, 0, new long[] {6, 4, 6}, new long[] {32, 8, 1}),
                view(s[1], F, 0, new long[] {6, 6, 5}, new long[] {0, 5, 1}),
                view(s[2], F, 0, new long[] {6, 4, 5}, new long[] {20, 5, 1}), 1, 0));
        matmulCase(gaussian(7 * 6, 36), gaussian(6 * 5, 37), gaussian(7 * 5, 38), 6, 1, 0, (be, s) -> be.matmul(
                view(s[0], F, 0, new long[] {7, 1, 6}, new long[] {6, 6, 1}),
                view(s[1], F, 0, new long[] {7, 6, 5}, new long[] {0, 5, 1}),
                view(s[2], F, 0, new long[] {7, 1, 5}, new long[] {5, 5, 1}), 1, 0));
    }

    @Test void transposedOperandsWithAlphaAndBeta() {
        // a [3, 4, 6] is the transpose of stored [3, 6, 4]; b [3, 6, 5] the transpose of stored [3, 5, 6]
        matmulCase(gaussian(3 * 6 * 4, 4), gaussian(3 * 5 * 6, 5), gaussian(3 * 4 * 5, 6), 6, 0.5, -1.5, (be, s) -> be.matmul(
                view(s[0], F, 0, new long[] {3, 4, 6}, new long[] {24, 1, 4}),
                view(s[1], F, 0, new long[] {3, 6, 5}, new long[] {30, 1, 6}),
                view(s[2], F, 0, new long[] {3, 4, 5}, new long[] {20, 5, 1}), 0.5, -1.5));
    }

    @Test void operandsNoGemmCanReadAreCopiedFirstAndOffsetsHonoured() {
        // a [4, 6]: every other element of a row (column stride 2) at offset 5; b [6, 5]: one row repeated (row
        // stride 0); out at offset 3 of a larger storage, whose other elements must stay as they were
        matmulCase(gaussian(5 + 4 * 12, 7), gaussian(5, 8), gaussian(3 + 20 + 4, 9), 6, 1.25, 0.75, (be, s) -> be.matmul(
                view(s[0], F, 5, new long[] {4, 6}, new long[] {12, 2}),
                view(s[1], F, 0, new long[] {6, 5}, new long[] {0, 1}),
                view(s[2], F, 3, new long[] {4, 5}, new long[] {5, 1}), 1.25, 0.75));
    }

    @Test void emptyProductIsBetaTimesOut() {
        for (double beta : new double[] {0, 2.5}) {
            double[][] r = onBoth(new DType[] {F, F, F}, new double[][] {{}, {}, dyadic(12, 10)}, 2, (be, s) -> be.matmul(
                    view(s[0], F, 0, new long[] {3, 0}, new long[] {0, 1}),
                    view(s[1], F, 0, new long[] {0, 4}, new long[] {4, 1}),
                    view(s[2], F, 0, new long[] {3, 4}, new long[] {4, 1}), 1, beta));
            assertArrayEquals(r[0], r[1], "beta " + beta);
        }
    }

    // ---- index ops -----------------------------------------------------------------------------------------

    private static final DType I = DType.INT64;

    @Test void scatterAddWithDuplicatesIsExactOnDyadicFloats() {
        // out [3, 5] += src [6, 5] along axis 0, index [6, 5] in 0..2: each out element receives about two terms
        double[][] r = onBoth(new DType[] {F, I, F}, new double[][] {dyadic(30, 11), indices(30, 3, 12), dyadic(15, 13)}, 2,
                (be, s) -> be.scatterAdd(whole(s[0], F, 30).reshaped(6, 5), 0, whole(s[1], I, 30).reshaped(6, 5),
                        whole(s[2], F, 15).reshaped(3, 5)));
        assertArrayEquals(r[0], r[1]);
    }

    @Test void scatterAddOfGaussianFloatsWithinTheSumBound() {
        double[] src = gaussian(64 * 3, 14), idx = indices(64 * 3, 2, 15), out = gaussian(2 * 3, 16);
        double[][] r = onBoth(new DType[] {F, I, F}, new double[][] {src, idx, out}, 2,
                (be, s) -> be.scatterAdd(whole(s[0], F, 192).reshaped(64, 3), 0, whole(s[1], I, 192).reshaped(64, 3),
                        whole(s[2], F, 6).reshaped(2, 3)));
        for (int i = 0; i < 6; i++) {
            double absSum = Math.abs(out[i]);
            for (int p = 0; p < 64; p++) if (idx[p * 3 + i % 3] == i / 3) absSum += Math.abs(src[p * 3 + i % 3]);
            assertEquals(r[0][i], r[1][i], 1e-6 * absSum, "out[" + i + "]");
        }
    }

    @Test void indexAddWithDuplicatesOnInt64AndFloat64IntoAStridedOut() {
        for (DType t : new DType[] {I, DType.FLOAT64}) {
            // out: the transpose [4, 3] of a stored [3, 4]; src [4, 5] added along axis 1 by a 1-D index of 5 in 0..2
            double[][] r = onBoth(new DType[] {t, I, t}, new double[][] {dyadic(20, 17), {2, 0, 2, 2, 1}, dyadic(12, 18)}, 2,
                    (be, s) -> be.indexAdd(whole(s[0], t, 20).reshaped(4, 5), 1, whole(s[1], I, 5),
                            view(s[2], t, 0, new long[] {4, 3}, new long[] {1, 4})));
            assertArrayEquals(r[0], r[1], t.toString());
        }
    }

    @Test void gatherWithAStridedIndexFromALargerX() {
        // x [5, 6]; index [4, 3] read as every other column of a stored [4, 6]; out [4, 3] along axis 1
        double[][] r = onBoth(new DType[] {F, I, F}, new double[][] {dyadic(30, 19), indices(24, 6, 20), dyadic(12, 21)}, 2,
                (be, s) -> be.gather(whole(s[0], F, 30).reshaped(5, 6), 1,
                        view(s[1], I, 1, new long[] {4, 3}, new long[] {6, 2}), whole(s[2], F, 12).reshaped(4, 3)));
        assertArrayEquals(r[0], r[1]);
    }

    @Test void indexSelectAlongAMiddleAxisWithAStridedIndex() {
        // x [2, 4, 3] (int64), index every other of 8 stored values (0..3, duplicates), out [2, 4, 3] along axis 1
        double[][] r = onBoth(new DType[] {I, I, I}, new double[][] {dyadic(24, 22), indices(8, 4, 23), dyadic(24, 24)}, 2,
                (be, s) -> be.indexSelect(whole(s[0], I, 24).reshaped(2, 4, 3), 1,
                        view(s[1], I, 0, new long[] {4}, new long[] {2}), whole(s[2], I, 24).reshaped(2, 4, 3)));
        assertArrayEquals(r[0], r[1]);
    }

    /** One op with a bad index, on cuda-emu: out is a [2, 4] window at offset 4 of a 16-element storage. */
    private record BadIndexCase(String op, long badIndex, BiConsumer<Backend, View[]> run) {}

    @Test void anOutOfRangeIndexIsReportedAtTheNextSynchronisationNamingTheOpAndWritesNothingOutside() {
        List<BadIndexCase> cases = List.of(
                new BadIndexCase("gather", 4, (b, v) -> b.gather(v[0], 1, v[1], v[2])),
                new BadIndexCase("indexSelect", -1, (b, v) -> b.indexSelect(v[0], 1, v[3], v[2])),
                new BadIndexCase("scatterAdd", -3, (b, v) -> b.scatterAdd(v[0].reshaped(2, 4), 0, v[1], v[2])),
                new BadIndexCase("indexAdd", 9, (b, v) -> b.indexAdd(v[0].reshaped(2, 4), 1, v[3], v[2])));
        Backend emu = CudaBackendTest.emu();
        for (BadIndexCase c : cases) {
            double[] around = dyadic(16, 25);
            Storage x = storage(emu, F, dyadic(8, 26)), out = storage(emu, F, around);
            // a [2, 4] index with one bad value, and a 1-D index of 4 with one bad value
            double[] idx2 = {0, 1, 2, 3, 3, c.badIndex, 0, 1}, idx1 = {1, c.badIndex, 0, 3};
            if (c.op.equals("scatterAdd")) idx2 = new double[] {0, 1, 1, 0, 1, 0, c.badIndex, 1};
            Storage i2 = storage(emu, I, idx2), i1 = storage(emu, I, idx1);
            View[] v = {whole(x, F, 8).reshaped(2, 4), whole(i2, I, 8).reshaped(2, 4),
                    view(out, F, 4, new long[] {2, 4}, new long[] {4, 1}), whole(i1, I, 4)};
            c.run.accept(emu, v);  // queued: no exception at the call
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, ((CudaBackend) Backends.implementation(emu))::synchronize);
            assertTrue(e.getMessage().startsWith(c.op + ": index " + c.badIndex + " is out of range for dimension "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("reported at the next synchronisation"), e.getMessage());
            double[] after = contents(emu, out, F, 16);
            for (int i = 0; i < 16; i++)
                if (i < 4 || i >= 12) assertEquals(around[i], after[i], c.op + ": element " + i + " outside out changed");
            // the record is cleared: the backend goes on
            emu.gather(v[0], 1, whole(storage(emu, I, new double[] {3, 2, 1, 0, 0, 0, 0, 0}), I, 8).reshaped(2, 4), v[2]);
            double[] ok = contents(emu, out, F, 16), xs = contents(emu, x, F, 8);
            assertEquals(xs[3], ok[4], c.op + ": the next gather");
            assertEquals(xs[4], ok[11], c.op + ": the next gather");
        }
    }

    @Test void refAndCpuStillThrowAtTheCall() {
        for (String name : new String[] {"ref", "cpu"}) {
            Backend b = Backends.byName(name);
            if (!b.availability().available()) continue;  // cpu: its own tests require it where it is built
            Storage x = storage(b, F, dyadic(8, 27)), out = storage(b, F, dyadic(8, 28)), i = storage(b, I, new double[] {0, 5});
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> b.indexSelect(
                    whole(x, F, 8).reshaped(2, 4), 1, whole(i, I, 2), view(out, F, 0, new long[] {2, 2}, new long[] {2, 1})));
            assertTrue(e.getMessage().startsWith("indexSelect: index 5 is out of range"), name + ": " + e.getMessage());
        }
    }

    // ---- the runtime's GEMM ------------------------------------------------------------------------------------

    @Test void runtimeStridedBatchedGemmBroadcastsAStrideZeroOperand() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            int m = 3, n = 4, k = 5, batch = 3;
            float[] a = new float[m * k], b = new float[batch * n * k], c = new float[batch * m * n];
            Random r = new Random(29);
            for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
            for (int i = 0; i < c.length; i++) c[i] = (float) r.nextGaussian();
            long pa = EmulatorSupport.upload(rt, a), pb = EmulatorSupport.upload(rt, b), pc = EmulatorSupport.upload(rt, c);
            // C_i = 2 * A @ B_i^T - C_i, A shared (stride 0), B_i stored [n, k] (transposed)
            rt.sgemmStridedBatched(false, true, m, n, k, 2f, pa, k, 0, pb, k, (long) n * k, -1f, pc, n, (long) m * n, batch,
                    Stream.DEFAULT, Precision.FP32);
            float[] got = EmulatorSupport.download(rt, pc, c.length);
            for (int i = 0; i < batch; i++)
                for (int row = 0; row < m; row++)
                    for (int col = 0; col < n; col++) {
                        double sum = 0, mag = 0;
                        for (int p = 0; p < k; p++) {
                            double t = (double) a[row * k + p] * b[i * n * k + col * k + p];
                            sum += t;
                            mag += Math.abs(t);
                        }
                        int at = i * m * n + row * n + col;
                        double expected = 2 * sum - c[at];
                        assertEquals(expected, got[at], (k + 2) * 0x1p-23 * (2 * mag + Math.abs(c[at])), "C[" + at + "]");
                    }
        }
    }

    @Test void runtimeGemmRefusesAnOperandPastItsAllocation() {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            long a = rt.alloc(4 * 6), b = rt.alloc(4 * 6), c = rt.alloc(4 * 3);  // C needs 2 x 2 with ldc 2: 16 bytes
            EmulatorException e = assertThrows(EmulatorException.class, () -> rt.sgemm(false, false, 2, 2, 3, 1f, a, 3, b, 2,
                    0f, c, 2, Stream.DEFAULT, Precision.FP32));
            assertTrue(e.getMessage().contains("sgemm") && e.getMessage().contains("C"), e.getMessage());
        }
    }
}
