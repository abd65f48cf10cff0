// The CUDA backend's elementwise ops, reductions and random draws (kernels: cuda-kernels/math.cu, reduction.cu):
// unary/binary/where over strided views with broadcasting (stride-0 dimensions), reductions over any set of axes,
// arg-reductions along one axis, and Philox random with the same streams as the ref and cpu backends.
// Called by CudaBackend after SpiChecks has validated the arguments; queues its kernels on the context's stream.
//
// Dtypes as the cpu backend: float32 (int64 for binary ADD/SUB/MUL and comparisons, and for where's values); a
// float64 view is rejected with an IllegalArgumentException naming the op (float64 belongs to the ref backend).
// An input that overlaps the output other than element for element is copied away first (CudaTemps.separate).
package ai.lethe.backend.cuda;

import ai.lethe.backend.ArgReduceOp;
import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.RandomKind;
import ai.lethe.backend.ReduceOp;
import ai.lethe.backend.SpiChecks;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;
import ai.lethe.core.DType;

final class CudaMath {
    /**
     * Reductions of at most SMALL_COUNT elements run one thread per output; so do those over a strided (non-unit
     * stride) dimension with at least SMALL_OUTPUTS outputs, where neighbouring threads then read neighbouring
     * elements (column sums). The others, over a contiguous dimension, run one block per output, whose threads read
     * the row together (row sums): coalesced either way.
     */
    static final long SMALL_COUNT = 32, SMALL_OUTPUTS = 256;

    private final CudaContext context;

    CudaMath(CudaContext context) { this.context = context; }

    // ---- dtype checks (the cpu backend's messages) -------------------------------------------------------------

    static void requireFloat32(String op, View... views) {
        for (View v : views) if (v != null) requireDType(op, v, DType.FLOAT32);
    }

    /** Rejects a view of another dtype, naming float64's home (the ref backend). */
    static void requireDType(String op, View v, DType expected) {
        if (v.dtype() == expected) return;
        if (v.dtype() == DType.FLOAT64) throw new IllegalArgumentException(op + ": float64 is supported only on the ref backend");
        throw new IllegalArgumentException(op + ": " + v.dtype() + " is not supported on cuda (expected " + expected + ")");
    }

    // ---- random ------------------------------------------------------------------------------------------------

    void random(RandomKind kind, View dst, long seed, long counter, double a, double b) {
        requireFloat32("random", dst);
        long n = dst.numel();
        if (n == 0) return;
        int code = switch (kind) {
            case UNIFORM -> 0;
            case NORMAL -> 1;
            case BERNOULLI -> 2;
        };
        context.launch1d("random_f32", n, new KernelArgs().pointer(context.elementPointer("random", dst)).i32(code)
                .i64(seed).i64(counter).f64(a).f64(b).i64(n));
    }

    // ---- elementwise -------------------------------------------------------------------------------------------

    void unary(UnaryOp op, View x, View out, double p0, double p1) {
        String name = SpiChecks.name(op);
        requireFloat32(name, x, out);
        long n = out.numel();
        if (n == 0) return;
        try (CudaTemps temps = context.temps()) {
            View in = temps.separate(x, out);
            StridedArg[] v = StridedArg.coalesce(name, out.shape(), in, out);
            KernelArgs args = new KernelArgs().i32(op.ordinal()).pointer(context.basePointer(name, in));
            v[0].put(args).pointer(context.basePointer(name, out));
            v[1].put(args).f64(p0).f64(p1).i64(n);
            context.launch1d("unary_f32", n, args);
        }
    }

    void binary(BinaryOp op, View a, View b, View out, double p0, double p1) {
        String name = SpiChecks.name(op);
        boolean integer = a.dtype() == DType.INT64;
        if (integer) {
            if (op != BinaryOp.ADD && op != BinaryOp.SUB && op != BinaryOp.MUL && !op.isComparison())
                throw new IllegalArgumentException(name + ": not supported for int64");
            requireDType(name, b, DType.INT64);
            requireDType(name, out, op.isComparison() ? DType.FLOAT32 : DType.INT64);
        } else {
            requireFloat32(name, a, b, out);
        }
        long n = out.numel();
        if (n == 0) return;
        try (CudaTemps temps = context.temps()) {
            View ia = temps.separate(a, out), ib = temps.separate(b, out);
            StridedArg[] v = StridedArg.coalesce(name, out.shape(), ia, ib, out);
            KernelArgs args = new KernelArgs().i32(op.ordinal()).pointer(context.basePointer(name, ia));
            v[0].put(args).pointer(context.basePointer(name, ib));
            v[1].put(args).pointer(context.basePointer(name, out));
            v[2].put(args);
            if (integer) {
                args.i64((long) p0).i64(n);   // ADD/SUB scale b by Java's (long) cast of p0, as cpu and ref
                context.launch1d("binary_i64_strided", n, args);
            } else {
                args.f64(p0).f64(p1).i64(n);
                context.launch1d("binary_f32_strided", n, args);
            }
        }
    }

    /**
     * out = max(a + b, 0): one float4 pass (elementwise.cu's add_relu_f32) when the three views are contiguous, else
     * binary ADD then unary RELU.
     */
    void addRelu(View a, View b, View out) {
        String op = "addRelu";
        requireFloat32(op, a, b, out);
        long n = out.numel();
        if (n == 0) return;
        if (!a.isContiguous() || !b.isContiguous() || !out.isContiguous()) {
            binary(BinaryOp.ADD, a, b, out, 1, 0);
            unary(UnaryOp.RELU, out, out, 0, 0);
            return;
        }
        context.launch1d("add_relu_f32", (n + 3) / 4, new KernelArgs().pointer(context.elementPointer(op, a))
                .pointer(context.elementPointer(op, b)).pointer(context.elementPointer(op, out)).i64(n));
    }

    /** pre = y + bias, out = GELU(pre) in one pass (math.cu's bias_gelu_f32); views contiguous (SPI contract). */
    void biasGelu(View y, View bias, View pre, View out, UnaryOp op) {
        String name = "biasGelu";
        requireFloat32(name, y, bias, pre, out);
        long rows = y.dim(0), cols = y.dim(1);
        if (rows * cols == 0) return;
        try (CudaTemps temps = context.temps()) {
            View b = bias.isContiguous() ? bias : temps.contiguous(bias);
            long groups = cols % 4 == 0 ? cols / 4 : cols;   // threads: a column group over 16 rows each
            context.launch1d("bias_gelu_f32", groups * ((rows + 15) / 16), new KernelArgs()
                    .pointer(context.elementPointer(name, y)).pointer(context.elementPointer(name, b))
                    .pointer(context.elementPointer(name, pre)).pointer(context.elementPointer(name, out))
                    .i64(rows).i64(cols).i32(op.ordinal()));
        }
    }

    void where(View cond, View a, View b, View out) {
        requireFloat32("where", cond);
        if (a.dtype() == DType.FLOAT64) throw new IllegalArgumentException("where: float64 is supported only on the ref backend");
        requireDType("where", b, a.dtype());
        requireDType("where", out, a.dtype());
        long n = out.numel();
        if (n == 0) return;
        try (CudaTemps temps = context.temps()) {
            View ic = temps.separate(cond, out), ia = temps.separate(a, out), ib = temps.separate(b, out);
            StridedArg[] v = StridedArg.coalesce("where", out.shape(), ic, ia, ib, out);
            KernelArgs args = new KernelArgs().pointer(context.basePointer("where", ic));
            v[0].put(args).pointer(context.basePointer("where", ia));
            v[1].put(args).pointer(context.basePointer("where", ib));
            v[2].put(args).pointer(context.basePointer("where", out));
            v[3].put(args).i32(a.dtype().byteSize()).i64(n);
            context.launch1d("where_strided", n, args);
        }
    }

    // ---- reductions --------------------------------------------------------------------------------------------

    void reduce(ReduceOp op, View x, View out, double correction) {
        String name = SpiChecks.name(op);
        requireFloat32(name, x, out);
        long outputs = out.numel();
        if (outputs == 0) return;
        int r = x.rank();
        long[] keptShape = new long[r], keptStrides = new long[r], innerShape = new long[r];
        long count = 1;
        for (int d = 0; d < r; d++) {
            boolean reduced = out.dim(d) == 1 && x.dim(d) != 1;
            keptShape[d] = reduced ? 1 : x.dim(d);
            keptStrides[d] = x.stride(d);
            innerShape[d] = reduced ? x.dim(d) : 1;
            if (reduced) count *= x.dim(d);
        }
        View outer = new View(x.storage(), x.dtype(), x.offset(), keptShape, keptStrides);
        View inner = new View(x.storage(), x.dtype(), 0, innerShape, x.strides());
        try (CudaTemps temps = context.temps()) {
            // out never overlaps x in a valid call (different shapes); a staged copy keeps it simple when it does
            View dst = CudaContext.overlaps(x, out) ? temps.allocate(DType.FLOAT32, out.shape()) : out;
            StridedArg[] ko = StridedArg.coalesce(name, keptShape, outer, new View(dst.storage(), dst.dtype(),
                    dst.offset(), keptShape, dst.strides()));
            StridedArg in = StridedArg.of(name, inner);
            KernelArgs args = new KernelArgs().i32(op.ordinal()).pointer(context.basePointer(name, x));
            ko[0].put(args);
            in.put(args).pointer(context.basePointer(name, dst));
            ko[1].put(args).i64(outputs).i64(count).f64(correction);
            boolean rowContiguous = in.ndim() > 0 && in.strides()[in.ndim() - 1] == 1;
            if (count <= SMALL_COUNT || (!rowContiguous && outputs >= SMALL_OUTPUTS)) {
                context.launch1d("reduce_rows_small", outputs, args);
            } else {
                // 256 threads a block on a GPU; 64 (two warps: the cross-warp step still runs) on the emulator, where
                // each thread is a fiber at every shuffle and barrier (3 times faster there)
                int threads = (int) Math.min(context.emulated() ? 64 : 256, (count + 31) / 32 * 32);
                context.launch("reduce_rows_block", Dim3.of((int) Math.min(outputs, context.maxGrid())), Dim3.of(threads), 0, args);
            }
            if (dst != out) context.copy(dst, out);
        }
    }

    void argReduce(ArgReduceOp op, View x, int axis, View out) {
        String name = SpiChecks.name(op);
        requireFloat32(name, x);
        requireDType(name, out, DType.INT64);
        long outputs = out.numel();
        if (outputs == 0) return;
        if (x.dim(axis) == 0)
            throw new IllegalArgumentException(name + ": cannot reduce over dimension " + axis + " of size 0");
        long[] keptShape = x.shape().clone();
        keptShape[axis] = 1;
        View outer = new View(x.storage(), x.dtype(), x.offset(), keptShape, x.strides());
        View o = new View(out.storage(), out.dtype(), out.offset(), keptShape, out.strides());
        StridedArg[] ko = StridedArg.coalesce(name, keptShape, outer, o);
        KernelArgs args = new KernelArgs().i32(op == ArgReduceOp.ARGMIN ? 1 : 0).pointer(context.basePointer(name, x));
        ko[0].put(args).i64(x.stride(axis)).pointer(context.basePointer(name, out));
        ko[1].put(args).i64(outputs).i64(x.dim(axis));
        context.launch1d("arg_reduce_f32", outputs, args);
    }
}
