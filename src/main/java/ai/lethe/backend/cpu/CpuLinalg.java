// The cpu backend's matrix product and convolutions on the Java side: each matrix operand is handed to
// cblas_sgemm as it is (row-major, or transposed when its columns are the dense side) and copied only when
// neither fits; batch dimensions (broadcast ones at stride 0) are coalesced into a native batch walk.
package ai.lethe.backend.cpu;

import static ai.lethe.backend.cpu.CpuViews.address;
import static ai.lethe.backend.cpu.CpuViews.addressOrNull;
import static ai.lethe.backend.cpu.CpuViews.requireContiguous;
import static ai.lethe.backend.cpu.CpuViews.requireFloat32;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

final class CpuLinalg {
    private final NativeCpu lib;
    private final CpuMath math;

    CpuLinalg(NativeCpu lib, CpuMath math) {
        this.lib = lib;
        this.math = math;
    }

    /** How BLAS reads a [rows, cols] matrix with the given strides: transposed or not, leading dimension. */
    record MatrixLayout(boolean transposed, long ld) {
        /** The layout, or null when the strides fit neither row-major nor column-major BLAS storage. */
        static MatrixLayout of(long rows, long cols, long rowStride, long colStride) {
            if ((cols == 1 || colStride == 1) && (rows == 1 || rowStride >= Math.max(cols, 1)))
                return new MatrixLayout(false, rows == 1 ? Math.max(cols, 1) : rowStride);
            if ((rows == 1 || rowStride == 1) && (cols == 1 || colStride >= Math.max(rows, 1)))
                return new MatrixLayout(true, cols == 1 ? Math.max(rows, 1) : colStride);
            return null;
        }

        static MatrixLayout of(View v, long rows, long cols) {
            int r = v.rank();
            return of(rows, cols, v.stride(r - 2), v.stride(r - 1));
        }
    }

    /** BLAS takes sizes and leading dimensions as 32-bit ints: larger ones are refused, never truncated. */
    static void requireBlasSizes(String op, long... sizes) {
        for (long s : sizes)
            if (s > Integer.MAX_VALUE)
                throw new IllegalArgumentException(op + ": the cpu kernel's BLAS takes matrix sizes and strides up to 2^31 - 1, got " + s);
    }

    void matmul(View a, View b, View out, double alpha, double beta) {
        requireFloat32("matmul", a, b, out);
        requireContiguous("matmul", out);
        if (out.numel() == 0) return;
        int r = out.rank();
        long m = out.dim(r - 2), n = out.dim(r - 1), k = a.dim(r - 1);
        requireBlasSizes("matmul", m, n, k);
        if (k == 0) {   // an empty sum: out = beta * out
            if (beta == 0) math.fill(out, 0);
            else math.unary(UnaryOp.AFFINE, out, out, beta, 0);
            return;
        }
        try (TempViews temps = math.temps()) {
            View ea = a, eb = b;
            MatrixLayout la = MatrixLayout.of(a, m, k), lb = MatrixLayout.of(b, k, n);
            if (la == null) {
                ea = temps.copyOf(a);
                la = MatrixLayout.of(ea, m, k);
            }
            if (lb == null) {
                eb = temps.copyOf(b);
                lb = MatrixLayout.of(eb, k, n);
            }
            requireBlasSizes("matmul", la.ld(), lb.ld());
            View fa = ea, fb = eb;
            MatrixLayout ma = la, mb = lb;
            StridedWalk batch = StridedWalk.of(Arrays.copyOf(out.shape(), r - 2), Arrays.copyOf(ea.strides(), r - 2),
                    Arrays.copyOf(eb.strides(), r - 2), Arrays.copyOf(out.strides(), r - 2));
            batch.forEachBlock(NativeCpu.MAX_RANK, (w, off) -> {
                MemorySegment desc = NativeCpu.scratch(NativeCpu.LAYOUT_A);
                long[] head = {m, n, k, ma.transposed() ? 1 : 0, ma.ld(), mb.transposed() ? 1 : 0, mb.ld(), n};
                MemorySegment.copy(head, 0, desc, ValueLayout.JAVA_LONG, 0, head.length);
                w.writeTo(desc.asSlice((long) head.length * Long.BYTES));
                lib.matmul(desc, address("matmul", fa, off[0]), address("matmul", fb, off[1]), address("matmul", out, off[2]),
                        (float) alpha, (float) beta);
            });
        }
    }

    // ---- convolution -------------------------------------------------------------------------------------

    /**
     * The geometry as the native kernels read it, after checking their own limits: BLAS takes 32-bit sizes (C·kh·kw,
     * OH·OW, K) and im2col addresses the padded plane with 32-bit offsets. An exception naming {@code op} otherwise.
     */
    static MemorySegment geometry(String op, Conv2dGeometry g) {
        // no overflow in these products: Conv2dGeometry checked them
        convLimit(op, "C·kh·kw", g.c() * g.kh() * g.kw(), g);
        convLimit(op, "OH·OW", g.outH() * g.outW(), g);
        convLimit(op, "K", g.k(), g);
        convLimit(op, "the padded plane (H + 2·padH)·(W + 2·padW)", (g.h() + 2 * g.padH()) * (g.w() + 2 * g.padW()), g);
        return NativeCpu.longs(NativeCpu.LAYOUT_A, g.n(), g.c(), g.h(), g.w(), g.k(), g.kh(), g.kw(), g.strideH(),
                g.strideW(), g.padH(), g.padW(), g.dilationH(), g.dilationW());
    }

    private static void convLimit(String op, String what, long value, Conv2dGeometry g) {
        if (value > Integer.MAX_VALUE)
            throw new IllegalArgumentException(op + ": the cpu kernel supports " + what + " up to 2^31 - 1, got " + value
                    + " for " + g);
    }

    void conv2d(View x, View w, View bias, View out, Conv2dGeometry g) {
        String op = "conv2d";
        requireFloat32(op, x, w, bias, out);
        requireContiguous(op, x, w, bias, out);
        if (out.numel() == 0) return;
        lib.conv2d(geometry(op, g), address(op, x), address(op, w), addressOrNull(op, bias), address(op, out));
    }

    void conv2dBackwardInput(View dy, View w, View dx, Conv2dGeometry g) {
        String op = "conv2dBackwardInput";
        requireFloat32(op, dy, w, dx);
        requireContiguous(op, dy, w, dx);
        if (dx.numel() == 0) return;
        lib.conv2dBackwardInput(geometry(op, g), address(op, dy), address(op, w), address(op, dx));
    }

    void conv2dBackwardWeight(View dy, View x, View dw, Conv2dGeometry g) {
        String op = "conv2dBackwardWeight";
        requireFloat32(op, dy, x, dw);
        requireContiguous(op, dy, x, dw);
        if (g.n() == 0) {   // no samples: a zero gradient (and no workspace sized by the empty operands' planes)
            math.fill(dw, 0);
            return;
        }
        lib.conv2dBackwardWeight(geometry(op, g), address(op, dy), address(op, x), address(op, dw));
    }

    /** The requested convolution kernel and the instruction set the direct kernels run with under it. */
    ConvKernel[] convKernel() {
        int[] codes = lib.convKernel();
        return new ConvKernel[] {ConvKernel.ofCode(codes[0]), ConvKernel.ofCode(codes[1])};
    }

    /** Forces the convolutions' kernel for the whole process; an IllegalArgumentException when the CPU lacks it. */
    void forceConvKernel(ConvKernel kernel) {
        if (!lib.convSetKernel(kernel.code))
            throw new IllegalArgumentException("convolution kernel " + kernel.settingName() + ": this CPU lacks its instruction set");
    }
}
