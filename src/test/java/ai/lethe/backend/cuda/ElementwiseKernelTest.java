// cuda-kernels/elementwise.cu on the emulator against a Java reference: fill, the binary operations and axpby, on
// sizes that exercise the float4 path and its scalar tail (n % 4 = 0..3), on views 4 bytes past an allocation's start
// (not 16-byte aligned: the scalar path), with grids smaller than the data (the grid-stride loop). Element i must
// equal the reference exactly (each is one IEEE operation, or one fmaf, in both), NaN included.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ElementwiseKernelTest {
    private static final int[] SIZES = {1, 2, 3, 4, 5, 7, 8, 63, 1003, 4099};
    private static EmulatedRuntime rt;

    @BeforeAll
    static void open() { rt = EmulatorSupport.open(); }

    @AfterAll
    static void close() {
        if (rt != null) rt.close();
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * 4f;
        if (n > 3) {
            a[1] = Float.NaN;
            a[2] = Float.POSITIVE_INFINITY;
            a[3] = 0f;
        }
        return a;
    }

    private static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++)
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                    what + ": element " + i + " expected " + expected[i] + " got " + actual[i]);
    }

    /** The reference of each LETHE_BIN_* operation (NaN-propagating max/min, as the other backends). */
    static float binary(int op, float a, float b) {
        return switch (op) {
            case 0 -> a + b;
            case 1 -> a - b;
            case 2 -> a * b;
            case 3 -> a / b;
            case 4 -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.max(a, b);
            case 5 -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.min(a, b);
            default -> throw new IllegalArgumentException("op " + op);
        };
    }

    private static int grid(int n) { return Math.max(1, Math.min(3, (n / 4 + 127) / 128)); }

    @Test
    void fillWritesEveryElementAndNothingElse() {
        for (int n : SIZES) {
            for (int offset : new int[] {0, 1}) {
                long base = rt.alloc(4L * (n + offset + 1));
                long out = base + 4L * offset;
                rt.launch("fill_f32", Dim3.of(grid(n)), Dim3.of(128), 0, Stream.DEFAULT, new KernelArgs().pointer(out).f32(-2.5f).i64(n));
                float[] all = EmulatorSupport.download(rt, base, n + offset + 1);
                for (int i = 0; i < all.length; i++) {
                    boolean written = i >= offset && i < offset + n;
                    int bits = Float.floatToRawIntBits(all[i]);
                    assertEquals(written ? Float.floatToRawIntBits(-2.5f) : EmulatedRuntime.NAN_BITS, bits,
                            "fill n=" + n + " offset=" + offset + " element " + i);
                }
                rt.free(base);
            }
        }
    }

    @Test
    void binaryOperationsMatchTheReference() {
        Random r = new Random(14);
        for (int n : SIZES) {
            for (int offset : new int[] {0, 1}) {
                float[] a = random(r, n), b = random(r, n);
                long da = rt.alloc(4L * (n + offset)), db = rt.alloc(4L * (n + offset)), dout = rt.alloc(4L * (n + offset));
                long pa = da + 4L * offset, pb = db + 4L * offset, pout = dout + 4L * offset;
                rt.copyHostToDevice(pa, java.lang.foreign.MemorySegment.ofArray(a), 4L * n, Stream.DEFAULT);
                rt.copyHostToDevice(pb, java.lang.foreign.MemorySegment.ofArray(b), 4L * n, Stream.DEFAULT);
                for (int op = 0; op <= 5; op++) {
                    rt.launch("binary_f32", Dim3.of(grid(n)), Dim3.of(128), 0, Stream.DEFAULT,
                            new KernelArgs().i32(op).pointer(pa).pointer(pb).pointer(pout).i64(n));
                    float[] expected = new float[n];
                    for (int i = 0; i < n; i++) expected[i] = binary(op, a[i], b[i]);
                    assertBits(expected, EmulatorSupport.download(rt, pout, n), "binary op " + op + " n=" + n + " offset=" + offset);
                }
                rt.free(da);
                rt.free(db);
                rt.free(dout);
            }
        }
    }

    @Test
    void axpbyMatchesTheReferenceInPlace() {
        Random r = new Random(15);
        for (int n : SIZES) {
            float[] x = random(r, n), y = random(r, n);
            long dx = EmulatorSupport.upload(rt, x), dy = EmulatorSupport.upload(rt, y);
            float alpha = 0.75f, beta = -1.25f;
            // out aliases y: y = alpha * x + beta * y
            rt.launch("axpby_f32", Dim3.of(grid(n)), Dim3.of(256), 0, Stream.DEFAULT,
                    new KernelArgs().pointer(dy).pointer(dx).pointer(dy).f32(alpha).f32(beta).i64(n));
            float[] expected = new float[n];
            for (int i = 0; i < n; i++) expected[i] = Math.fma(alpha, x[i], beta * y[i]);
            assertBits(expected, EmulatorSupport.download(rt, dy, n), "axpby n=" + n);
            rt.free(dx);
            rt.free(dy);
        }
    }
}
