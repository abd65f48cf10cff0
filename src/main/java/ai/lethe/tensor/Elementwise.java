// Elementwise ops with broadcasting and their gradient rules: unary functions (with scalar parameters),
// binary arithmetic, where, and comparisons (not differentiable). Gradients of broadcast inputs are summed
// back to the input's shape.
package ai.lethe.tensor;

import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.UnaryOp;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;

public final class Elementwise {
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);

    private Elementwise() {}

    public static Tensor unary(UnaryOp op, Tensor x, double p0, double p1) {
        String name = op.name().toLowerCase();
        Ops.check(name, x);
        Ops.requireFloat(name, x);
        Tensor out = Tensor.empty(x.shape(), x.dtype(), x.device());
        x.backend().unary(op, x.kernelView(), out.kernelView(), p0, p1);
        if (!Node.wouldRecord(x)) return out;
        return switch (op) {
            case NEG -> Node.record(out, name, in(x), saved(), (g, n) -> one(g.neg()));
            case ABS -> Node.record(out, name, in(x), saved(x), (g, n) -> one(g.mul(x.sign())));
            case SIGN -> Node.record(out, name, in(x), saved(), (g, n) -> one(Tensor.zerosLike(g)));
            case EXP -> Node.record(out, name, in(x), saved(out), (g, n) -> one(g.mul(out)));
            case LOG -> Node.record(out, name, in(x), saved(x), (g, n) -> one(g.div(x)));
            case SQRT -> Node.record(out, name, in(x), saved(out), (g, n) -> one(g.div(out).mul(0.5)));
            case RSQRT -> Node.record(out, name, in(x), saved(out), (g, n) -> one(g.mul(out.pow(3)).mul(-0.5)));
            case SQUARE -> Node.record(out, name, in(x), saved(x), (g, n) -> one(g.mul(x).mul(2)));
            case RECIPROCAL -> Node.record(out, name, in(x), saved(out), (g, n) -> one(g.mul(out.square()).neg()));
            case SIN -> Node.record(out, name, in(x), saved(x), (g, n) -> one(g.mul(x.cos())));
            case COS -> Node.record(out, name, in(x), saved(x), (g, n) -> one(g.mul(x.sin()).neg()));
            case TANH -> Node.record(out, name, in(x), saved(out), (g, n) -> one(backward(BinaryOp.TANH_BACKWARD, g, out, 0, 0)));
            case SIGMOID -> Node.record(out, name, in(x), saved(out), (g, n) -> one(backward(BinaryOp.SIGMOID_BACKWARD, g, out, 0, 0)));
            case RELU -> Node.record(out, name, in(x), saved(x), (g, n) -> one(backward(BinaryOp.RELU_BACKWARD, g, x, 0, 0)));
            case GELU_ERF -> Node.record(out, name, in(x), saved(x), (g, n) -> one(backward(BinaryOp.GELU_ERF_BACKWARD, g, x, 0, 0)));
            case GELU_TANH -> Node.record(out, name, in(x), saved(x), (g, n) -> one(backward(BinaryOp.GELU_TANH_BACKWARD, g, x, 0, 0)));
            case ERF -> Node.record(out, name, in(x), saved(x),
                    (g, n) -> one(g.mul(x.square().neg().exp()).mul(TWO_OVER_SQRT_PI)));
            case ERFINV -> Node.record(out, name, in(x), saved(out),
                    (g, n) -> one(g.mul(out.square().exp()).mul(1.0 / TWO_OVER_SQRT_PI)));
            case AFFINE -> Node.record(out, name, in(x), saved(), (g, n) -> one(g.mul(p0)));
            case POW -> Node.record(out, name, in(x), saved(x), (g, n) -> one(g.mul(x.pow(p0 - 1)).mul(p0)));
            case CLAMP -> Node.record(out, name, in(x), saved(x), (g, n) -> one(backward(BinaryOp.CLAMP_BACKWARD, g, x, p0, p1)));
        };
    }

    public static Tensor binary(BinaryOp op, Tensor a, Tensor b, double p0, double p1) {
        String name = op.name().toLowerCase();
        Ops.check(name, a, b);
        Ops.sameDType(name, a, b);
        if (op.isComparison()) return compare(op, a, b);
        boolean intOk = op == BinaryOp.ADD || op == BinaryOp.SUB || op == BinaryOp.MUL;
        if (!a.dtype().isFloatingPoint() && !intOk)
            throw new IllegalArgumentException(name + ": not supported for " + a.dtype() + " tensors (shapes " + a.shape()
                    + " and " + b.shape() + ")");
        Shape shape = Shape.broadcast(a.shape(), b.shape(), name);
        Tensor out = Tensor.empty(shape, a.dtype(), a.device());
        try (Tensor ea = Views.broadcastView(a, shape); Tensor eb = Views.broadcastView(b, shape)) {
            a.backend().binary(op, ea.kernelView(), eb.kernelView(), out.kernelView(), p0, p1);
        }
        if (!Node.wouldRecord(a, b)) return out;
        Shape sa = a.shape(), sb = b.shape();
        Tensor[] ins = {a, b};
        return switch (op) {
            case ADD -> Node.record(out, name, ins, saved(), (g, n) -> new Tensor[] {
                    n[0] ? Ops.sumToShape(g, sa) : null, n[1] ? Ops.sumToShape(p0 == 1 ? g : g.mul(p0), sb) : null});
            case SUB -> Node.record(out, name, ins, saved(), (g, n) -> new Tensor[] {
                    n[0] ? Ops.sumToShape(g, sa) : null, n[1] ? Ops.sumToShape(g.mul(-p0), sb) : null});
            case MUL -> Node.record(out, name, ins, saved(a, b), (g, n) -> new Tensor[] {
                    n[0] ? Ops.sumToShape(g.mul(b), sa) : null, n[1] ? Ops.sumToShape(g.mul(a), sb) : null});
            case DIV -> Node.record(out, name, ins, saved(b, out), (g, n) -> new Tensor[] {
                    n[0] ? Ops.sumToShape(g.div(b), sa) : null,
                    n[1] ? Ops.sumToShape(g.mul(out).div(b).neg(), sb) : null});
            case POW -> Node.record(out, name, ins, saved(a, b, out), (g, n) -> new Tensor[] {
                    n[0] ? Ops.sumToShape(g.mul(b).mul(a.pow(b.sub(1))), sa) : null,
                    n[1] ? Ops.sumToShape(g.mul(out).mul(a.log()), sb) : null});
            case MAXIMUM, MINIMUM -> Node.record(out, name, ins, saved(a, b), (g, n) -> {
                // ties split the gradient evenly, as PyTorch does
                Tensor wins = op == BinaryOp.MAXIMUM ? compare(BinaryOp.GT, a, b) : compare(BinaryOp.LT, a, b);
                Tensor share = wins.add(compare(BinaryOp.EQ, a, b), 0.5);
                return new Tensor[] {
                        n[0] ? Ops.sumToShape(g.mul(share), sa) : null,
                        n[1] ? Ops.sumToShape(g.mul(share.rsub(1)), sb) : null};
            });
            default -> throw new IllegalArgumentException(name + " is a gradient kernel, not a differentiable op");
        };
    }

    /**
     * out = op(a, b) written into an existing tensor (not recorded): b (and a) broadcast to out's shape.
     * Used by in-place updates.
     */
    public static void binaryInto(BinaryOp op, Tensor a, Tensor b, double p0, Tensor out) {
        String name = op.name().toLowerCase();
        Ops.check(name, a, b, out);
        Ops.sameDType(name, a, b);
        Shape.broadcast(b.shape(), out.shape(), name);
        Shape.broadcast(a.shape(), out.shape(), name);
        try (Tensor ea = Views.broadcastView(a, out.shape()); Tensor eb = Views.broadcastView(b, out.shape())) {
            if (!Shape.broadcast(a.shape(), b.shape(), name).equals(out.shape()))
                throw new IllegalArgumentException(name + ": result of shapes " + a.shape() + " and " + b.shape()
                        + " does not fit the output of shape " + out.shape());
            a.backend().binary(op, ea.kernelView(), eb.kernelView(), out.kernelView(), p0, 0);
        }
        out.markModified();
    }

    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Ops.check("where", cond, a, b);
        Ops.sameDType("where", a, b);
        if (!cond.dtype().isFloatingPoint())
            throw new IllegalArgumentException("where: condition must be a float tensor of 0/1 (as comparisons return), got " + cond.dtype());
        Shape shape = Shape.broadcast(Shape.broadcast(cond.shape(), a.shape(), "where"), b.shape(), "where");
        Tensor out = Tensor.empty(shape, a.dtype(), a.device());
        try (Tensor ec = Views.broadcastView(cond, shape); Tensor ea = Views.broadcastView(a, shape);
             Tensor eb = Views.broadcastView(b, shape)) {
            a.backend().where(ec.kernelView(), ea.kernelView(), eb.kernelView(), out.kernelView());
        }
        Shape sa = a.shape(), sb = b.shape();
        return Node.record(out, "where", new Tensor[] {null, a, b}, saved(cond), (g, n) -> {
            Tensor zero = Tensor.zeros(Shape.scalar(), g.dtype(), g.device());
            return new Tensor[] {null,
                    n[1] ? Ops.sumToShape(where(cond, g, zero), sa) : null,
                    n[2] ? Ops.sumToShape(where(cond, zero, g), sb) : null};
        });
    }

    /** 0/1 result of a comparison: float32 (float64 for float64 inputs, float32 for int64). Not recorded. */
    public static Tensor compare(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        Ops.check(name, a, b);
        Ops.sameDType(name, a, b);
        Shape shape = Shape.broadcast(a.shape(), b.shape(), name);
        DType outType = a.dtype() == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32;
        Tensor out = Tensor.empty(shape, outType, a.device());
        try (Tensor ea = Views.broadcastView(a, shape); Tensor eb = Views.broadcastView(b, shape)) {
            a.backend().binary(op, ea.kernelView(), eb.kernelView(), out.kernelView(), 0, 0);
        }
        return out;
    }

    public static Tensor compare(BinaryOp op, Tensor a, double s) {
        Ops.check(op.name().toLowerCase(), a);
        try (Tensor b = Tensor.scalar(s, a.dtype(), a.device())) {
            return compare(op, a, b);
        }
    }

    /** A fused activation-gradient kernel: out = op(g, saved; p0, p1). */
    static Tensor backward(BinaryOp op, Tensor g, Tensor saved, double p0, double p1) {
        Shape shape = g.shape();
        Tensor out = Tensor.empty(shape, g.dtype(), g.device());
        try (Tensor es = Views.broadcastView(saved, shape)) {
            g.backend().binary(op, g.kernelView(), es.kernelView(), out.kernelView(), p0, p1);
        }
        return out;
    }

    private static Tensor[] in(Tensor x) { return new Tensor[] {x}; }

    private static Tensor[] one(Tensor g) { return new Tensor[] {g}; }

    private static Tensor[] saved(Tensor... ts) { return ts; }
}
