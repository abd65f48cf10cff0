// The emulator's integer and conversion intrinsics (lethe_device.cuh) against their CUDA definitions computed in
// Java: __umulhi, __mulhi, __popc, __clz, __brev, __ffs, __float2int_rn (ties to even), __float2int_rz,
// __float_as_int, __umul64hi (kernel emu_intrinsics, cuda-kernels/tests/emulator_checks.cu).
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class IntrinsicsTest {
    static int[] reference(int a, int b, float x) {
        long ua = Integer.toUnsignedLong(a), ub = Integer.toUnsignedLong(b);
        return new int[] {
            (int) ((ua * ub) >>> 32),
            (int) (((long) a * b) >> 32),
            Integer.bitCount(a),
            Integer.numberOfLeadingZeros(a),
            Integer.reverse(a),
            a == 0 ? 0 : Integer.numberOfTrailingZeros(a) + 1,
            (int) Math.rint(x),
            (int) x,
            Float.floatToRawIntBits(x),
            (int) Math.unsignedMultiplyHigh((ua << 32) | ub, ub),
        };
    }

    @Test
    void integerAndConversionIntrinsics() {
        int[][] cases = {{0xdeadbeef, 0x12345678}, {0, 7}, {1, -1}, {0x80000000, 0x80000000}, {-3, 5}};
        float[] xs = {2.5f, -3.5f, 1.49f, -0.5f, 7.0f};
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            long out = rt.alloc(40);
            for (int i = 0; i < cases.length; i++) {
                int a = cases[i][0], b = cases[i][1];
                float x = xs[i];
                rt.launch("emu_intrinsics", Dim3.of(1), Dim3.of(32), 0, Stream.DEFAULT, new KernelArgs().pointer(out).i32(a).i32(b).f32(x));
                assertArrayEquals(reference(a, b, x), EmulatorSupport.downloadInts(rt, out, 10),
                        "a=" + Integer.toHexString(a) + " b=" + Integer.toHexString(b) + " x=" + x);
            }
        }
    }
}
