// The cpu backend's data movement and elementwise/reduction kernels on the Java side: dtype checks, the
// strided walk of the operands (coalesced, split when too deep), copies that keep inputs apart from the
// output they overlap, and the reshaping of a reduction into the native [outer, reduced, inner] form.
package ai.lethe.backend.cpu;

import static ai.lethe.backend.cpu.CpuViews.address;
import static ai.lethe.backend.cpu.CpuViews.dtypeCode;
import static ai.lethe.backend.cpu.CpuViews.requireDType;
import static ai.lethe.backend.cpu.CpuViews.requireFloat32;

import ai.lethe.backend.ArgReduceOp;
import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.HostMemory;
import ai.lethe.backend.RandomKind;
import ai.lethe.backend.ReduceOp;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.util.Locale;

final class CpuMath {
    private final NativeCpu lib;
    private final HostMemory memory;

    CpuMath(NativeCpu lib, HostMemory memory) {
        this.lib = lib;
        this.memory = memory;
    }

    TempViews temps() { return new TempViews(memory, this); }

    // ---- copy / fill / random ------------------------------------------------------------------------------

    void copy(View src, View dst) {
        if (dst.numel() == 0 || CpuViews.sameLayout(src, dst)) return;
        try (TempViews temps = temps()) {
            View s = temps.separate(src, dst);
            StridedWalk.of(dst.shape(), s.strides(), dst.strides()).forEachBlock(NativeCpu.MAX_RANK, (w, off) ->
                    lib.copy(w.layout(), address("copy", s, off[0]), dtypeCode(s.dtype()), address("copy", dst, off[1]),
                            dtypeCode(dst.dtype())));
        }
    }

    void fill(View dst, double value) {
        if (dst.numel() == 0) return;
        StridedWalk.of(dst.shape(), dst.strides()).forEachBlock(NativeCpu.MAX_RANK, (w, off) ->
                lib.fill(w.layout(), address("fill", dst, off[0]), dtypeCode(dst.dtype()), value));
    }

    void random(RandomKind kind, View dst, long seed, long counter, double a, double b) {
        requireFloat32("random", dst);
        CpuViews.requireContiguous("random", dst);
        if (dst.numel() == 0) return;
        lib.random(kind.ordinal(), address("random", dst), dst.numel(), seed, counter, a, b);
    }

    // ---- elementwise ---------------------------------------------------------------------------------------

    void unary(UnaryOp op, View x, View out, double p0, double p1) {
        String name = op.name().toLowerCase(Locale.ROOT);
        requireFloat32(name, x, out);
        if (out.numel() == 0) return;
        try (TempViews temps = temps()) {
            View in = temps.separate(x, out);
            StridedWalk.of(out.shape(), in.strides(), out.strides()).forEachBlock(NativeCpu.MAX_RANK, (w, off) ->
                    lib.unary(name, op.ordinal(), w.layout(), address(name, in, off[0]), address(name, out, off[1]), p0, p1));
        }
    }

    void binary(BinaryOp op, View a, View b, View out, double p0, double p1) {
        String name = op.name().toLowerCase(Locale.ROOT);
        boolean integer = a.dtype() == DType.INT64;
        if (integer) {
            if (op != BinaryOp.ADD && op != BinaryOp.SUB && op != BinaryOp.MUL && !op.isComparison())
                throw new IllegalArgumentException(name + ": not supported for int64");
            requireDType(name, b, DType.INT64);
            requireDType(name, out, op.isComparison() ? DType.FLOAT32 : DType.INT64);
        } else {
            requireFloat32(name, a, b, out);
        }
        if (out.numel() == 0) return;
        try (TempViews temps = temps()) {
            View ia = temps.separate(a, out), ib = temps.separate(b, out);
            StridedWalk walk = StridedWalk.of(out.shape(), ia.strides(), ib.strides(), out.strides());
            // int64 ADD/SUB scale by p0 as Java's (long) cast of it
            long scale = (long) p0;
            walk.forEachBlock(NativeCpu.MAX_RANK, (w, off) -> {
                if (integer)
                    lib.binaryI64(name, op.ordinal(), w.layout(), address(name, ia, off[0]), address(name, ib, off[1]),
                            address(name, out, off[2]), scale);
                else
                    lib.binaryF32(name, op.ordinal(), w.layout(), address(name, ia, off[0]), address(name, ib, off[1]),
                            address(name, out, off[2]), p0, p1);
            });
        }
    }

    void where(View cond, View a, View b, View out) {
        requireFloat32("where", cond);
        CpuViews.requireFloat32OrInt64("where", a);
        requireDType("where", b, a.dtype());
        requireDType("where", out, a.dtype());
        if (out.numel() == 0) return;
        try (TempViews temps = temps()) {
            View ic = temps.separate(cond, out), ia = temps.separate(a, out), ib = temps.separate(b, out);
            StridedWalk.of(out.shape(), ic.strides(), ia.strides(), ib.strides(), out.strides())
                    .forEachBlock(NativeCpu.MAX_RANK, (w, off) -> lib.where(w.layout(), address("where", ic, off[0]),
                            address("where", ia, off[1]), address("where", ib, off[2]), address("where", out, off[3]),
                            a.dtype().byteSize()));
        }
    }

    // ---- reductions ----------------------------------------------------------------------------------------

    void reduce(ReduceOp op, View x, View out, double correction) {
        String name = "reduce " + op.name().toLowerCase(Locale.ROOT);
        requireFloat32(name, x, out);
        if (out.numel() == 0) return;
        int r = x.rank();
        boolean[] reduced = new boolean[r];
        for (int d = 0; d < r; d++) reduced[d] = out.dim(d) == 1 && x.dim(d) != 1;
        try (TempViews temps = temps()) {
            View src = x;
            long[] split = x.isContiguous() ? contiguousSplit(x.shape(), reduced) : null;
            if (split == null) {
                src = reducedLast(x, reduced, temps);
                split = new long[] {out.numel(), x.numel() / out.numel(), 1};
            }
            View dst = out.isContiguous() ? out : temps.allocate(DType.FLOAT32, out.shape());
            lib.reduce(name, op.ordinal(), split[0], split[1], split[2], address(name, src), address(name, dst), correction);
            if (dst != out) copy(dst, out);
        }
    }

    /** (outer, reduced, inner) sizes when the reduced dimensions form one block of x, else null. */
    private static long[] contiguousSplit(long[] shape, boolean[] reduced) {
        long outer = 1, red = 1, inner = 1;
        int phase = 0;   // 0: before the block, 1: in it, 2: after it
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            if (reduced[d]) {
                if (phase == 2) return null;
                phase = 1;
                red *= shape[d];
            } else if (phase == 0) {
                outer *= shape[d];
            } else {
                phase = 2;
                inner *= shape[d];
            }
        }
        return new long[] {outer, red, inner};
    }

    /** A contiguous copy of x with its kept dimensions first and its reduced dimensions last. */
    private View reducedLast(View x, boolean[] reduced, TempViews temps) {
        int r = x.rank(), i = 0;
        long[] shape = new long[r], strides = new long[r];
        for (int pass = 0; pass < 2; pass++)
            for (int d = 0; d < r; d++)
                if (reduced[d] == (pass == 1)) {
                    shape[i] = x.dim(d);
                    strides[i++] = x.stride(d);
                }
        return temps.copyOf(new View(x.storage(), x.dtype(), x.offset(), shape, strides));
    }

    void argReduce(ArgReduceOp op, View x, int axis, View out) {
        String name = op.name().toLowerCase(Locale.ROOT);
        requireFloat32(name, x);
        requireDType(name, out, DType.INT64);
        if (out.numel() == 0) return;
        if (x.dim(axis) == 0)
            throw new IllegalArgumentException(name + ": cannot reduce over dimension " + axis + " of size 0");
        long outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= x.dim(d);
        for (int d = axis + 1; d < x.rank(); d++) inner *= x.dim(d);
        try (TempViews temps = temps()) {
            View src = x.isContiguous() ? x : temps.copyOf(x);
            View dst = out.isContiguous() ? out : temps.allocate(DType.INT64, out.shape());
            lib.argReduce(name, op.ordinal(), outer, x.dim(axis), inner, address(name, src), address(name, dst));
            if (dst != out) copy(dst, out);
        }
    }
}
