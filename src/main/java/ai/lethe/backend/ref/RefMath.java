// The ref backend's elementwise and reduction kernels: each formula in double precision, written once.
// These formulas are the definition every other backend is tested against.
package ai.lethe.backend.ref;

import ai.lethe.backend.ArgReduceOp;
import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.ReduceOp;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;
import ai.lethe.core.DType;

final class RefMath {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private static final double GELU_C = 0.044715;

    private RefMath() {}

    static double unary(UnaryOp op, double x, double p0, double p1) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1.0 / x;
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
            case RELU -> x <= 0 ? 0 : x;
            case GELU_ERF -> 0.5 * x * (1.0 + SpecialFunctions.erf(x * INV_SQRT_2));
            case GELU_TANH -> 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_C * x * x * x)));
            case ERF -> SpecialFunctions.erf(x);
            case ERFINV -> SpecialFunctions.erfinv(x);
            case AFFINE -> x * p0 + p1;
            case POW -> Math.pow(x, p0);
            case CLAMP -> x < p0 ? p0 : (x > p1 ? p1 : x);
        };
    }

    static double binary(BinaryOp op, double a, double b, double p0, double p1) {
        return switch (op) {
            case ADD -> a + p0 * b;
            case SUB -> a - p0 * b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> Math.pow(a, b);
            case MAXIMUM -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
            case MINIMUM -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case RELU_BACKWARD -> b > 0 ? a : 0;
            case GELU_ERF_BACKWARD -> {
                double cdf = 0.5 * (1.0 + SpecialFunctions.erf(b * INV_SQRT_2));
                double pdf = Math.exp(-0.5 * b * b) * INV_SQRT_2PI;
                yield a * (cdf + b * pdf);
            }
            case GELU_TANH_BACKWARD -> {
                double inner = SQRT_2_OVER_PI * (b + GELU_C * b * b * b);
                double t = Math.tanh(inner);
                double dinner = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * b * b);
                yield a * (0.5 * (1.0 + t) + 0.5 * b * (1.0 - t * t) * dinner);
            }
            case SIGMOID_BACKWARD -> a * b * (1.0 - b);
            case TANH_BACKWARD -> a * (1.0 - b * b);
            case CLAMP_BACKWARD -> b >= p0 && b <= p1 ? a : 0;
        };
    }

    static long binaryLong(BinaryOp op, long a, long b, double p0) {
        return switch (op) {
            case ADD -> a + (long) p0 * b;
            case SUB -> a - (long) p0 * b;
            case MUL -> a * b;
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            default -> throw new IllegalArgumentException(op.name().toLowerCase() + ": not supported for int64");
        };
    }

    static void unary(UnaryOp op, View x, View out, double p0, double p1) {
        RefBackend.requireFloat(op.name().toLowerCase(), x);
        RefData xd = new RefData(x), od = new RefData(out);
        double[] v = xd.toDoubles();
        for (int i = 0; i < v.length; i++) v[i] = unary(op, v[i], p0, p1);
        od.fromDoubles(v);
    }

    static void binary(BinaryOp op, View a, View b, View out, double p0, double p1) {
        RefData ad = new RefData(a), bd = new RefData(b), od = new RefData(out);
        long[] ao = ad.offsets(), bo = bd.offsets(), oo = od.offsets();
        if (a.dtype() == DType.INT64) {
            for (int i = 0; i < oo.length; i++) od.setLong(oo[i], binaryLong(op, ad.getLong(ao[i]), bd.getLong(bo[i]), p0));
            return;
        }
        // read everything first: out may alias a
        double[] va = new double[oo.length], vb = new double[oo.length];
        for (int i = 0; i < oo.length; i++) {
            va[i] = ad.get(ao[i]);
            vb[i] = bd.get(bo[i]);
        }
        for (int i = 0; i < oo.length; i++) od.set(oo[i], binary(op, va[i], vb[i], p0, p1));
    }

    static void where(View cond, View a, View b, View out) {
        RefData cd = new RefData(cond), ad = new RefData(a), bd = new RefData(b), od = new RefData(out);
        long[] co = cd.offsets(), ao = ad.offsets(), bo = bd.offsets(), oo = od.offsets();
        double[] v = new double[oo.length];
        for (int i = 0; i < oo.length; i++) v[i] = cd.get(co[i]) != 0 ? ad.get(ao[i]) : bd.get(bo[i]);
        for (int i = 0; i < oo.length; i++) od.set(oo[i], v[i]);
    }

    /** Splits x into (offsets of each output position, offsets within one reduced block). */
    private static long[][] reductionOffsets(View x, View out) {
        int r = x.rank();
        long[] outerShape = new long[r], innerShape = new long[r];
        for (int d = 0; d < r; d++) {
            boolean reduced = out.dim(d) == 1 && x.dim(d) != 1;
            outerShape[d] = reduced ? 1 : x.dim(d);
            innerShape[d] = reduced ? x.dim(d) : 1;
        }
        return new long[][] {RefData.offsets(outerShape, x.strides(), x.offset()), RefData.offsets(innerShape, x.strides(), 0)};
    }

    static void reduce(ReduceOp op, View x, View out, double correction) {
        RefBackend.requireFloat("reduce " + op.name().toLowerCase(), x);
        RefData xd = new RefData(x), od = new RefData(out);
        long[][] parts = reductionOffsets(x, out);
        long[] outer = parts[0], inner = parts[1], oo = od.offsets();
        for (int i = 0; i < oo.length; i++) {
            long base = outer[i];
            double acc = switch (op) {
                case SUM, MEAN, VAR -> 0;
                case MAX -> Double.NEGATIVE_INFINITY;
                case MIN -> Double.POSITIVE_INFINITY;
            };
            for (long off : inner) {
                double v = xd.get(base + off);
                acc = switch (op) {
                    case SUM, MEAN, VAR -> acc + v;
                    case MAX -> Double.isNaN(v) || Double.isNaN(acc) ? Double.NaN : Math.max(acc, v);
                    case MIN -> Double.isNaN(v) || Double.isNaN(acc) ? Double.NaN : Math.min(acc, v);
                };
            }
            int n = inner.length;
            if (op == ReduceOp.MEAN) acc /= n;
            if (op == ReduceOp.VAR) {
                double mean = acc / n, ss = 0;
                for (long off : inner) {
                    double d = xd.get(base + off) - mean;
                    ss += d * d;
                }
                acc = ss / Math.max(n - correction, 0);
            }
            od.set(oo[i], acc);
        }
    }

    static void argReduce(ArgReduceOp op, View x, int axis, View out) {
        RefBackend.requireFloat(op.name().toLowerCase(), x);
        RefData xd = new RefData(x), od = new RefData(out);
        long[] outerShape = x.shape().clone();
        outerShape[axis] = 1;
        long[] outer = RefData.offsets(outerShape, x.strides(), x.offset()), oo = od.offsets();
        long n = x.dim(axis), step = x.stride(axis);
        for (int i = 0; i < oo.length; i++) {
            long best = 0;
            double bestV = xd.get(outer[i]);
            for (long j = 1; j < n && !Double.isNaN(bestV); j++) {
                double v = xd.get(outer[i] + j * step);
                boolean better = Double.isNaN(v) || (op == ArgReduceOp.ARGMAX ? v > bestV : v < bestV);
                if (better) {
                    best = j;
                    bestV = v;
                }
            }
            od.setLong(oo[i], best);
        }
    }
}
