// The CUDA backend's multi-tensor top-k kernels (cuda-kernels/topk.cu): Backend.scoreHistograms and
// Backend.masksFromScores over any number of score tensors with a constant number of host round trips — one per
// call — instead of one per tensor. The tensors are described to the kernels by a small table (pointers, sizes,
// offsets in the virtual array they form laid end to end, first chunks) uploaded with an asynchronous staged copy;
// each pass is one launch over all of them. The histogram and its bad-score record are read back together (one
// synchronisation); the masks' tie budget is spread over the tensors on the device (per-chunk tie counts, one
// exclusive scan over every chunk of every tensor), so only the kept-tie total is read back, once.
// float32 only, as on the cpu backend. Strided scores, and scores sharing memory with any mask, are staged through
// contiguous copies queued before the first mask is written. Called by CudaBackend after SpiChecks.
package ai.lethe.backend.cuda;

import ai.lethe.backend.ScoreKeys;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

final class CudaTopK {
    /** Scores per chunk (a multiple of the kernels' 256 threads); a chunk never straddles two tensors. */
    static final int CHUNK = 4096;
    /** Most blocks of a histogram launch (each block adds its shared histogram to the global counts once). */
    static final int HISTOGRAM_MAX_GRID = 512;
    /** The largest histogram counted in shared memory (2^13 bins: 32 KiB of counters a block). */
    static final int SHARED_HISTOGRAM_BITS = 13;
    /** int64 columns of a table row (topk.cu's LETHE_TOPK_COLUMNS). */
    static final int COLUMNS = 5;

    private final CudaContext context;

    CudaTopK(CudaContext context) { this.context = context; }

    /** The non-empty tensors of a call, their table on the device, and where each one starts. */
    private record Table(long pointer, int tensors, long chunks, int[] listIndex, long[] firstElement) {}

    /**
     * Uploads the table of the non-empty views (scores[i] pointer, masks[i] pointer or 0, n, first element, first
     * chunk) into a temporary of {@code temps}; asynchronous.
     */
    private Table table(String op, CudaTemps temps, long[] scorePointers, long[] maskPointers, List<View> scores) {
        int n = scores.size(), rows = 0;
        for (View v : scores) if (v.numel() > 0) rows++;
        int[] listIndex = new int[rows];
        long[] firstElement = new long[rows];
        long[] words = new long[rows * COLUMNS];
        long element = 0, chunk = 0;
        int r = 0;
        for (int i = 0; i < n; i++) {
            long count = scores.get(i).numel();
            if (count == 0) continue;
            listIndex[r] = i;
            firstElement[r] = element;
            words[r * COLUMNS] = scorePointers[i];
            words[r * COLUMNS + 1] = maskPointers == null ? 0 : maskPointers[i];
            words[r * COLUMNS + 2] = count;
            words[r * COLUMNS + 3] = element;
            words[r * COLUMNS + 4] = chunk;
            element += count;
            chunk += (count + CHUNK - 1) / CHUNK;
            r++;
        }
        if (chunk > Integer.MAX_VALUE)
            throw new IllegalArgumentException(op + ": " + element + " scores are more than one grid of " + CHUNK + "-score chunks");
        long pointer = 0;
        if (rows > 0) {
            pointer = context.elementPointer(op, temps.allocate(DType.INT64, new long[] {(long) rows * COLUMNS}));
            context.staging().write(MemorySegment.ofArray(words), pointer, 8L * words.length);
        }
        return new Table(pointer, rows, chunk, listIndex, firstElement);
    }

    void scoreHistograms(List<View> scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        String op = "scoreHistograms";
        ScoreKeys.checkHistogram(op, shift, bits, matchShift, counts);
        for (View v : scores) DenseFloat32.require(op, v);
        int bins = 1 << bits;
        boolean shared = bits <= SHARED_HISTOGRAM_BITS;
        try (CudaTemps t = context.temps()) {
            long[] pointers = new long[scores.size()];
            for (int i = 0; i < pointers.length; i++)
                if (scores.get(i).numel() > 0) pointers[i] = context.elementPointer(op, t.contiguous(scores.get(i)));
            Table table = table(op, t, pointers, null, scores);
            if (table.tensors() == 0) return;
            // counts [bins] then the first bad position [1], read back in one copy
            long result = context.elementPointer(op, t.allocate(DType.INT64, new long[] {bins + 1L}));
            DeviceRuntime rt = context.runtime();
            rt.memset8(result, 0, 8L * bins, context.stream());
            rt.memset8(result + 8L * bins, 0xFF, 8, context.stream());
            Dim3 grid = Dim3.of((int) Math.min(HISTOGRAM_MAX_GRID, table.chunks()));
            context.launch("topk_histogram_f32", grid, Dim3.of(CudaContext.BLOCK), shared ? 4 * bins : 0, new KernelArgs()
                    .pointer(table.pointer()).i32(table.tensors()).i64(table.chunks()).i64(CHUNK)
                    .i32(shift).i32(bits).i32(matchShift).i32(matchValue).i32(shared ? 1 : 0)
                    .pointer(result).pointer(result + 8L * bins));
            long[] host = new long[bins + 1];
            context.staging().use(8L * (bins + 1), s -> {
                rt.copyDeviceToHost(s, result, 8L * (bins + 1), context.stream());
                context.synchronize();
                MemorySegment.copy(s, ValueLayout.JAVA_LONG, 0, host, 0, bins + 1);
            });
            if (host[bins] != -1) throw badScore(op, table, host[bins], pointers);
            for (int b = 0; b < bins; b++) counts[b] += host[b];
        }
    }

    /** The exception for the bad score at {@code position} of the virtual array (reads the score: error path only). */
    private IllegalArgumentException badScore(String op, Table table, long position, long[] pointers) {
        int r = table.tensors() - 1;
        while (table.firstElement()[r] > position) r--;
        int view = table.listIndex()[r];
        long index = position - table.firstElement()[r];
        try (Arena host = Arena.ofConfined()) {
            MemorySegment score = host.allocate(ValueLayout.JAVA_FLOAT);
            context.runtime().copyDeviceToHost(score, pointers[view] + 4 * index, 4, context.stream());
            context.synchronize();
            return ScoreKeys.badScore(op + ": scores[" + view + "]", index, score.get(ValueLayout.JAVA_FLOAT, 0));
        }
    }

    long masksFromScores(List<View> scores, List<View> masks, float threshold, long tiesToKeep) {
        String op = "masksFromScores";
        ScoreKeys.checkTies(op, tiesToKeep);
        int n = scores.size();
        for (int i = 0; i < n; i++) DenseFloat32.require(op, scores.get(i), masks.get(i));
        try (CudaTemps t = context.temps()) {
            long[] scorePointers = new long[n], maskPointers = new long[n];
            for (int i = 0; i < n; i++) {
                View s = scores.get(i), m = masks.get(i);
                if (m.numel() == 0) continue;
                maskPointers[i] = context.elementPointer(op, m);
                boolean shared = false;   // the scores are read again after the first pass wrote the masks
                for (View other : masks) shared |= CudaContext.overlaps(s, other);
                scorePointers[i] = context.elementPointer(op, shared ? t.copyOf(s) : t.contiguous(s));
            }
            Table table = table(op, t, scorePointers, maskPointers, scores);
            if (table.tensors() == 0) return 0;
            long chunks = table.chunks();
            long ties = context.elementPointer(op, t.allocate(DType.INT64, new long[] {chunks + 1}));
            Dim3 grid = Dim3.of((int) chunks), block = Dim3.of(CudaContext.BLOCK);
            context.launch("topk_mask_strict_f32", grid, block, 0, new KernelArgs().pointer(table.pointer())
                    .i32(table.tensors()).f32(threshold).i64(CHUNK).pointer(ties));
            context.launch("mask_tie_scan", Dim3.of(1), block, 0, new KernelArgs().pointer(ties).i64(chunks));
            context.launch("topk_mask_ties_f32", grid, block, 0, new KernelArgs().pointer(table.pointer())
                    .i32(table.tensors()).f32(threshold).i64(CHUNK).pointer(ties).i64(chunks).i64(tiesToKeep));
            long[] total = new long[1];
            context.staging().use(8, s -> {
                context.runtime().copyDeviceToHost(s, ties + 8 * chunks, 8, context.stream());
                context.synchronize();
                total[0] = s.get(ValueLayout.JAVA_LONG, 0);
            });
            return Math.min(total[0], tiesToKeep);
        }
    }
}
