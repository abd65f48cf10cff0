// Operands walked together over one shape (an elementwise op's inputs and output), reduced to the fewest
// dimensions: size-1 dimensions are dropped and adjacent dimensions merged wherever every operand is
// contiguous across them (stride[d] == stride[d + 1] * size[d + 1]). Dense operands end up as one dimension
// of stride 1, the native fast path; broadcast operands keep stride 0. Walks with more than
// NativeCpu.MAX_RANK dimensions left are split into blocks over their leading dimensions.
package ai.lethe.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * @param shape   sizes of the merged dimensions (at least one; all positive unless the walk is empty)
 * @param strides strides[k] = operand k's strides over {@code shape}, in elements
 */
record StridedWalk(long[] shape, long[][] strides) {

    /** The walk of operands with the given strides over {@code shape}, merged as far as possible. */
    static StridedWalk of(long[] shape, long[]... operandStrides) {
        int ops = operandStrides.length;
        long[] outShape = new long[shape.length];
        long[][] outStrides = new long[ops][shape.length];
        int rank = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) return empty(ops);
            if (shape[d] == 1) continue;
            if (rank > 0 && mergeable(outShape[rank - 1], outStrides, rank - 1, operandStrides, d)) {
                outShape[rank - 1] *= shape[d];
                continue;
            }
            outShape[rank] = shape[d];
            for (int k = 0; k < ops; k++) outStrides[k][rank] = operandStrides[k][d];
            rank++;
        }
        if (rank == 0) {   // a single element
            long[][] ones = new long[ops][];
            for (int k = 0; k < ops; k++) ones[k] = new long[] {1};
            return new StridedWalk(new long[] {1}, ones);
        }
        // dimensions were collected innermost first
        long[] s = reverse(outShape, rank);
        long[][] st = new long[ops][];
        for (int k = 0; k < ops; k++) st[k] = reverse(outStrides[k], rank);
        return new StridedWalk(s, st);
    }

    private static boolean mergeable(long innerSize, long[][] innerStrides, int inner, long[][] strides, int d) {
        for (int k = 0; k < strides.length; k++)
            if (strides[k][d] != innerStrides[k][inner] * innerSize) return false;
        return true;
    }

    private static long[] reverse(long[] a, int n) {
        long[] r = new long[n];
        for (int i = 0; i < n; i++) r[i] = a[n - 1 - i];
        return r;
    }

    private static StridedWalk empty(int ops) {
        long[][] st = new long[ops][];
        for (int k = 0; k < ops; k++) st[k] = new long[] {0};
        return new StridedWalk(new long[] {0}, st);
    }

    int rank() { return shape.length; }

    long numel() {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }

    /** The walk written to this thread's first native scratch layout (see {@link #writeTo}). */
    MemorySegment layout() { return writeTo(NativeCpu.scratch(NativeCpu.LAYOUT_A)); }

    /** Writes { rank, shape, strides of operand 0, operand 1, ... } as int64 at the start of {@code seg}. */
    MemorySegment writeTo(MemorySegment seg) {
        int r = shape.length;
        seg.setAtIndex(ValueLayout.JAVA_LONG, 0, r);
        MemorySegment.copy(shape, 0, seg, ValueLayout.JAVA_LONG, Long.BYTES, r);
        for (int k = 0; k < strides.length; k++)
            MemorySegment.copy(strides[k], 0, seg, ValueLayout.JAVA_LONG, (long) Long.BYTES * (1 + r * (k + 1)), r);
        return seg;
    }

    /** A block of a walk: the trailing dimensions, and each operand's element offset to the block's start. */
    interface BlockAction {
        void run(StridedWalk block, long[] elementOffsets);
    }

    /**
     * Runs {@code action} on blocks of at most {@code maxRank} dimensions covering the walk: the walk itself when
     * it is small enough, else one block per index of the leading {@code rank - maxRank} dimensions.
     */
    void forEachBlock(int maxRank, BlockAction action) {
        int r = shape.length, ops = strides.length;
        if (r <= maxRank) {
            action.run(this, new long[ops]);
            return;
        }
        int lead = r - maxRank;
        long[][] blockStrides = new long[ops][];
        for (int k = 0; k < ops; k++) blockStrides[k] = Arrays.copyOfRange(strides[k], lead, r);
        StridedWalk block = new StridedWalk(Arrays.copyOfRange(shape, lead, r), blockStrides);
        long[] index = new long[lead], offsets = new long[ops];
        while (true) {
            action.run(block, offsets.clone());
            int d = lead - 1;
            for (; d >= 0; d--) {
                index[d]++;
                for (int k = 0; k < ops; k++) offsets[k] += strides[k][d];
                if (index[d] < shape[d]) break;
                for (int k = 0; k < ops; k++) offsets[k] -= strides[k][d] * shape[d];
                index[d] = 0;
            }
            if (d < 0) return;
        }
    }
}
