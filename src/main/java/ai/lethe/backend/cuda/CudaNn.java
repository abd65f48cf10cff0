// The CUDA backend's convolutions (forward and both backwards), batch and layer norm, softmax and pooling.
// Called by CudaBackend after SpiChecks has validated the arguments; queues its kernels (cuda-kernels/conv.cu,
// norm.cu, softmax.cu, pool.cu) on the context's stream.
//
// The kernels take contiguous float32 buffers: a strided input is staged into a contiguous temporary first, and an
// output that is strided (or overlaps an input other than element for element) is computed into a temporary and
// copied into place afterwards, so every SPI layout works. float64 is the ref backend's alone (as on cpu).
// Semantics are the ref backend's (ai.lethe.backend.ref.RefNn) and the cpu backend's (native/*.c); the parity of
// every kernel with ref is CudaNnParityTest's, at the tolerances stated there.
//
// Convolutions (forward and both gradients) run through cuDNN when the runtime has it (DeviceRuntime.cudnn()) and it
// supports the geometry, else through conv.cu's implicit-GEMM kernels; ConvRouting's switch (lethe.cuda.conv /
// LETHE_CUDA_CONV = auto | cudnn | kernels) forces either. cuDNN gets the same staged contiguous operands, and its
// workspace from the caching allocator, released in stream order when the op ends. Both honour the thread's
// Precision (CudaPrecision): the kernels take its code as their last argument; cuDNN runs FP32 math, or TF32 tensor
// ops (under BF16 on operands rounded to bf16 first).
package ai.lethe.backend.cuda;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.Pool2dGeometry;
import ai.lethe.backend.Precision;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

final class CudaNn {
    /** The most threads a block of the per-row reduction kernels (layer norm, softmax rows) has. */
    private static final int ROW_BLOCK = 256;
    /** The conv kernels' output tiles (conv.cu): 64 x 64 outputs a block, or 16 x 256 (the *_narrow kernels). */
    record ConvTile(String suffix, int rows, int cols) {
        /**
         * The tile for an M x N output: narrow when M <= 16 and N >= 256 (a 64-row tile would compute mostly padding;
         * a narrow tile over few columns would load 256 columns of B for a handful of outputs).
         */
        static ConvTile of(long m, long n) {
            return m <= 16 && n >= 256 ? new ConvTile("_narrow_f32", 16, 256) : new ConvTile("_f32", 64, 64);
        }

        long tiles(long m, long n) { return ((m + rows - 1) / rows) * ((n + cols - 1) / cols); }
    }
    /** The conv kernels' reduction step (NN_CONV_BK): a split of the weight gradient's reduction is a multiple of it. */
    private static final int CONV_DEPTH = 16;
    /** Blocks a split weight gradient aims at (enough to fill a GPU's multiprocessors a few times over). */
    private static final long SPLIT_TARGET_BLOCKS = 256;
    /** The fewest reduction terms a split of the weight gradient gets. */
    private static final long SPLIT_MIN_TERMS = 256;
    /** The most splits (grid.z, and the workspace of splits x the weight's size). */
    private static final long MAX_SPLITS = 1024;

    private final CudaContext context;

    CudaNn(CudaContext context) { this.context = context; }

    // ---- operand staging ---------------------------------------------------------------------------------------

    /** Rejects anything but float32 (views may be null: optional operands), naming the op. */
    private static void requireFloat32(String op, View... views) {
        for (View v : views) {
            if (v == null || v.dtype() == DType.FLOAT32) continue;
            if (v.dtype() == DType.FLOAT64)
                throw new IllegalArgumentException(op + ": float64 is supported only on the ref backend");
            throw new IllegalArgumentException(op + ": " + v.dtype() + " is not supported on cuda (expected FLOAT32), got " + v);
        }
    }

    /** Rejects a size the kernels address with 32-bit ints. */
    private static void requireInt(String op, String what, long value) {
        if (value > Integer.MAX_VALUE)
            throw new IllegalArgumentException(op + ": the cuda kernel supports " + what + " up to 2^31 - 1, got " + value);
    }

    /** The operands of one op: contiguous inputs, outputs computed in place or in temporaries copied back at close. */
    private final class Staging implements AutoCloseable {
        private final String op;
        private final CudaTemps temps = context.temps();
        private final List<View> inputs = new ArrayList<>();
        private final List<View[]> writeBacks = new ArrayList<>();

        Staging(String op) { this.op = op; }

        /** A contiguous view of an input (null stays null). */
        View in(View v) {
            if (v == null) return null;
            View c = temps.contiguous(v);
            inputs.add(v);
            return c;
        }

        /** Where the kernel writes output v: v itself when contiguous and apart from every input, else a temporary. */
        View out(View v) {
            if (v == null) return null;
            boolean apart = true;
            for (View i : inputs) apart &= CudaContext.sameLayout(i, v) || !CudaContext.overlaps(i, v);
            if (v.isContiguous() && apart) return v;
            View t = temps.allocate(v.dtype(), v.shape());
            writeBacks.add(new View[] {t, v});
            return t;
        }

        /** An output that the kernel also reads (running statistics): staged with its contents. */
        View inOut(View v) {
            if (v == null) return null;
            if (v.isContiguous()) return v;
            View t = temps.copyOf(v);
            writeBacks.add(new View[] {t, v});
            return t;
        }

        /** The device pointer of a staged (contiguous) view, 0 for null. */
        long ptr(View v) { return v == null ? 0 : context.elementPointer(op, v); }

        @Override public void close() {
            try {
                for (View[] wb : writeBacks) context.copy(wb[0], wb[1]);
            } finally {
                temps.close();
            }
        }
    }

    private void launchRows(String kernel, long rows, int block, KernelArgs args) {
        requireInt(kernel, "the number of rows (blocks)", rows);
        context.launch(kernel, Dim3.of((int) rows), Dim3.of(block), 0, args);
    }

    /** Threads for a block that reduces rows of d elements: a multiple of 32 from 32 to ROW_BLOCK. */
    private static int rowBlock(long d) { return (int) Math.min(ROW_BLOCK, Math.max(32, (d + 31) / 32 * 32)); }

    /**
     * Threads for a batch-norm block, which reduces a channel's count = N·S elements: about one per 8 of them, a
     * multiple of 32 from 32 to 1024 (few channels of many elements still fill a GPU's multiprocessors).
     */
    static int channelBlock(long count) {
        return (int) Math.min(1024, Math.max(32, ((count + 7) / 8 + 31) / 32 * 32));
    }

    // ---- convolution -------------------------------------------------------------------------------------------

    /** The geometry as conv.cu's NnConvGeometry (16 longs), after checking the kernels' 32-bit limits. */
    private static long[] conv(String op, Conv2dGeometry g) {
        long oh = g.outH(), ow = g.outW();
        requireInt(op, "N·OH·OW", g.n() * oh * ow);
        requireInt(op, "N·H·W", g.n() * g.h() * g.w());
        requireInt(op, "C·kh·kw", g.c() * g.kh() * g.kw());
        requireInt(op, "K·kh·kw", g.k() * g.kh() * g.kw());
        requireInt(op, "H + 2·padH", g.h() + 2 * g.padH());
        requireInt(op, "W + 2·padW", g.w() + 2 * g.padW());
        return new long[] {g.n(), g.c(), g.h(), g.w(), g.k(), g.kh(), g.kw(), g.strideH(), g.strideW(), g.padH(),
                g.padW(), g.dilationH(), g.dilationW(), oh, ow, 0};
    }

    /** A tiled launch of {@code kernel} (its name without the tile's suffix) over an M x N output, splits deep. */
    private void launchTiles(String kernel, long m, long n, int splits, KernelArgs args) {
        ConvTile t = ConvTile.of(m, n);
        long gx = (n + t.cols() - 1) / t.cols(), gy = (m + t.rows() - 1) / t.rows();
        if (gy > 65535) throw new IllegalArgumentException(kernel + ": " + m + " output rows need more than 65535 tiles");
        context.launch(kernel + t.suffix(), new Dim3((int) gx, (int) gy, splits), Dim3.of(256), 0, args);
    }

    /**
     * cuDNN for this op when ConvRouting says so and the runtime has it for this geometry, else null (the kernels);
     * with lethe.cuda.conv=cudnn, an IllegalStateException saying why cuDNN cannot run it.
     */
    private CudnnConvolutions cudnn(String op, Conv2dGeometry g) {
        ConvRouting.Mode mode = ConvRouting.mode();
        if (mode == ConvRouting.Mode.KERNELS) return null;
        Optional<CudnnConvolutions> dnn = context.runtime().cudnn();
        String why = dnn.isEmpty() ? "cuDNN is not available: " + context.runtime().cudnnStatus()
                : !CudnnConvolutions.supports(g) ? "cuDNN's 4-d descriptors cannot describe " + CudnnConvolutions.shapes(g) : null;
        if (why == null) return dnn.get();
        if (mode == ConvRouting.Mode.CUDNN) throw new IllegalStateException(op + ": " + ConvRouting.PROPERTY + "=cudnn but " + why);
        return null;
    }

    /** After cuDNN found no algorithm within its workspace limit: the kernels, unless cuDNN was forced. */
    private static void noAlgorithm(String op, Conv2dGeometry g) {
        if (ConvRouting.mode() == ConvRouting.Mode.CUDNN)
            throw new IllegalStateException(op + ": " + ConvRouting.PROPERTY + "=cudnn but cuDNN has no algorithm for "
                    + CudnnConvolutions.shapes(g) + " within a workspace of " + CudnnConvolutions.WORKSPACE_LIMIT + " bytes");
    }

    /** A cuDNN workspace of at least {@code bytes} from the op's temporaries (the caching allocator). */
    private long workspace(Staging s, long bytes) {
        return s.ptr(s.temps.allocate(DType.FLOAT32, new long[] {(bytes + 3) / 4}));
    }

    void conv2d(View x, View w, View bias, View out, Conv2dGeometry g) {
        String op = "conv2d";
        requireFloat32(op, x, w, bias, out);
        long[] geom = conv(op, g);
        if (out.numel() == 0) return;
        try (Staging s = new Staging(op)) {
            View xs = s.in(x), ws = s.in(w), bs = s.in(bias), os = s.out(out);
            Precision p = Precision.current();
            CudnnConvolutions dnn = cudnn(op, g);
            if (dnn != null) {
                View xr = CudaPrecision.forCudnn(context, s.temps, op, xs, p), wr = CudaPrecision.forCudnn(context, s.temps, op, ws, p);
                if (dnn.forward(g, s.ptr(xr), s.ptr(wr), s.ptr(bs), s.ptr(os), context.stream().handle(),
                        CudaPrecision.cudnnTensorOps(p), bytes -> workspace(s, bytes))) return;
                noAlgorithm(op, g);
            }
            KernelArgs args = new KernelArgs().pointer(s.ptr(xs)).pointer(s.ptr(ws)).pointer(s.ptr(bs)).pointer(s.ptr(os))
                    .words64(geom).i32(p.code());
            launchTiles("conv2d_forward", g.k(), g.n() * g.outH() * g.outW(), 1, args);
        }
    }

    void conv2dBackwardInput(View dy, View w, View dx, Conv2dGeometry g) {
        String op = "conv2dBackwardInput";
        requireFloat32(op, dy, w, dx);
        long[] geom = conv(op, g);
        if (dx.numel() == 0) return;
        try (Staging s = new Staging(op)) {
            View dys = s.in(dy), ws = s.in(w), dxs = s.out(dx);
            Precision p = Precision.current();
            CudnnConvolutions dnn = cudnn(op, g);
            if (dnn != null) {
                View dyr = CudaPrecision.forCudnn(context, s.temps, op, dys, p), wr = CudaPrecision.forCudnn(context, s.temps, op, ws, p);
                if (dnn.backwardData(g, s.ptr(dyr), s.ptr(wr), s.ptr(dxs), context.stream().handle(),
                        CudaPrecision.cudnnTensorOps(p), bytes -> workspace(s, bytes))) return;
                noAlgorithm(op, g);
            }
            KernelArgs args = new KernelArgs().pointer(s.ptr(dys)).pointer(s.ptr(ws)).pointer(s.ptr(dxs)).words64(geom)
                    .i32(p.code());
            launchTiles("conv2d_backward_input", g.c(), g.n() * g.h() * g.w(), 1, args);
        }
    }

    void conv2dBackwardWeight(View dy, View x, View dw, Conv2dGeometry g) {
        String op = "conv2dBackwardWeight";
        requireFloat32(op, dy, x, dw);
        long[] geom = conv(op, g);
        if (g.n() == 0) {   // no samples: a zero gradient
            context.fill(dw, 0);
            return;
        }
        try (Staging s = new Staging(op)) {
            View dys = s.in(dy), xs = s.in(x), dws = s.out(dw);
            Precision p = Precision.current();
            CudnnConvolutions dnn = cudnn(op, g);
            if (dnn != null) {
                View xr = CudaPrecision.forCudnn(context, s.temps, op, xs, p), dyr = CudaPrecision.forCudnn(context, s.temps, op, dys, p);
                if (dnn.backwardFilter(g, s.ptr(xr), s.ptr(dyr), s.ptr(dws), context.stream().handle(),
                        CudaPrecision.cudnnTensorOps(p), bytes -> workspace(s, bytes))) return;
                noAlgorithm(op, g);
            }
            long m = g.k(), cols = g.c() * g.kh() * g.kw(), r = g.n() * g.outH() * g.outW();
            int splits = weightGradientSplits(m, cols, r);
            long chunk = (r + splits - 1) / splits;
            chunk = (chunk + CONV_DEPTH - 1) / CONV_DEPTH * CONV_DEPTH;
            splits = (int) ((r + chunk - 1) / chunk);
            View target = splits == 1 ? dws : s.temps.allocate(DType.FLOAT32, new long[] {splits, m * cols});
            KernelArgs args = new KernelArgs().pointer(s.ptr(dys)).pointer(s.ptr(xs)).pointer(s.ptr(target)).words64(geom)
                    .i32((int) chunk).i32(p.code());
            launchTiles("conv2d_backward_weight", m, cols, splits, args);
            if (splits > 1)
                context.launch1d("conv2d_sum_splits_f32", m * cols, new KernelArgs().pointer(s.ptr(target)).pointer(s.ptr(dws))
                        .i32(splits).i64(m * cols));
        }
    }

    /**
     * How many slices the weight gradient's reduction (r = N·OH·OW terms) is split into: enough for about
     * SPLIT_TARGET_BLOCKS blocks over the output tiles, each slice at least SPLIT_MIN_TERMS terms, at most MAX_SPLITS.
     */
    static int weightGradientSplits(long m, long cols, long r) {
        long tiles = ConvTile.of(m, cols).tiles(m, cols);
        long want = (SPLIT_TARGET_BLOCKS + tiles - 1) / tiles;
        long most = Math.max(1, r / SPLIT_MIN_TERMS);
        return (int) Math.max(1, Math.min(MAX_SPLITS, Math.min(want, most)));
    }

    // ---- batch norm over x [N, C, S] -----------------------------------------------------------------------------

    void batchNormTrain(View x, View weight, View bias, View runningMean, View runningVar, View out, View saveMean,
                        View saveInvStd, double momentum, double eps) {
        batchNormTrain("batchNormTrain", x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd, momentum, eps, false);
    }

    /** Batch norm + ReLU in one pass (norm.cu's relu flag). */
    void batchNormReluTrain(View x, View weight, View bias, View runningMean, View runningVar, View out, View saveMean,
                            View saveInvStd, double momentum, double eps) {
        batchNormTrain("batchNormReluTrain", x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd, momentum, eps, true);
    }

    private void batchNormTrain(String op, View x, View weight, View bias, View runningMean, View runningVar, View out,
                                View saveMean, View saveInvStd, double momentum, double eps, boolean relu) {
        requireFloat32(op, x, weight, bias, runningMean, runningVar, out, saveMean, saveInvStd);
        long n = x.dim(0), c = x.dim(1), sp = x.dim(2);
        if (c == 0) return;
        try (Staging s = new Staging(op)) {
            View xs = s.in(x), ws = s.in(weight), bs = s.in(bias);
            View rm = s.inOut(runningMean), rv = s.inOut(runningVar);
            View os = s.out(out), sm = s.out(saveMean), si = s.out(saveInvStd);
            KernelArgs args = new KernelArgs().pointer(s.ptr(xs)).pointer(s.ptr(ws)).pointer(s.ptr(bs)).pointer(s.ptr(rm))
                    .pointer(s.ptr(rv)).pointer(s.ptr(os)).pointer(s.ptr(sm)).pointer(s.ptr(si)).i64(n).i64(c).i64(sp)
                    .f64(momentum).f64(eps).i32(relu ? 1 : 0);
            launchRows("batch_norm_train_f32", c, channelBlock(n * sp), args);
        }
    }

    void batchNormEval(View x, View weight, View bias, View runningMean, View runningVar, View out, double eps) {
        batchNormEval("batchNormEval", x, weight, bias, runningMean, runningVar, out, eps, false);
    }

    void batchNormReluEval(View x, View weight, View bias, View runningMean, View runningVar, View out, double eps) {
        batchNormEval("batchNormReluEval", x, weight, bias, runningMean, runningVar, out, eps, true);
    }

    private void batchNormEval(String op, View x, View weight, View bias, View runningMean, View runningVar, View out,
                               double eps, boolean relu) {
        requireFloat32(op, x, weight, bias, runningMean, runningVar, out);
        long n = x.dim(0), c = x.dim(1), sp = x.dim(2), total = x.numel();
        if (total == 0) return;
        try (Staging s = new Staging(op)) {
            View xs = s.in(x), ws = s.in(weight), bs = s.in(bias), rm = s.in(runningMean), rv = s.in(runningVar);
            View os = s.out(out);
            KernelArgs args = new KernelArgs().pointer(s.ptr(xs)).pointer(s.ptr(ws)).pointer(s.ptr(bs)).pointer(s.ptr(rm))
                    .pointer(s.ptr(rv)).pointer(s.ptr(os)).i64(n).i64(c).i64(sp).f64(eps).i32(relu ? 1 : 0);
            context.launch1d("batch_norm_eval_f32", total, args);
        }
    }

    void batchNormBackward(View dy, View x, View weight, View mean, View invStd, View dx, View dweight, View dbias,
                           boolean batchStatistics) {
        batchNormBackward("batchNormBackward", dy, null, x, weight, mean, invStd, dx, dweight, dbias, batchStatistics);
    }

    /** The backward of batch norm + ReLU: dy masked by the forward's ReLU output inside the same kernel. */
    void batchNormReluBackward(View dy, View out, View x, View weight, View mean, View invStd, View dx, View dweight,
                               View dbias, boolean batchStatistics) {
        batchNormBackward("batchNormReluBackward", dy, out, x, weight, mean, invStd, dx, dweight, dbias, batchStatistics);
    }

    private void batchNormBackward(String op, View dy, View reluOut, View x, View weight, View mean, View invStd, View dx,
                                   View dweight, View dbias, boolean batchStatistics) {
        requireFloat32(op, dy, reluOut, x, weight, mean, invStd, dx, dweight, dbias);
        long n = x.dim(0), c = x.dim(1), sp = x.dim(2);
        if (c == 0 || (dx == null && dweight == null && dbias == null)) return;
        try (Staging s = new Staging(op)) {
            View dys = s.in(dy), xs = s.in(x), ws = s.in(weight), ms = s.in(mean), is = s.in(invStd), rs = s.in(reluOut);
            View dxs = s.out(dx), dws = s.out(dweight), dbs = s.out(dbias);
            KernelArgs args = new KernelArgs().pointer(s.ptr(dys)).pointer(s.ptr(xs)).pointer(s.ptr(ws)).pointer(s.ptr(ms))
                    .pointer(s.ptr(is)).pointer(s.ptr(dxs)).pointer(s.ptr(dws)).pointer(s.ptr(dbs)).pointer(s.ptr(rs))
                    .i64(n).i64(c).i64(sp)
                    .i32(batchStatistics ? 1 : 0);
            launchRows("batch_norm_backward_f32", c, channelBlock(n * sp), args);
        }
    }

    // ---- layer norm over the last dimension of x [M, D] ----------------------------------------------------------

    void layerNorm(View x, View weight, View bias, View out, View saveMean, View saveInvStd, double eps) {
        String op = "layerNorm";
        requireFloat32(op, x, weight, bias, out, saveMean, saveInvStd);
        long m = x.dim(0), d = x.dim(1);
        if (m == 0) return;
        requireInt(op, "D", d);
        try (Staging s = new Staging(op)) {
            View xs = s.in(x), ws = s.in(weight), bs = s.in(bias);
            View os = s.out(out), sm = s.out(saveMean), si = s.out(saveInvStd);
            if (d <= LN_ONE_PASS_MAX_D) {   // one read of each row (norm.cu's one-pass kernels)
                context.launch("layer_norm_onepass_f32", lnGrid(m), Dim3.of(lnBlock(d)), 0, new KernelArgs()
                        .pointer(s.ptr(xs)).pointer(s.ptr(ws)).pointer(s.ptr(bs)).pointer(s.ptr(os)).pointer(s.ptr(sm))
                        .pointer(s.ptr(si)).i64(m).i32((int) d).f64(eps));
                return;
            }
            KernelArgs args = new KernelArgs().pointer(s.ptr(xs)).pointer(s.ptr(ws)).pointer(s.ptr(bs)).pointer(s.ptr(os))
                    .pointer(s.ptr(sm)).pointer(s.ptr(si)).i32((int) d).f64(eps);
            launchRows("layer_norm_f32", m, rowBlock(d), args);
        }
    }

    /** The longest rows the one-pass layer-norm kernels keep in registers (256 threads of LN_FLOATS = 16 floats). */
    static final long LN_ONE_PASS_MAX_D = 4096;

    /** Threads of a one-pass layer-norm block: about one float4 of the row each, a multiple of 32 from 32 to 256. */
    static int lnBlock(long d) { return (int) Math.min(ROW_BLOCK, Math.max(32, ((d + 3) / 4 + 31) / 32 * 32)); }

    /** Blocks of a one-pass layer-norm launch: each walks at least 16 rows (its weight and bias read once for them). */
    private Dim3 lnGrid(long m) { return Dim3.of((int) Math.max(1, Math.min(context.maxGrid(), (m + 15) / 16))); }

    void layerNormBackward(View dy, View x, View weight, View saveMean, View saveInvStd, View dx, View dweight,
                           View dbias) {
        String op = "layerNormBackward";
        requireFloat32(op, dy, x, weight, saveMean, saveInvStd, dx, dweight, dbias);
        long m = x.dim(0), d = x.dim(1);
        if (d == 0) return;
        requireInt(op, "D", d);
        if (m == 0) {   // no rows: zero parameter gradients
            if (dweight != null) context.fill(dweight, 0);
            if (dbias != null) context.fill(dbias, 0);
            return;
        }
        try (Staging s = new Staging(op)) {
            View dys = s.in(dy), xs = s.in(x), ws = s.in(weight), ms = s.in(saveMean), is = s.in(saveInvStd);
            View dxs = s.out(dx), dws = s.out(dweight), dbs = s.out(dbias);
            if (d <= LN_ONE_PASS_MAX_D) {   // dx and each block's dweight/dbias partials in one read of dy and x
                Dim3 grid = lnGrid(m);
                boolean params = dws != null || dbs != null;
                View pw = params ? s.temps.allocate(DType.FLOAT32, new long[] {grid.x(), d}) : null;
                View pb = params ? s.temps.allocate(DType.FLOAT32, new long[] {grid.x(), d}) : null;
                context.launch("layer_norm_backward_onepass_f32", grid, Dim3.of(lnBlock(d)), 0, new KernelArgs()
                        .pointer(s.ptr(dys)).pointer(s.ptr(xs)).pointer(s.ptr(ws)).pointer(s.ptr(ms)).pointer(s.ptr(is))
                        .pointer(s.ptr(dxs)).pointer(s.ptr(pw)).pointer(s.ptr(pb)).i64(m).i32((int) d));
                if (params)
                    context.launch1d("layer_norm_params_sum_f32", d, new KernelArgs().pointer(s.ptr(pw)).pointer(s.ptr(pb))
                            .pointer(s.ptr(dws)).pointer(s.ptr(dbs)).i64(grid.x()).i64(d));
                return;
            }
            if (dxs != null) {
                KernelArgs args = new KernelArgs().pointer(s.ptr(dys)).pointer(s.ptr(xs)).pointer(s.ptr(ws))
                        .pointer(s.ptr(ms)).pointer(s.ptr(is)).pointer(s.ptr(dxs)).i32((int) d);
                launchRows("layer_norm_backward_dx_f32", m, rowBlock(d), args);
            }
            if (dws != null || dbs != null) {
                KernelArgs args = new KernelArgs().pointer(s.ptr(dys)).pointer(s.ptr(xs)).pointer(s.ptr(ms))
                        .pointer(s.ptr(is)).pointer(s.ptr(dws)).pointer(s.ptr(dbs)).i64(m).i32((int) d);
                requireInt(op, "column tiles", (d + 31) / 32);
                context.launch("layer_norm_backward_params_f32", Dim3.of((int) ((d + 31) / 32)), Dim3.of(32, 8), 0, args);
            }
        }
    }

    // ---- softmax over the middle dimension of [outer, D, inner] --------------------------------------------------

    void softmax(View x, View out, boolean log) {
        String op = "softmax";
        requireFloat32(op, x, out);
        if (x.numel() == 0) return;
        long outer = x.dim(0), d = x.dim(1), inner = x.dim(2);
        requireInt(op, "D", d);
        try (Staging s = new Staging(op)) {
            View xs = s.in(x), os = s.out(out);
            if (inner == 1) {
                launchRows("softmax_rows_f32", outer, rowBlock(d),
                        new KernelArgs().pointer(s.ptr(xs)).pointer(s.ptr(os)).i32((int) d).i32(log ? 1 : 0));
            } else {
                context.launch1d("softmax_cols_f32", outer * inner, new KernelArgs().pointer(s.ptr(xs)).pointer(s.ptr(os))
                        .i64(outer).i32((int) d).i64(inner).i32(log ? 1 : 0));
            }
        }
    }

    void softmaxBackward(View y, View dy, View dx, boolean log) {
        String op = "softmaxBackward";
        requireFloat32(op, y, dy, dx);
        if (y.numel() == 0) return;
        long outer = y.dim(0), d = y.dim(1), inner = y.dim(2);
        requireInt(op, "D", d);
        try (Staging s = new Staging(op)) {
            View ys = s.in(y), dys = s.in(dy), dxs = s.out(dx);
            KernelArgs args = new KernelArgs().pointer(s.ptr(ys)).pointer(s.ptr(dys)).pointer(s.ptr(dxs));
            if (inner == 1) {
                launchRows("softmax_backward_rows_f32", outer, rowBlock(d), args.i32((int) d).i32(log ? 1 : 0));
            } else {
                context.launch1d("softmax_backward_cols_f32", outer * inner, args.i64(outer).i32((int) d).i64(inner)
                        .i32(log ? 1 : 0));
            }
        }
    }

    // ---- fused softmax cross-entropy over logits [N, C] (loss.cu) ----------------------------------------------

    /** The most logits the forward reduces to its total in one block (beyond: a grid over rows, then a sum). */
    static final long CE_ONE_BLOCK_ELEMENTS = 1L << 20;

    void crossEntropy(View logits, View target, View losses, View logSumExp, View total, double smoothing, double scale) {
        String op = "crossEntropy";
        requireFloat32(op, logits, losses, logSumExp, total);
        long n = logits.dim(0), c = logits.dim(1);
        requireInt(op, "C", c);
        if (n == 0) {
            if (total != null) context.fill(total, 0);
            return;
        }
        try (Staging s = new Staging(op)) {
            View xs = s.in(logits), ts = s.in(target);
            View ls = s.out(losses), lse = s.out(logSumExp), tot = s.out(total);
            boolean oneBlock = tot != null && n * c <= CE_ONE_BLOCK_ELEMENTS;
            View rows = ls != null || oneBlock || tot == null ? ls : s.temps.allocate(DType.FLOAT32, new long[] {n});
            int block = oneBlock && !context.emulated() ? 1024 : 256;
            long grid = oneBlock ? 1 : Math.min((n + block / 32 - 1) / (block / 32), 65535L * 16);
            KernelArgs args = new KernelArgs().pointer(s.ptr(xs)).pointer(s.ptr(ts)).i64(1).pointer(s.ptr(rows))
                    .pointer(s.ptr(lse)).pointer(oneBlock ? s.ptr(tot) : 0).i64(n).i32((int) c).f32((float) smoothing)
                    .f32((float) scale).pointer(context.errors().recordFor()).i32(DeviceErrors.Op.CROSS_ENTROPY.code());
            context.launch("cross_entropy_f32", Dim3.of((int) grid), Dim3.of(block), 0, args);
            if (tot != null && !oneBlock)
                context.launch("cross_entropy_sum_f32", Dim3.of(1), Dim3.of(1024), 0,
                        new KernelArgs().pointer(s.ptr(rows)).pointer(s.ptr(tot)).i64(n).f32((float) scale));
        }
    }

    void crossEntropyBackward(View logits, View target, View logSumExp, View gradOut, View dlogits, double smoothing,
                              double scale) {
        String op = "crossEntropyBackward";
        requireFloat32(op, logits, logSumExp, gradOut, dlogits);
        long n = logits.dim(0), c = logits.dim(1);
        requireInt(op, "C", c);
        if (n * c == 0) return;
        try (Staging s = new Staging(op)) {
            View xs = s.in(logits), ts = s.in(target), lse = s.in(logSumExp);
            // a broadcast upstream gradient (stride 0) is passed as it is: one element read by every row
            boolean broadcast = gradOut.stride(0) == 0;
            View gs = broadcast ? gradOut : s.in(gradOut);
            View dxs = s.out(dlogits);
            KernelArgs args = new KernelArgs().pointer(s.ptr(xs)).pointer(s.ptr(ts)).i64(1).pointer(s.ptr(lse))
                    .pointer(broadcast ? context.elementPointer(op, gradOut) : s.ptr(gs)).i64(broadcast ? 0 : 1)
                    .pointer(s.ptr(dxs)).i64(n).i32((int) c).f32((float) smoothing).f32((float) scale);
            context.launch1d("cross_entropy_backward_f32", 32 * n, args);   // one warp a row
        }
    }

    // ---- pooling -----------------------------------------------------------------------------------------------

    /** The geometry as pool.cu's NnPoolGeometry (13 longs), after checking the kernels' 32-bit plane limits. */
    private static long[] pool(String op, Pool2dGeometry g) {
        requireInt(op, "H·W", g.h() * g.w());
        requireInt(op, "OH·OW", g.outH() * g.outW());
        requireInt(op, "OH·strideH + kh", g.outH() * g.strideH() + g.kh());
        requireInt(op, "OW·strideW + kw", g.outW() * g.strideW() + g.kw());
        requireInt(op, "kh·kw", g.kh() * g.kw());
        return new long[] {g.n() * g.c(), g.h(), g.w(), g.kh(), g.kw(), g.strideH(), g.strideW(), g.padH(), g.padW(),
                g.outH(), g.outW(), g.countIncludePad() ? 1 : 0, 0};
    }

    void maxPool2d(View x, View out, View indices, Pool2dGeometry g) {
        String op = "maxPool2d";
        requireFloat32(op, x, out);
        long[] geom = pool(op, g);
        if (out.numel() == 0) return;
        try (Staging s = new Staging(op)) {
            View xs = s.in(x), os = s.out(out), is = s.out(indices);
            context.launch1d("max_pool2d_f32", out.numel(), new KernelArgs().pointer(s.ptr(xs)).pointer(s.ptr(os))
                    .pointer(s.ptr(is)).words64(geom));
        }
    }

    void maxPool2dBackward(View dy, View indices, View dx, Pool2dGeometry g) {
        String op = "maxPool2dBackward";
        requireFloat32(op, dy, dx);
        long[] geom = pool(op, g);
        if (dx.numel() == 0) return;
        try (Staging s = new Staging(op)) {
            View dys = s.in(dy), is = s.in(indices);
            long n = is.numel();
            if (n > 0) {
                context.launch1d("pool_check_indices", n, new KernelArgs().pointer(s.ptr(is))
                        .pointer(context.errors().recordFor()).i64(n).i64(g.h() * g.w())
                        .i32(DeviceErrors.Op.MAX_POOL2D_BACKWARD.code()));
            }
            View dxs = s.out(dx);
            context.launch1d("max_pool2d_backward_f32", dx.numel(), new KernelArgs().pointer(s.ptr(dys)).pointer(s.ptr(is))
                    .pointer(s.ptr(dxs)).words64(geom));
        }
    }

    void avgPool2d(View x, View out, Pool2dGeometry g) {
        String op = "avgPool2d";
        requireFloat32(op, x, out);
        long[] geom = pool(op, g);
        if (out.numel() == 0) return;
        try (Staging s = new Staging(op)) {
            View xs = s.in(x), os = s.out(out);
            context.launch1d("avg_pool2d_f32", out.numel(), new KernelArgs().pointer(s.ptr(xs)).pointer(s.ptr(os)).words64(geom));
        }
    }

    void avgPool2dBackward(View dy, View dx, Pool2dGeometry g) {
        String op = "avgPool2dBackward";
        requireFloat32(op, dy, dx);
        long[] geom = pool(op, g);
        if (dx.numel() == 0) return;
        try (Staging s = new Staging(op)) {
            View dys = s.in(dy), dxs = s.out(dx);
            context.launch1d("avg_pool2d_backward_f32", dx.numel(), new KernelArgs().pointer(s.ptr(dys)).pointer(s.ptr(dxs))
                    .words64(geom));
        }
    }

    /** planes, h, w, oh, ow of an adaptive pooling between in [N, C, H, W] and out [N, C, OH, OW]. */
    private static KernelArgs adaptiveSizes(String op, KernelArgs args, View in, View out) {
        long h = in.dim(2), w = in.dim(3), oh = out.dim(2), ow = out.dim(3);
        requireInt(op, "H·W", h * w);
        requireInt(op, "OH·OW", oh * ow);
        requireInt(op, "OH·H", oh * h);
        requireInt(op, "OW·W", ow * w);
        return args.i64(in.dim(0) * in.dim(1)).i32((int) h).i32((int) w).i32((int) oh).i32((int) ow);
    }

    void adaptiveAvgPool2d(View x, View out) {
        String op = "adaptiveAvgPool2d";
        requireFloat32(op, x, out);
        if (out.numel() == 0) return;
        if (x.dim(2) == 0 || x.dim(3) == 0) {   // empty windows: 0 / 0, as the ref backend computes
            context.fill(out, Double.NaN);
            return;
        }
        try (Staging s = new Staging(op)) {
            View xs = s.in(x), os = s.out(out);
            context.launch1d("adaptive_avg_pool2d_f32", out.numel(),
                    adaptiveSizes(op, new KernelArgs().pointer(s.ptr(xs)).pointer(s.ptr(os)), x, out));
        }
    }

    void adaptiveAvgPool2dBackward(View dy, View dx) {
        String op = "adaptiveAvgPool2dBackward";
        requireFloat32(op, dy, dx);
        if (dx.numel() == 0) return;
        try (Staging s = new Staging(op)) {
            View dys = s.in(dy), dxs = s.out(dx);
            context.launch1d("adaptive_avg_pool2d_backward_f32", dx.numel(),
                    adaptiveSizes(op, new KernelArgs().pointer(s.ptr(dys)).pointer(s.ptr(dxs)), dx, dy));
        }
    }
}
