// The CUDA backend's matmul and indexing ops. Called by CudaBackend after SpiChecks has validated the arguments;
// queues its work on the context's stream.
//
// matmul: the runtime's row-major strided-batched GEMM (DeviceRuntime: cuBLAS on a GPU, OpenBLAS in the emulator),
// float32 data at the thread's Precision (FP32 by default; TF32 and BF16 as CudaPrecision describes: under BF16 each
// operand's storage span is converted to bf16 first and the GEMM takes those copies with the same strides). Each
// matrix operand is handed over as it lies when its last two dimensions are GEMM-compatible (unit stride along rows,
// or along columns, which is the transposed operand, and a leading dimension at least the row length), else copied
// contiguous first (CudaTemps, the strided copy kernel). Batch dimensions (a broadcast one has stride 0 in a or b)
// are coalesced jointly across a, b and out; the innermost is one strided-batched call (stride 0 for a broadcast
// operand), any outer ones that do not merge are a loop of such calls; when b is shared by the whole batch and a's
// matrices lie row after row (x @ W^T of a linear layer on [B, T, D]) the batch folds into the rows of one GEMM.
// k = 0 is out = beta * out (linalg.cu). linearBias (a linear layer's forward, F.linear) is the same GEMM with the bias
// in its epilogue: one DeviceRuntime.sgemmBias call (cuBLASLt's CUBLASLT_EPILOGUE_BIAS on a GPU; see GemmEpilogue).
// Tolerance against ref: the GEMM bound of a float32 dot product of length k
// (under TF32 or BF16, against ref at the same precision; PrecisionToleranceTest states the bounds).
//
// Index ops (cuda-kernels/index.cu): one "take" kernel for gather and indexSelect, one "put-add" kernel (atomicAdd)
// for scatterAdd and indexAdd, over float32, float64 and int64 data with int64 indices. An index out of range is
// skipped by the kernel and recorded in the context's DeviceErrors, which throws IndexOutOfBoundsException naming the
// op at the next synchronisation (not at the call, as ref and cpu do: DESIGN.md allows this on a GPU). With duplicate
// indices the float sums of put-add come in no fixed order (results may differ in the last bits between runs).
package ai.lethe.backend.cuda;

import ai.lethe.backend.Precision;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.util.Arrays;

final class CudaLinalg {
    private final CudaContext context;

    CudaLinalg(CudaContext context) { this.context = context; }

    // ---- matmul ----------------------------------------------------------------------------------------------

    /** How the GEMM reads a [rows, cols] matrix with the given strides: transposed or not, and its leading dimension. */
    record MatrixLayout(boolean transposed, long ld) {
        /** The layout, or null when the strides fit neither row-major nor column-major storage. */
        static MatrixLayout of(long rows, long cols, long rowStride, long colStride) {
            if ((cols == 1 || colStride == 1) && (rows == 1 || rowStride >= Math.max(cols, 1)))
                return new MatrixLayout(false, rows == 1 ? Math.max(cols, 1) : rowStride);
            if ((rows == 1 || rowStride == 1) && (cols == 1 || colStride >= Math.max(rows, 1)))
                return new MatrixLayout(true, cols == 1 ? Math.max(rows, 1) : colStride);
            return null;
        }

        /** The layout of v's last two dimensions, or null when not GEMM-compatible (or its ld exceeds an int). */
        static MatrixLayout of(View v, long rows, long cols) {
            int r = v.rank();
            MatrixLayout l = of(rows, cols, v.stride(r - 2), v.stride(r - 1));
            return l == null || l.ld > Integer.MAX_VALUE ? null : l;
        }
    }

    void matmul(View a, View b, View out, double alpha, double beta) {
        String op = "matmul";
        requireDType(op, "a", a, DType.FLOAT32);
        requireDType(op, "b", b, DType.FLOAT32);
        requireDType(op, "out", out, DType.FLOAT32);
        if (!out.isContiguous()) throw new IllegalArgumentException(op + ": out must be contiguous, got " + out);
        if (out.numel() == 0) return;
        int r = out.rank();
        long m = out.dim(r - 2), n = out.dim(r - 1), k = a.dim(r - 1);
        for (long s : new long[] {m, n, k})
            if (s > Integer.MAX_VALUE)
                throw new IllegalArgumentException(op + ": the GEMM takes matrix sizes up to 2^31 - 1, got " + s + " in "
                        + Arrays.toString(a.shape()) + " @ " + Arrays.toString(b.shape()));
        if (k == 0) {   // an empty sum: out = beta * out
            if (beta == 0) context.fill(out, 0);
            else context.launch1d("matmul_scale_f32", out.numel(),
                    new KernelArgs().pointer(context.elementPointer(op, out)).f32((float) beta).i64(out.numel()));
            return;
        }
        try (CudaTemps temps = context.temps()) {
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
            Precision precision = Precision.current();
            boolean bf16 = precision == Precision.BF16;
            if (bf16) {   // bf16 copies cover each operand's span: compact a sparse one first
                if (sparse(ea)) ea = temps.copyOf(ea);
                if (sparse(eb)) eb = temps.copyOf(eb);
                la = MatrixLayout.of(ea, m, k);
                lb = MatrixLayout.of(eb, k, n);
            }
            Batch batch = Batch.of(Arrays.copyOf(out.shape(), r - 2), ea.strides(), eb.strides(), out.strides());
            long pa = bf16 ? CudaPrecision.bf16Span(context, temps, op, ea) : context.elementPointer(op, ea);
            long pb = bf16 ? CudaPrecision.bf16Span(context, temps, op, eb) : context.elementPointer(op, eb);
            long pc = context.elementPointer(op, out);
            int inBytes = bf16 ? 2 : Float.BYTES;   // the GEMM's A and B elements
            int inner = batch.sizes.length - 1;
            long count = inner < 0 ? 1 : batch.sizes[inner];
            if (count > Integer.MAX_VALUE)
                throw new IllegalArgumentException(op + ": more than 2^31 - 1 products in one batch dimension: " + count);
            long outer = 1;
            for (int d = 0; d < inner; d++) outer *= batch.sizes[d];
            long sa = inner < 0 ? 0 : batch.strides[0][inner], sb = inner < 0 ? 0 : batch.strides[1][inner];
            long sc = inner < 0 ? 0 : batch.strides[2][inner];
            if (inner == 0 && sb == 0 && !la.transposed() && sa == m * la.ld() && sc == m * n && count * m <= Integer.MAX_VALUE) {
                // b shared by every product and a's matrices stacked row after row (x @ W of a linear layer): one GEMM
                // of count * m rows
                context.runtime().sgemm(false, lb.transposed(), (int) (count * m), (int) n, (int) k, (float) alpha, pa,
                        (int) la.ld(), pb, (int) lb.ld(), (float) beta, pc, (int) n, context.stream(), precision);
                return;
            }
            long[] at = new long[3];
            for (long o = 0; o < outer; o++) {
                batch.offsets(o, inner, at);
                long fa = pa + at[0] * inBytes, fb = pb + at[1] * inBytes, fc = pc + at[2] * Float.BYTES;
                if (count == 1)
                    context.runtime().sgemm(la.transposed(), lb.transposed(), (int) m, (int) n, (int) k, (float) alpha,
                            fa, (int) la.ld(), fb, (int) lb.ld(), (float) beta, fc, (int) n, context.stream(), precision);
                else
                    context.runtime().sgemmStridedBatched(la.transposed(), lb.transposed(), (int) m, (int) n, (int) k,
                            (float) alpha, fa, (int) la.ld(), sa, fb, (int) lb.ld(), sb, (float) beta, fc, (int) n, sc,
                            (int) count, context.stream(), precision);
            }
        }
    }

    /**
     * out[M, N] = x[M, K] · w[N, K]ᵀ + bias[N] with the bias in the GEMM's epilogue: one runtime sgemmBias call (cuBLASLt's
     * CUBLASLT_EPILOGUE_BIAS on a GPU, the emulator's GEMM) at the thread's Precision, operands handed over as matmul
     * hands them (the same transposes and leading dimensions, so the product is matmul's). Returns false, having done
     * nothing, where the epilogue does not apply (K = 0); the caller then composes matmul and a broadcast add.
     */
    boolean linearBias(View x, View w, View bias, View out) {
        String op = "linearBias";
        requireDType(op, "x", x, DType.FLOAT32);
        requireDType(op, "w", w, DType.FLOAT32);
        requireDType(op, "bias", bias, DType.FLOAT32);
        requireDType(op, "out", out, DType.FLOAT32);
        long m = out.dim(0), n = out.dim(1), k = x.dim(1);
        if (k == 0) return false;
        if (m * n == 0) return true;
        for (long s : new long[] {m, n, k})
            if (s > Integer.MAX_VALUE)
                throw new IllegalArgumentException(op + ": the GEMM takes matrix sizes up to 2^31 - 1, got " + s + " in x "
                        + Arrays.toString(x.shape()) + ", w " + Arrays.toString(w.shape()));
        View wt = new View(w.storage(), w.dtype(), w.offset(), new long[] {k, n}, new long[] {w.stride(1), w.stride(0)});
        try (CudaTemps temps = context.temps()) {
            View ea = x, eb = wt, eBias = bias.stride(0) == 1 || n == 1 ? bias : temps.copyOf(bias);
            MatrixLayout la = MatrixLayout.of(ea, m, k), lb = MatrixLayout.of(eb, k, n);
            if (la == null) {
                ea = temps.copyOf(x);
                la = MatrixLayout.of(ea, m, k);
            }
            if (lb == null) {
                eb = temps.copyOf(wt);
                lb = MatrixLayout.of(eb, k, n);
            }
            Precision precision = Precision.current();
            boolean bf16 = precision == Precision.BF16;
            if (bf16) {
                if (sparse(ea)) ea = temps.copyOf(ea);
                if (sparse(eb)) eb = temps.copyOf(eb);
                la = MatrixLayout.of(ea, m, k);
                lb = MatrixLayout.of(eb, k, n);
            }
            long pa = bf16 ? CudaPrecision.bf16Span(context, temps, op, ea) : context.elementPointer(op, ea);
            long pb = bf16 ? CudaPrecision.bf16Span(context, temps, op, eb) : context.elementPointer(op, eb);
            context.runtime().sgemmBias(la.transposed(), lb.transposed(), (int) m, (int) n, (int) k, pa, (int) la.ld(), pb,
                    (int) lb.ld(), context.elementPointer(op, eBias), context.elementPointer(op, out), (int) n,
                    context.stream(), precision,
                    bytes -> context.elementPointer(op, temps.allocate(DType.FLOAT32, new long[] {(bytes + 3) / 4})));
            return true;
        }
    }

    /** Whether a view's storage span is much larger than its elements (a bf16 copy of the span would waste memory). */
    private static boolean sparse(View v) { return CudaPrecision.span(v) > 2 * v.numel() + 4096; }

    /**
     * Batch dimensions of a matmul, size-1 ones dropped and neighbours merged wherever a, b and out all allow it.
     *
     * @param sizes   the coalesced sizes
     * @param strides strides of a, b and out per coalesced dimension (elements; 0 for a broadcast operand)
     */
    record Batch(long[] sizes, long[][] strides) {
        static Batch of(long[] shape, long[] sa, long[] sb, long[] sc) {
            long[][] in = {sa, sb, sc};
            long[] sizes = new long[shape.length];
            long[][] strides = new long[3][shape.length];
            int n = 0;
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] == 1) continue;
                boolean merge = n > 0;
                for (int j = 0; j < 3 && merge; j++) merge = strides[j][n - 1] == in[j][d] * shape[d];
                if (merge) {
                    sizes[n - 1] *= shape[d];
                    for (int j = 0; j < 3; j++) strides[j][n - 1] = in[j][d];
                } else {
                    sizes[n] = shape[d];
                    for (int j = 0; j < 3; j++) strides[j][n] = in[j][d];
                    n++;
                }
            }
            long[][] kept = new long[3][];
            for (int j = 0; j < 3; j++) kept[j] = Arrays.copyOf(strides[j], n);
            return new Batch(Arrays.copyOf(sizes, n), kept);
        }

        /** Element offsets of a, b and out for the o-th (row-major) position of the dimensions before {@code inner}. */
        void offsets(long o, int inner, long[] at) {
            Arrays.fill(at, 0);
            for (int d = inner - 1; d >= 0; d--) {
                long i = o % sizes[d];
                o /= sizes[d];
                for (int j = 0; j < 3; j++) at[j] += i * strides[j][d];
            }
        }
    }

    // ---- indexing --------------------------------------------------------------------------------------------

    void indexSelect(View x, int axis, View index, View out) {
        take(DeviceErrors.Op.INDEX_SELECT, x, axis, index, out, alongAxis(out.rank(), axis, index.stride(0)));
    }

    void gather(View x, int axis, View index, View out) {
        take(DeviceErrors.Op.GATHER, x, axis, index, out, index.strides());
    }

    void indexAdd(View src, int axis, View index, View out) {
        putAdd(DeviceErrors.Op.INDEX_ADD, src, axis, index, out, alongAxis(src.rank(), axis, index.stride(0)));
    }

    void scatterAdd(View src, int axis, View index, View out) {
        putAdd(DeviceErrors.Op.SCATTER_ADD, src, axis, index, out, index.strides());
    }

    /** out[p] = x[p with the axis coordinate replaced by the index read at p], p over out's shape. */
    private void take(DeviceErrors.Op which, View x, int axis, View index, View out, long[] indexStrides) {
        String op = which.spiName();
        requireData(op, "x", x);
        requireDType(op, "out", out, x.dtype());
        requireDType(op, "index", index, DType.INT64);
        long n = out.numel();
        if (n == 0) return;
        try (CudaTemps temps = context.temps()) {
            View src = CudaContext.overlaps(x, out) ? temps.copyOf(x) : x;
            View idx = CudaContext.overlaps(index, out) ? temps.copyOf(index) : index;
            long[] shape = out.shape();
            View xv = new View(src.storage(), src.dtype(), src.offset(), shape, zeroedAt(src.strides(), axis));
            View iv = new View(idx.storage(), DType.INT64, idx.offset(), shape, indexStrides);
            StridedArg[] v = StridedArg.coalesce(op, shape, out, xv, iv);
            KernelArgs args = new KernelArgs().pointer(context.basePointer(op, out));
            v[0].put(args).pointer(context.basePointer(op, src));
            v[1].put(args).i64(src.stride(axis)).i64(x.dim(axis)).pointer(context.basePointer(op, idx));
            v[2].put(args).i32(x.dtype().byteSize()).i64(n).pointer(context.errors().recordFor()).i32(which.code()).i32(axis);
            context.launch1d("index_take", n, args);
        }
    }

    /** out[p with the axis coordinate replaced by the index read at p] += src[p], p over src's shape (atomically). */
    private void putAdd(DeviceErrors.Op which, View src, int axis, View index, View out, long[] indexStrides) {
        String op = which.spiName();
        requireData(op, "src", src);
        requireDType(op, "out", out, src.dtype());
        requireDType(op, "index", index, DType.INT64);
        long n = src.numel();
        if (n == 0) return;
        try (CudaTemps temps = context.temps()) {
            View s = CudaContext.overlaps(src, out) ? temps.copyOf(src) : src;
            View idx = CudaContext.overlaps(index, out) ? temps.copyOf(index) : index;
            long[] shape = s.shape();
            View ov = new View(out.storage(), out.dtype(), out.offset(), shape, zeroedAt(out.strides(), axis));
            View iv = new View(idx.storage(), DType.INT64, idx.offset(), shape, indexStrides);
            StridedArg[] v = StridedArg.coalesce(op, shape, s, ov, iv);
            KernelArgs args = new KernelArgs().pointer(context.basePointer(op, s));
            v[0].put(args).pointer(context.basePointer(op, out));
            v[1].put(args).i64(out.stride(axis)).i64(out.dim(axis)).pointer(context.basePointer(op, idx));
            v[2].put(args).i32(CudaContext.dtypeCode(src.dtype())).i64(n).pointer(context.errors().recordFor())
                    .i32(which.code()).i32(axis);
            context.launch1d("index_put_add", n, args);
        }
    }

    /** Strides of a 1-D index read once per position along {@code axis}: its stride there, 0 elsewhere. */
    private static long[] alongAxis(int rank, int axis, long indexStride) {
        long[] s = new long[rank];
        s[axis] = indexStride;
        return s;
    }

    private static long[] zeroedAt(long[] strides, int axis) {
        long[] s = strides.clone();
        s[axis] = 0;
        return s;
    }

    private static void requireData(String op, String name, View v) {
        if (v.dtype() != DType.FLOAT32 && v.dtype() != DType.FLOAT64 && v.dtype() != DType.INT64)
            throw new IllegalArgumentException(op + ": " + name + " must be float32, float64 or int64 on cuda, got " + v.dtype());
    }

    private static void requireDType(String op, String name, View v, DType dtype) {
        if (v.dtype() != dtype)
            throw new IllegalArgumentException(op + ": " + name + " must be " + dtype + " on cuda, got " + v.dtype()
                    + " (" + v + ")");
    }
}
