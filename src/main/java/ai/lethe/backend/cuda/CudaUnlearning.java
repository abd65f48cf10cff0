// The CUDA backend's unlearning and pruning kernels (cuda-kernels/unlearn.cu): squared accumulation, per-sample
// squared GEMM and conv-weight sums (never one gradient per sample in memory), SSD dampening, Philox Gaussian noise
// (the stream of the ref and cpu backends), and the radix-select histogram and mask of global top-k (ties kept in
// row-major order, as ref and cpu keep them). float32 only, as on the cpu backend. Strided views: addSquared and the
// per-sample GEMM read them as they lie; the others stage them through contiguous copies (DenseFloat32).
// Called by CudaBackend after SpiChecks has validated the arguments; queues its kernels on the context's stream.
// scoreHistogram and maskFromScores return host results (counts, the kept ties), so they synchronise.
package ai.lethe.backend.cuda;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.ScoreKeys;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

final class CudaUnlearning {
    /** Output tile edge of the per-sample kernels (LETHE_PS_TILE); their blocks are TILE x TILE threads. */
    static final int TILE = 16;
    /**
     * Blocks a per-sample launch aims for: with fewer output tiles, the samples are cut into groups (each its own
     * blocks and partial sums, added in group order by per_sample_reduce_groups) — at most MAX_GROUPS, and at most
     * PARTIAL_BUDGET bytes of partials. The groups depend on the shapes only (the same bits on every run).
     */
    static final int TARGET_BLOCKS = 264;
    static final int MAX_GROUPS = 32;
    static final long PARTIAL_BUDGET = 64L << 20;
    /** Scores per block of the mask kernels (a multiple of their 256 threads). */
    static final int MASK_CHUNK = 4096;
    /** The largest histogram counted in shared memory (2^13 bins: 32 KiB of counters a block). */
    static final int SHARED_HISTOGRAM_BITS = 13;
    /** Most blocks of a histogram launch (each block adds its shared histogram to the global counts once). */
    static final int HISTOGRAM_MAX_GRID = 512;

    private final CudaContext context;

    CudaUnlearning(CudaContext context) { this.context = context; }

    void addSquared(View x, View acc, double scale) {
        String op = "addSquared";
        DenseFloat32.require(op, x, acc);
        long n = acc.numel();
        if (n == 0) return;
        try (CudaTemps t = context.temps()) {
            View src = t.separate(x, acc);
            if (src.isContiguous() && acc.isContiguous()) {
                context.launch1d("add_squared_f32", (n + 3) / 4, new KernelArgs().pointer(context.elementPointer(op, src))
                        .pointer(context.elementPointer(op, acc)).i64(n).f64(scale));
                return;
            }
            StridedArg[] v = StridedArg.coalesce(op, acc.shape(), src, acc);
            KernelArgs args = new KernelArgs().pointer(context.basePointer(op, src));
            v[0].put(args).pointer(context.basePointer(op, acc));
            v[1].put(args).i64(n).f64(scale);
            context.launch1d("add_squared_strided", n, args);
        }
    }

    void perSampleSquaredGemm(View a, View b, View acc, double scale) {
        String op = "perSampleSquaredGemm";
        DenseFloat32.require(op, a, b, acc);
        long batch = a.dim(0), m = a.dim(1), t = a.dim(2), n = b.dim(2);
        if (batch == 0 || m == 0 || n == 0 || t == 0) return;   // every product is empty or zero
        try (DenseFloat32 d = new DenseFloat32(context, op); CudaTemps temps = context.temps()) {
            long out = d.output(acc);
            View ea = temps.separate(a, acc), eb = temps.separate(b, acc);
            Dim3 tiles = tiles(op, m, n);
            int groups = groups(batch, tiles.x(), m * n);
            long partial = groups == 1 ? 0 : context.elementPointer(op, temps.allocate(DType.FLOAT64, new long[] {groups, m * n}));
            KernelArgs args = new KernelArgs()
                    .pointer(context.basePointer(op, ea)).i64(ea.offset()).i64(ea.stride(0)).i64(ea.stride(1)).i64(ea.stride(2))
                    .pointer(context.basePointer(op, eb)).i64(eb.offset()).i64(eb.stride(0)).i64(eb.stride(1)).i64(eb.stride(2))
                    .pointer(out).pointer(partial).i64(batch).i64(m).i64(n).i64(t).f64(scale);
            context.launch("per_sample_squared_gemm", Dim3.of(tiles.x(), groups), Dim3.of(TILE, TILE), 0, args);
            reduceGroups(partial, groups, out, m * n, scale);
            d.finish();
        }
    }

    void perSampleSquaredConvWeight(View dy, View x, View acc, Conv2dGeometry g, double scale) {
        String op = "perSampleSquaredConvWeight";
        DenseFloat32.require(op, dy, x, acc);
        if (g.n() == 0) return;
        long cols = g.c() * g.kh() * g.kw();
        try (DenseFloat32 d = new DenseFloat32(context, op); CudaTemps temps = context.temps()) {
            long out = d.output(acc);
            Dim3 tiles = tiles(op, g.k(), cols);
            int groups = groups(g.n(), tiles.x(), g.k() * cols);
            long partial = groups == 1 ? 0 : context.elementPointer(op, temps.allocate(DType.FLOAT64, new long[] {groups, g.k() * cols}));
            KernelArgs args = new KernelArgs().pointer(d.input(dy)).pointer(d.input(x)).pointer(out).pointer(partial)
                    .words64(geometry(g)).f64(scale);
            context.launch("per_sample_squared_conv_weight", Dim3.of(tiles.x(), groups), Dim3.of(TILE, TILE), 0, args);
            reduceGroups(partial, groups, out, g.k() * cols, scale);
            d.finish();
        }
    }

    /** Sample groups of a per-sample launch of {@code tiles} output tiles over {@code cells} output elements. */
    static int groups(long samples, long tiles, long cells) {
        long wanted = (TARGET_BLOCKS + tiles - 1) / tiles;
        long byBudget = PARTIAL_BUDGET / Math.max(1, cells * Double.BYTES);
        return (int) Math.max(1, Math.min(Math.min(samples, MAX_GROUPS), Math.min(wanted, byBudget)));
    }

    /** acc += scale * the groups' partial sums (nothing to do for one group: the kernel wrote acc itself). */
    private void reduceGroups(long partial, int groups, long acc, long cells, double scale) {
        if (groups == 1) return;
        context.launch1d("per_sample_reduce_groups", cells,
                new KernelArgs().pointer(partial).i64(groups).pointer(acc).i64(cells).f64(scale));
    }

    /** unlearn.cu's PsConvGeometry. */
    static long[] geometry(Conv2dGeometry g) {
        return new long[] {g.n(), g.c(), g.h(), g.w(), g.k(), g.kh(), g.kw(), g.strideH(), g.strideW(), g.padH(), g.padW(),
                g.dilationH(), g.dilationW(), g.outH(), g.outW()};
    }

    /** One block per TILE x TILE tile of a [rows, cols] output. */
    private static Dim3 tiles(String op, long rows, long cols) {
        long count = ((rows + TILE - 1) / TILE) * ((cols + TILE - 1) / TILE);
        if (count > Integer.MAX_VALUE)
            throw new IllegalArgumentException(op + ": an output of " + rows + " x " + cols + " needs " + count
                    + " tiles of " + TILE + " x " + TILE + ", more than a grid holds");
        return Dim3.of((int) count);
    }

    void ssdDampen(View theta, View importanceD, View importanceF, double alpha, double lambda) {
        String op = "ssdDampen";
        DenseFloat32.require(op, theta, importanceD, importanceF);
        long n = theta.numel();
        if (n == 0) return;
        try (DenseFloat32 d = new DenseFloat32(context, op)) {
            long w = d.output(theta);
            context.launch1d("ssd_dampen_f32", (n + 3) / 4, new KernelArgs().pointer(w).pointer(d.input(importanceD))
                    .pointer(d.input(importanceF)).i64(n).f64(alpha).f64(lambda));
            d.finish();
        }
    }

    void addGaussianNoise(View theta, View std, long seed, long counter) {
        String op = "addGaussianNoise";
        DenseFloat32.require(op, theta, std);
        long n = theta.numel();
        if (n == 0) return;
        try (DenseFloat32 d = new DenseFloat32(context, op)) {
            long w = d.output(theta);
            context.launch1d("add_gaussian_noise_f32", (n + 1) / 2,
                    new KernelArgs().pointer(w).pointer(d.input(std)).i64(n).i64(seed).i64(counter));
            d.finish();
        }
    }

    void scoreHistogram(View scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        String op = "scoreHistogram";
        ScoreKeys.checkHistogram(op, shift, bits, matchShift, counts);
        DenseFloat32.require(op, scores);
        long n = scores.numel();
        if (n == 0) return;
        int bins = 1 << bits;
        boolean shared = bits <= SHARED_HISTOGRAM_BITS;
        try (DenseFloat32 d = new DenseFloat32(context, op); CudaTemps t = context.temps(); Arena host = Arena.ofConfined()) {
            long s = d.input(scores);
            long deviceCounts = context.elementPointer(op, t.allocate(DType.INT64, new long[] {bins}));
            long bad = context.elementPointer(op, t.allocate(DType.INT64, new long[] {1}));
            DeviceRuntime rt = context.runtime();
            rt.memset8(deviceCounts, 0, 8L * bins, context.stream());
            rt.memset8(bad, 0xFF, 8, context.stream());
            Dim3 grid = Dim3.of(Math.min(HISTOGRAM_MAX_GRID, CudaContext.gridFor(n).x()));
            context.launch("score_histogram_f32", grid, Dim3.of(CudaContext.BLOCK), shared ? 4 * bins : 0, new KernelArgs()
                    .pointer(s).i64(n).i32(shift).i32(bits).i32(matchShift).i32(matchValue).i32(shared ? 1 : 0)
                    .pointer(deviceCounts).pointer(bad));
            MemorySegment result = host.allocate(ValueLayout.JAVA_LONG, bins + 1L);
            rt.copyDeviceToHost(result, deviceCounts, 8L * bins, context.stream());
            rt.copyDeviceToHost(result.asSlice(8L * bins), bad, 8, context.stream());
            context.synchronize();
            long first = result.getAtIndex(ValueLayout.JAVA_LONG, bins);
            if (first != -1) {
                MemorySegment score = host.allocate(ValueLayout.JAVA_FLOAT);
                rt.copyDeviceToHost(score, s + 4 * first, 4, context.stream());
                context.synchronize();
                throw ScoreKeys.badScore(op, first, score.get(ValueLayout.JAVA_FLOAT, 0));
            }
            for (int b = 0; b < bins; b++) counts[b] += result.getAtIndex(ValueLayout.JAVA_LONG, b);
        }
    }

    long maskFromScores(View scores, View mask, float threshold, long tiesToKeep) {
        String op = "maskFromScores";
        ScoreKeys.checkTies(op, tiesToKeep);
        DenseFloat32.require(op, scores, mask);
        long n = mask.numel();
        if (n == 0) return 0;
        long chunks = (n + MASK_CHUNK - 1) / MASK_CHUNK;
        if (chunks > Integer.MAX_VALUE)
            throw new IllegalArgumentException(op + ": " + n + " scores are more than one grid of " + MASK_CHUNK + "-score blocks");
        try (DenseFloat32 d = new DenseFloat32(context, op); CudaTemps t = context.temps(); Arena host = Arena.ofConfined()) {
            long out = d.output(mask);
            // scores are read again after the first pass wrote the mask: any sharing of memory means a copy
            long s = d.input(CudaContext.overlaps(scores, mask) ? t.copyOf(scores) : scores);
            long ties = context.elementPointer(op, t.allocate(DType.INT64, new long[] {chunks + 1}));
            Dim3 grid = Dim3.of((int) chunks), block = Dim3.of(CudaContext.BLOCK);
            context.launch("mask_strict_f32", grid, block, 0,
                    new KernelArgs().pointer(s).pointer(out).i64(n).f32(threshold).i64(MASK_CHUNK).pointer(ties));
            context.launch("mask_tie_scan", Dim3.of(1), block, 0, new KernelArgs().pointer(ties).i64(chunks));
            context.launch("mask_ties_f32", grid, block, 0, new KernelArgs().pointer(s).pointer(out).i64(n).f32(threshold)
                    .i64(MASK_CHUNK).pointer(ties).i64(chunks).i64(tiesToKeep));
            d.finish();
            MemorySegment total = host.allocate(ValueLayout.JAVA_LONG);
            context.runtime().copyDeviceToHost(total, ties + 8 * chunks, 8, context.stream());
            context.synchronize();
            return Math.min(total.get(ValueLayout.JAVA_LONG, 0), tiesToKeep);
        }
    }
}
