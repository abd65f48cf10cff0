// Matrix products with torch.matmul's rules and their gradients: 1-D operands are promoted and the added
// dimension removed again, batch dimensions broadcast, and a matrix times a batch of matrices (a Linear layer
// over tokens) is folded into one large product rather than a batch of small ones.
package ai.lethe.tensor;

import ai.lethe.backend.Precision;
import ai.lethe.core.Shape;

public final class Linalg {
    private Linalg() {}

    public static Tensor matmul(Tensor a, Tensor b) {
        Ops.check("matmul", a, b);
        Ops.sameDType("matmul", a, b);
        Ops.requireFloat("matmul", a);
        if (a.rank() == 0 || b.rank() == 0)
            throw new IllegalArgumentException("matmul: both operands need at least 1 dimension, got shapes " + a.shape() + " and " + b.shape());
        if (a.rank() == 1 && b.rank() == 1) {
            checkInner(a.shape(), b.shape(), a.shape().dim(0), b.shape().dim(0));
            return matmul(a.unsqueeze(0), b.unsqueeze(1)).reshape();
        }
        if (a.rank() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
        if (b.rank() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
        long m = a.shape().dim(-2), k = a.shape().dim(-1), k2 = b.shape().dim(-2), n = b.shape().dim(-1);
        checkInner(a.shape(), b.shape(), k, k2);
        if (b.rank() == 2 && a.rank() > 2) {
            long[] outDims = a.shape().dims();
            outDims[outDims.length - 1] = n;
            return product(a.reshape(-1, k), b).reshape(outDims);
        }
        return product(a, b);
    }

    private static void checkInner(Shape sa, Shape sb, long k, long k2) {
        if (k != k2)
            throw new IllegalArgumentException("matmul: shapes " + sa + " and " + sb + " cannot be multiplied (" + k + " != " + k2 + ")");
    }

    /** Both operands at least 2-D: broadcast the batch dimensions and run one backend product. */
    private static Tensor product(Tensor a, Tensor b) {
        Shape sa = a.shape(), sb = b.shape();
        int r = Math.max(sa.rank(), sb.rank());
        long m = sa.dim(-2), k = sa.dim(-1), n = sb.dim(-1);
        Shape batchA = Shape.of(java.util.Arrays.copyOf(sa.dims(), sa.rank() - 2));
        Shape batchB = Shape.of(java.util.Arrays.copyOf(sb.dims(), sb.rank() - 2));
        Shape batch = Shape.broadcast(batchA, batchB, "matmul");
        long[] da = new long[r], db = new long[r], dout = new long[r];
        for (int i = 0; i < r - 2; i++) da[i] = db[i] = dout[i] = batch.dim(i);
        da[r - 2] = m; da[r - 1] = k;
        db[r - 2] = k; db[r - 1] = n;
        dout[r - 2] = m; dout[r - 1] = n;
        Tensor out = Tensor.empty(Shape.of(dout), a.dtype(), a.device());
        try (Tensor ea = Views.broadcastView(a, Shape.of(da)); Tensor eb = Views.broadcastView(b, Shape.of(db))) {
            a.backend().matmul(ea.kernelView(), eb.kernelView(), out.kernelView(), 1, 0);
        }
        Precision precision = Precision.current();   // the backward products run at the forward's precision
        return Node.record(out, "matmul", new Tensor[] {a, b}, new Tensor[] {a, b}, (g, needs) -> {
            try (Precision.Scope ignored = Precision.autocast(precision)) {
                return new Tensor[] {
                        needs[0] ? Ops.sumToShape(product(g, b.transpose(-1, -2)), sa) : null,
                        needs[1] ? Ops.sumToShape(product(a.transpose(-1, -2), g), sb) : null};
            }
        });
    }
}
