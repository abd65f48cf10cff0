// Tensor.toString: a header with shape, dtype, device and autograd state, then the values (all of them for
// small tensors, nested like PyTorch; the first and last few of the flattened tensor otherwise).
package ai.lethe.tensor;

import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import java.util.Locale;

final class TensorFormat {
    private static final int FULL_LIMIT = 100;
    private static final int EDGE = 3;

    private TensorFormat() {}

    static String format(Tensor t) {
        StringBuilder sb = new StringBuilder("Tensor").append(t.shapeUnchecked()).append(' ').append(t.dtype())
                .append(' ').append(t.device());
        if (t.isClosed()) return sb.append(" (closed)").toString();
        if (t.gradFn() != null) sb.append(" grad_fn=").append(t.gradFn().op());
        else if (t.requiresGrad()) sb.append(" requires_grad");
        sb.append('\n');
        long n = t.numel();
        if (t.dtype() == DType.INT64) {
            long[] v = t.toLongArray();
            return n <= FULL_LIMIT ? nested(sb, t.shapeUnchecked(), i -> Long.toString(v[i])) : edges(sb, n, i -> Long.toString(v[i]));
        }
        double[] v = t.toDoubleArray();
        return n <= FULL_LIMIT ? nested(sb, t.shapeUnchecked(), i -> num(v[i])) : edges(sb, n, i -> num(v[i]));
    }

    private static String num(double x) {
        if (x == Math.rint(x) && Math.abs(x) < 1e7) return String.format(Locale.ROOT, "%.1f", x);
        double a = Math.abs(x);
        if (a != 0 && (a < 1e-4 || a >= 1e7)) return String.format(Locale.ROOT, "%.4e", x);
        return String.format(Locale.ROOT, "%.4f", x);
    }

    private static String nested(StringBuilder sb, Shape s, java.util.function.IntFunction<String> value) {
        if (s.rank() == 0) return sb.append(value.apply(0)).toString();
        appendLevel(sb, s, 0, 0, value);
        return sb.toString();
    }

    private static int appendLevel(StringBuilder sb, Shape s, int dim, int index, java.util.function.IntFunction<String> value) {
        sb.append('[');
        long n = s.dim(dim);
        for (long i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
                if (dim == s.rank() - 1) sb.append(' ');
                else sb.append("\n").append(" ".repeat(dim + 1));
            }
            if (dim == s.rank() - 1) sb.append(value.apply(index++));
            else index = appendLevel(sb, s, dim + 1, index, value);
        }
        sb.append(']');
        return index;
    }

    private static String edges(StringBuilder sb, long n, java.util.function.IntFunction<String> value) {
        sb.append('[');
        for (int i = 0; i < EDGE; i++) sb.append(i == 0 ? "" : ", ").append(value.apply(i));
        sb.append(", ...");
        for (long i = n - EDGE; i < n; i++) sb.append(", ").append(value.apply((int) i));
        return sb.append("] (").append(n).append(" elements)").toString();
    }
}
