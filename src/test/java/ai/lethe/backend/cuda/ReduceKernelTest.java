// cuda-kernels/reduce.cu on the emulator against Java references: the two-pass block sum (warp shuffles +
// static __shared__), the per-row sum and max (dynamic shared memory, __shfl_xor_sync butterflies), and the
// ballot-and-atomicAdd count. Sums are compared with the exact (double) sum within the float error bound of a
// reduction of n terms, n * 2^-24 * sum |x|; the max and the count exactly.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ReduceKernelTest {
    private static EmulatedRuntime rt;

    @BeforeAll
    static void open() { rt = EmulatorSupport.open(); }

    @AfterAll
    static void close() {
        if (rt != null) rt.close();
    }

    private static void assertSum(float[] x, int from, int to, float actual, String what) {
        double exact = 0, abs = 0;
        for (int i = from; i < to; i++) {
            exact += x[i];
            abs += Math.abs(x[i]);
        }
        double bound = (to - from) * Math.ulp(1.0f) / 2 * abs + 1e-30;
        assertTrue(Math.abs(actual - exact) <= bound, what + ": " + actual + " vs exact " + exact + " (bound " + bound + ")");
    }

    @Test
    void twoPassBlockSum() {
        Random r = new Random(21);
        for (int n : new int[] {1, 31, 32, 33, 1000, 100_003}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
            long dx = EmulatorSupport.upload(rt, x);
            int blocks = Math.min(13, (n + 255) / 256);
            long partial = rt.alloc(4L * blocks), total = rt.alloc(4);
            rt.launch("sum_f32_blocks", Dim3.of(blocks), Dim3.of(256), 0, Stream.DEFAULT,
                    new KernelArgs().pointer(dx).pointer(partial).i64(n));
            rt.launch("sum_f32_blocks", Dim3.of(1), Dim3.of(32), 0, Stream.DEFAULT,
                    new KernelArgs().pointer(partial).pointer(total).i64(blocks));
            assertSum(x, 0, n, EmulatorSupport.download(rt, total, 1)[0], "sum of " + n);
            rt.free(dx);
            rt.free(partial);
            rt.free(total);
        }
    }

    @Test
    void rowSumsAndMaximaWithDynamicSharedMemory() {
        Random r = new Random(22);
        int rows = 6, cols = 1001, block = 128;
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian() * 10f;
        x[2 * cols + 500] = Float.NaN;  // row 2: NaN sum and max
        x[4 * cols + 1000] = 1e6f;      // row 4: the max is the last element
        long dx = EmulatorSupport.upload(rt, x), sums = rt.alloc(4L * rows), maxima = rt.alloc(4L * rows);
        rt.launch("sum_max_rows_f32", Dim3.of(rows), Dim3.of(block), 2 * (block / 32) * 4, Stream.DEFAULT,
                new KernelArgs().pointer(dx).pointer(sums).pointer(maxima).i32(cols));
        float[] s = EmulatorSupport.download(rt, sums, rows), m = EmulatorSupport.download(rt, maxima, rows);
        for (int row = 0; row < rows; row++) {
            float max = Float.NEGATIVE_INFINITY;
            boolean nan = false;
            for (int c = 0; c < cols; c++) {
                float v = x[row * cols + c];
                nan |= Float.isNaN(v);
                max = Math.max(max, v);
            }
            if (nan) {
                assertTrue(Float.isNaN(s[row]) && Float.isNaN(m[row]), "row " + row + " has a NaN: " + s[row] + ", " + m[row]);
            } else {
                assertSum(x, row * cols, (row + 1) * cols, s[row], "row " + row);
                assertEquals(max, m[row], "max of row " + row);
            }
        }
        rt.free(dx);
        rt.free(sums);
        rt.free(maxima);
    }

    @Test
    void countWithBallotAndAtomicAdd() {
        Random r = new Random(23);
        int n = 5000;
        float[] x = new float[n];
        int expected = 0;
        for (int i = 0; i < n; i++) {
            x[i] = r.nextFloat();
            if (x[i] > 0.3f) expected++;
        }
        long dx = EmulatorSupport.upload(rt, x), count = rt.alloc(4);
        rt.memset32(count, 0, 1, Stream.DEFAULT);
        rt.launch("count_greater_f32", Dim3.of(7), Dim3.of(128), 0, Stream.DEFAULT,
                new KernelArgs().pointer(dx).pointer(count).f32(0.3f).i64(n));
        assertEquals(expected, EmulatorSupport.downloadInts(rt, count, 1)[0]);
        rt.free(dx);
        rt.free(count);
    }
}
