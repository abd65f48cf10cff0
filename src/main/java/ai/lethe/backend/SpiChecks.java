// The Backend SPI's argument contracts, one method per kernel, called by CheckedBackend (the checking layer Backends
// puts in front of every backend) before the implementation touches memory:
// each view lies inside its storage (ViewChecks.inBounds) and the views' shapes agree with each other and with
// the op's geometry as the SPI documents them, so that a kernel which walks one view's shape over another's
// strides, or a native kernel that trusts a Conv2dGeometry, never reaches past a storage. A violation is an
// IllegalArgumentException (IllegalStateException for a freed storage) whose message starts with the op's name
// — the same name the cpu backend's other messages use (unary/binary ops by their lower-case enum name,
// reductions as "reduce sum", the rest by their SPI method name). Dtype support stays each backend's own check,
// except where the SPI fixes a dtype (index tensors and argmax/max-pool indices are int64). All O(rank).
package ai.lethe.backend;

import static ai.lethe.backend.ViewChecks.axis;
import static ai.lethe.backend.ViewChecks.elements;
import static ai.lethe.backend.ViewChecks.inBounds;
import static ai.lethe.backend.ViewChecks.inBoundsOrNull;
import static ai.lethe.backend.ViewChecks.rank;
import static ai.lethe.backend.ViewChecks.sameShape;
import static ai.lethe.backend.ViewChecks.shape;

import ai.lethe.core.DType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

public final class SpiChecks {
    private SpiChecks() {}

    /** The name messages use for an elementwise op: its enum name in lower case ("relu", "add"). */
    public static String name(Enum<?> op) { return op.name().toLowerCase(Locale.ROOT); }

    /** The name messages use for a reduction: "reduce sum", "reduce max", ... */
    public static String name(ReduceOp op) { return "reduce " + op.name().toLowerCase(Locale.ROOT); }

    private static <T> T required(String op, String name, T value) {
        if (value == null) throw new IllegalArgumentException(op + ": " + name + " is null");
        return value;
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    /** write(src, dst): dst contiguous and in bounds, src holding dst's bytes. */
    public static void write(MemorySegment src, View dst) {
        String op = "write";
        inBounds(op, "dst", dst);
        ViewChecks.contiguous(op, "dst", dst);
        hostBytes(op, "src", required(op, "src", src), dst);
    }

    /** read(src, dst): src contiguous and in bounds, dst with room for src's bytes. */
    public static void read(View src, MemorySegment dst) {
        String op = "read";
        inBounds(op, "src", src);
        ViewChecks.contiguous(op, "src", src);
        hostBytes(op, "dst", required(op, "dst", dst), src);
    }

    private static void hostBytes(String op, String name, MemorySegment segment, View v) {
        long bytes = ViewChecks.product(op, "bytes of " + Arrays.toString(v.shape()), ViewChecks.elementCount(op, name, v),
                v.dtype().byteSize());
        if (segment.byteSize() < bytes)
            throw new IllegalArgumentException(op + ": " + name + " has " + segment.byteSize() + " bytes, needs " + bytes
                    + " for " + v);
    }

    public static void copy(View src, View dst) {
        inBounds("copy", "src", src);
        inBounds("copy", "dst", dst);
        sameShape("copy", "src", src, "dst", dst);
    }

    public static void fill(View dst) { inBounds("fill", "dst", dst); }

    public static void random(RandomKind kind, View dst) {
        required("random", "kind", kind);
        inBounds("random", "dst", dst);
        ViewChecks.contiguous("random", "dst", dst);
    }

    // ---- elementwise and reductions --------------------------------------------------------------------------

    public static void unary(UnaryOp op, View x, View out) {
        String name = name(required("unary", "op", op));
        inBounds(name, "x", x);
        inBounds(name, "out", out);
        sameShape(name, "x", x, "out", out);
    }

    public static void binary(BinaryOp op, View a, View b, View out) {
        String name = name(required("binary", "op", op));
        inBounds(name, "a", a);
        inBounds(name, "b", b);
        inBounds(name, "out", out);
        sameShape(name, "a", a, "out", out);
        sameShape(name, "b", b, "out", out);
    }

    public static void where(View cond, View a, View b, View out) {
        String op = "where";
        inBounds(op, "cond", cond);
        inBounds(op, "a", a);
        inBounds(op, "b", b);
        inBounds(op, "out", out);
        sameShape(op, "cond", cond, "out", out);
        sameShape(op, "a", a, "out", out);
        sameShape(op, "b", b, "out", out);
    }

    /** out has x's rank; each of its sizes is x's (kept) or 1 (reduced). */
    public static void reduce(ReduceOp op, View x, View out) {
        String name = name(required("reduce", "op", op));
        inBounds(name, "x", x);
        inBounds(name, "out", out);
        rank(name, "out", out, x.rank());
        for (int d = 0; d < x.rank(); d++)
            if (out.dim(d) != x.dim(d) && out.dim(d) != 1)
                throw new IllegalArgumentException(name + ": out of shape " + Arrays.toString(out.shape())
                        + " is neither x's size nor 1 in dimension " + d + " (x has shape " + Arrays.toString(x.shape()) + ")");
    }

    /** out (int64) is x's shape with {@code axis} of size 1. */
    public static void argReduce(ArgReduceOp op, View x, int axis, View out) {
        String name = name(required("argReduce", "op", op));
        inBounds(name, "x", x);
        inBounds(name, "out", out);
        axis(name, axis, x.rank());
        long[] expected = x.shape().clone();
        expected[axis] = 1;
        shape(name, "out", out, expected);
        ViewChecks.dtype(name, "out", out, DType.INT64);
    }

    /** a [..., M, K], b [..., K, N], out [..., M, N], all of one rank >= 2 and of out's batch sizes. */
    public static void matmul(View a, View b, View out) {
        String op = "matmul";
        inBounds(op, "a", a);
        inBounds(op, "b", b);
        inBounds(op, "out", out);
        int r = out.rank();
        if (r < 2) throw new IllegalArgumentException(op + ": out must have at least 2 dimensions, got " + out);
        rank(op, "a", a, r);
        rank(op, "b", b, r);
        long m = out.dim(r - 2), n = out.dim(r - 1), k = a.dim(r - 1);
        long[] ea = out.shape().clone(), eb = out.shape().clone();
        ea[r - 2] = m;
        ea[r - 1] = k;
        eb[r - 2] = k;
        eb[r - 1] = n;
        shape(op, "a", a, ea);
        shape(op, "b", b, eb);
    }

    // ---- indexing ----------------------------------------------------------------------------------------------

    private static void index(String op, View index) {
        inBounds(op, "index", index);
        ViewChecks.dtype(op, "index", index, DType.INT64);
    }

    /** index and out of one shape, of x's rank, no larger than x outside {@code axis}. */
    public static void gather(View x, int axis, View index, View out) {
        String op = "gather";
        inBounds(op, "x", x);
        index(op, index);
        inBounds(op, "out", out);
        axis(op, axis, x.rank());
        rank(op, "index", index, x.rank());
        sameShape(op, "index", index, "out", out);
        within(op, "out", out, "x", x, axis);
    }

    /** index and src of one shape, of out's rank, no larger than out outside {@code axis}. */
    public static void scatterAdd(View src, int axis, View index, View out) {
        String op = "scatterAdd";
        inBounds(op, "src", src);
        index(op, index);
        inBounds(op, "out", out);
        axis(op, axis, out.rank());
        rank(op, "src", src, out.rank());
        sameShape(op, "index", index, "src", src);
        within(op, "src", src, "out", out, axis);
    }

    /** index 1-D; out = x's shape with {@code axis} of the index's length. */
    public static void indexSelect(View x, int axis, View index, View out) {
        String op = "indexSelect";
        inBounds(op, "x", x);
        index(op, index);
        inBounds(op, "out", out);
        axis(op, axis, x.rank());
        rank(op, "index", index, 1);
        long[] expected = x.shape().clone();
        expected[axis] = index.dim(0);
        shape(op, "out", out, expected);
    }

    /** index 1-D; src = out's shape with {@code axis} of the index's length. */
    public static void indexAdd(View src, int axis, View index, View out) {
        String op = "indexAdd";
        inBounds(op, "src", src);
        index(op, index);
        inBounds(op, "out", out);
        axis(op, axis, out.rank());
        rank(op, "index", index, 1);
        long[] expected = out.shape().clone();
        expected[axis] = index.dim(0);
        shape(op, "src", src, expected);
    }

    /** {@code inner}'s sizes are at most {@code outer}'s in every dimension but {@code axis} (same rank). */
    private static void within(String op, String innerName, View inner, String outerName, View outer, int axis) {
        for (int d = 0; d < outer.rank(); d++)
            if (d != axis && inner.dim(d) > outer.dim(d))
                throw new IllegalArgumentException(op + ": " + innerName + " of shape " + Arrays.toString(inner.shape())
                        + " is larger than " + outerName + " of shape " + Arrays.toString(outer.shape())
                        + " in dimension " + d);
    }

    // ---- convolution -------------------------------------------------------------------------------------------

    public static void conv2d(View x, View w, View bias, View out, Conv2dGeometry g) {
        String op = "conv2d";
        required(op, "geometry", g);
        convOperand(op, "x", x, g.inputShape());
        convOperand(op, "w", w, g.weightShape());
        inBoundsOrNull(op, "bias", bias);
        if (bias != null) elements(op, "bias", bias, g.k());
        convOperand(op, "out", out, g.outputShape());
    }

    public static void conv2dBackwardInput(View dy, View w, View dx, Conv2dGeometry g) {
        String op = "conv2dBackwardInput";
        required(op, "geometry", g);
        convOperand(op, "dy", dy, g.outputShape());
        convOperand(op, "w", w, g.weightShape());
        convOperand(op, "dx", dx, g.inputShape());
    }

    public static void conv2dBackwardWeight(View dy, View x, View dw, Conv2dGeometry g) {
        String op = "conv2dBackwardWeight";
        required(op, "geometry", g);
        convOperand(op, "dy", dy, g.outputShape());
        convOperand(op, "x", x, g.inputShape());
        convOperand(op, "dw", dw, g.weightShape());
    }

    public static void perSampleSquaredConvWeight(View dy, View x, View acc, Conv2dGeometry g) {
        String op = "perSampleSquaredConvWeight";
        required(op, "geometry", g);
        convOperand(op, "dy", dy, g.outputShape());
        convOperand(op, "x", x, g.inputShape());
        convOperand(op, "acc", acc, g.weightShape());
    }

    private static void convOperand(String op, String name, View v, long[] expected) {
        inBounds(op, name, v);
        shape(op, name, v, expected);
    }

    // ---- normalization and softmax -----------------------------------------------------------------------------

    /** A per-channel (or per-row) vector: in bounds with {@code count} elements; null allowed when optional. */
    private static void vector(String op, String name, View v, long count, boolean optional) {
        if (v == null && optional) return;
        inBounds(op, name, v);
        elements(op, name, v, count);
    }

    /** An operand of x's shape; null allowed when optional. */
    private static void like(String op, String name, View v, View x, boolean optional) {
        if (v == null && optional) return;
        inBounds(op, name, v);
        sameShape(op, name, v, "x", x);
    }

    public static void batchNormTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                                      View saveMean, View saveInvStd) {
        String op = "batchNormTrain";
        long c = batchNormInput(op, x);
        vector(op, "weight", weight, c, true);
        vector(op, "bias", bias, c, true);
        vector(op, "runningMean", runningMean, c, true);
        vector(op, "runningVar", runningVar, c, true);
        like(op, "out", out, x, false);
        vector(op, "saveMean", saveMean, c, true);
        vector(op, "saveInvStd", saveInvStd, c, true);
    }

    public static void batchNormEval(View x, View weight, View bias, View runningMean, View runningVar, View out) {
        String op = "batchNormEval";
        long c = batchNormInput(op, x);
        vector(op, "weight", weight, c, true);
        vector(op, "bias", bias, c, true);
        vector(op, "runningMean", runningMean, c, false);
        vector(op, "runningVar", runningVar, c, false);
        like(op, "out", out, x, false);
    }

    public static void batchNormBackward(View dy, View x, View weight, View mean, View invStd, View dx, View dweight,
                                         View dbias) {
        String op = "batchNormBackward";
        long c = batchNormInput(op, x);
        like(op, "dy", dy, x, false);
        vector(op, "weight", weight, c, true);
        vector(op, "mean", mean, c, false);
        vector(op, "invStd", invStd, c, false);
        like(op, "dx", dx, x, true);
        vector(op, "dweight", dweight, c, true);
        vector(op, "dbias", dbias, c, true);
    }

    /** x [N, C, S]; returns C. */
    private static long batchNormInput(String op, View x) {
        inBounds(op, "x", x);
        rank(op, "x", x, 3);
        return x.dim(1);
    }

    public static void layerNorm(View x, View weight, View bias, View out, View saveMean, View saveInvStd) {
        String op = "layerNorm";
        inBounds(op, "x", x);
        rank(op, "x", x, 2);
        long m = x.dim(0), d = x.dim(1);
        vector(op, "weight", weight, d, true);
        vector(op, "bias", bias, d, true);
        like(op, "out", out, x, false);
        vector(op, "saveMean", saveMean, m, true);
        vector(op, "saveInvStd", saveInvStd, m, true);
    }

    public static void layerNormBackward(View dy, View x, View weight, View saveMean, View saveInvStd, View dx,
                                         View dweight, View dbias) {
        String op = "layerNormBackward";
        inBounds(op, "x", x);
        rank(op, "x", x, 2);
        long m = x.dim(0), d = x.dim(1);
        like(op, "dy", dy, x, false);
        vector(op, "weight", weight, d, true);
        vector(op, "saveMean", saveMean, m, false);
        vector(op, "saveInvStd", saveInvStd, m, false);
        like(op, "dx", dx, x, true);
        vector(op, "dweight", dweight, d, true);
        vector(op, "dbias", dbias, d, true);
    }

    /** x [outer, D, inner] and out of its shape. */
    public static void softmax(View x, View out) {
        String op = "softmax";
        inBounds(op, "x", x);
        rank(op, "x", x, 3);
        like(op, "out", out, x, false);
    }

    public static void softmaxBackward(View y, View dy, View dx) {
        String op = "softmaxBackward";
        inBounds(op, "y", y);
        rank(op, "y", y, 3);
        inBounds(op, "dy", dy);
        sameShape(op, "dy", dy, "y", y);
        inBounds(op, "dx", dx);
        sameShape(op, "dx", dx, "y", y);
    }

    // ---- pooling -----------------------------------------------------------------------------------------------

    public static void maxPool2d(View x, View out, View indices, Pool2dGeometry g) {
        String op = "maxPool2d";
        required(op, "geometry", g);
        convOperand(op, "x", x, g.inputShape());
        convOperand(op, "out", out, g.outputShape());
        convOperand(op, "indices", indices, g.outputShape());
        ViewChecks.dtype(op, "indices", indices, DType.INT64);
    }

    public static void maxPool2dBackward(View dy, View indices, View dx, Pool2dGeometry g) {
        String op = "maxPool2dBackward";
        required(op, "geometry", g);
        convOperand(op, "dy", dy, g.outputShape());
        convOperand(op, "indices", indices, g.outputShape());
        ViewChecks.dtype(op, "indices", indices, DType.INT64);
        convOperand(op, "dx", dx, g.inputShape());
    }

    public static void avgPool2d(View x, View out, Pool2dGeometry g) {
        String op = "avgPool2d";
        required(op, "geometry", g);
        convOperand(op, "x", x, g.inputShape());
        convOperand(op, "out", out, g.outputShape());
    }

    public static void avgPool2dBackward(View dy, View dx, Pool2dGeometry g) {
        String op = "avgPool2dBackward";
        required(op, "geometry", g);
        convOperand(op, "dy", dy, g.outputShape());
        convOperand(op, "dx", dx, g.inputShape());
    }

    /** input [N, C, H, W] and output [N, C, OH, OW] (named by the caller: x/out or dx/dy). */
    public static void adaptiveAvgPool2d(View x, View out) { adaptive("adaptiveAvgPool2d", "x", x, "out", out); }

    public static void adaptiveAvgPool2dBackward(View dy, View dx) { adaptive("adaptiveAvgPool2dBackward", "dx", dx, "dy", dy); }

    private static void adaptive(String op, String inName, View in, String outName, View out) {
        inBounds(op, inName, in);
        inBounds(op, outName, out);
        rank(op, inName, in, 4);
        rank(op, outName, out, 4);
        if (out.dim(0) != in.dim(0) || out.dim(1) != in.dim(1))
            throw new IllegalArgumentException(op + ": " + outName + " of shape " + Arrays.toString(out.shape())
                    + " and " + inName + " of shape " + Arrays.toString(in.shape()) + " differ in N or C");
    }

    // ---- optimizers --------------------------------------------------------------------------------------------

    public static void sgdStep(View param, View grad, View momentumBuffer, View mask, SgdParams p) {
        String op = "sgdStep";
        required(op, "params", p);
        inBounds(op, "param", param);
        sameAs(op, "grad", grad, "param", param, false);
        if (p.momentum() != 0 && momentumBuffer == null)
            throw new IllegalArgumentException(op + ": momentum " + p.momentum() + " needs a momentum buffer");
        sameAs(op, "momentumBuffer", momentumBuffer, "param", param, true);
        sameAs(op, "mask", mask, "param", param, true);
    }

    public static void adamStep(View param, View grad, View expAvg, View expAvgSq, View mask, AdamParams p) {
        String op = "adamStep";
        required(op, "params", p);
        inBounds(op, "param", param);
        sameAs(op, "grad", grad, "param", param, false);
        sameAs(op, "expAvg", expAvg, "param", param, false);
        sameAs(op, "expAvgSq", expAvgSq, "param", param, false);
        sameAs(op, "mask", mask, "param", param, true);
    }

    private static void sameAs(String op, String name, View v, String refName, View ref, boolean optional) {
        if (v == null && optional) return;
        inBounds(op, name, v);
        sameShape(op, name, v, refName, ref);
    }

    // ---- unlearning and pruning --------------------------------------------------------------------------------

    public static void addSquared(View x, View acc) {
        String op = "addSquared";
        inBounds(op, "x", x);
        sameAs(op, "acc", acc, "x", x, false);
    }

    /** a [B, M, T], b [B, T, N], acc [M, N]. */
    public static void perSampleSquaredGemm(View a, View b, View acc) {
        String op = "perSampleSquaredGemm";
        inBounds(op, "a", a);
        inBounds(op, "b", b);
        inBounds(op, "acc", acc);
        rank(op, "a", a, 3);
        rank(op, "b", b, 3);
        if (b.dim(0) != a.dim(0) || b.dim(1) != a.dim(2))
            throw new IllegalArgumentException(op + ": b of shape " + Arrays.toString(b.shape()) + " does not follow a of shape "
                    + Arrays.toString(a.shape()) + " (a [B, M, T] needs b [B, T, N])");
        shape(op, "acc", acc, a.dim(1), b.dim(2));
    }

    public static void ssdDampen(View theta, View importanceD, View importanceF) {
        String op = "ssdDampen";
        inBounds(op, "theta", theta);
        sameAs(op, "importanceD", importanceD, "theta", theta, false);
        sameAs(op, "importanceF", importanceF, "theta", theta, false);
    }

    public static void addGaussianNoise(View theta, View std) {
        String op = "addGaussianNoise";
        inBounds(op, "theta", theta);
        sameAs(op, "std", std, "theta", theta, false);
    }

    public static void scoreHistogram(View scores, long[] counts) {
        inBounds("scoreHistogram", "scores", scores);
        required("scoreHistogram", "counts", counts);
    }

    public static void maskFromScores(View scores, View mask) {
        String op = "maskFromScores";
        inBounds(op, "scores", scores);
        sameAs(op, "mask", mask, "scores", scores, false);
    }

    /** scoreHistograms: a list of views, each non-null and in bounds, and the counts. */
    public static void scoreHistograms(List<View> scores, long[] counts) {
        String op = "scoreHistograms";
        required(op, "scores", scores);
        for (int i = 0; i < scores.size(); i++) inBounds(op, "scores[" + i + "]", scores.get(i));
        required(op, "counts", counts);
    }

    /**
     * masksFromScores: as many masks as scores, each mask contiguous, in bounds and of its scores' shape, and no two
     * masks sharing memory (O(n²) in the number of views, a few thousand comparisons for a ResNet).
     */
    public static void masksFromScores(List<View> scores, List<View> masks) {
        String op = "masksFromScores";
        required(op, "scores", scores);
        required(op, "masks", masks);
        if (scores.size() != masks.size())
            throw new IllegalArgumentException(op + ": " + scores.size() + " score views but " + masks.size() + " masks");
        for (int i = 0; i < scores.size(); i++) {
            inBounds(op, "scores[" + i + "]", scores.get(i));
            sameAs(op, "masks[" + i + "]", masks.get(i), "scores[" + i + "]", scores.get(i), false);
            ViewChecks.contiguous(op, "masks[" + i + "]", masks.get(i));
        }
        for (int i = 0; i < masks.size(); i++)
            for (int j = 0; j < i; j++)
                if (sharesBytes(masks.get(i), masks.get(j)))
                    throw new IllegalArgumentException(op + ": masks[" + i + "] and masks[" + j + "] share memory; each"
                            + " mask must have its own");
    }

    /** Whether two contiguous, in-bounds views on the same storage have a byte in common (empty views have none). */
    private static boolean sharesBytes(View a, View b) {
        if (a.storage() != b.storage() || a.numel() == 0 || b.numel() == 0) return false;
        long a0 = a.byteOffset(), a1 = a0 + a.numel() * a.dtype().byteSize();
        long b0 = b.byteOffset(), b1 = b0 + b.numel() * b.dtype().byteSize();
        return a0 < b1 && b0 < a1;
    }
}
