// H⁻¹v for H = λI + (1/m) GᵀG, G the m × P matrix of m per-sample gradients (the WoodFisher estimate of the
// Hessian with damping λ), exactly, by the Woodbury identity on the m × m Gram matrix:
//   H⁻¹v = (v − Gᵀ (λm I + GGᵀ)⁻¹ G v) / λ.
// GGᵀ is accumulated over column blocks of G (so the backend never needs a transposed copy of all of G), the
// m × m system is solved by Cholesky in double precision, and nothing larger than G itself is held.
package ai.lethe.unlearn.influence;

import ai.lethe.core.DType;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;

public final class Woodbury {
    /** Columns of G per block of the Gram accumulation. */
    static final long BLOCK = 1 << 16;

    private Woodbury() {}

    /**
     * Returns H⁻¹v (a new P-vector) for H = λI + GᵀG/m.
     *
     * @param g      m × P per-sample gradients (float32)
     * @param v      the P-vector
     * @param lambda damping λ > 0
     */
    public static Tensor solve(Tensor g, Tensor v, double lambda) { return solve(g, v, lambda, BLOCK); }

    /** As above, accumulating GGᵀ over blocks of {@code block} columns. */
    static Tensor solve(Tensor g, Tensor v, double lambda, long block) {
        if (!(lambda > 0) || !Double.isFinite(lambda))
            throw new IllegalArgumentException("woodbury: damping lambda must be a finite number > 0, got " + lambda);
        if (g.rank() != 2 || v.rank() != 1 || g.shape().dim(1) != v.shape().dim(0))
            throw new IllegalArgumentException("woodbury: G must be m x P and v a P-vector, got " + g.shape() + " and " + v.shape());
        int m = Math.toIntExact(g.shape().dim(0));
        long p = g.shape().dim(1);
        try (var _ = GradMode.noGrad(); Scope scope = Scope.open("woodbury")) {
            double[] gram = new double[m * m];
            for (long start = 0; start < p; start += block) {
                try (Scope _ = Scope.open("woodbury-block")) {
                    Tensor cols = g.narrow(1, start, Math.min(block, p - start)).contiguous();
                    float[] k = cols.matmul(cols.t()).toFloatArray();
                    for (int i = 0; i < k.length; i++) gram[i] += k[i];
                }
            }
            for (int i = 0; i < m; i++) gram[i * m + i] += lambda * m;
            double[] gv = toDoubles(g.matmul(v));
            double[] c = choleskySolve(gram, gv, m);
            Tensor coeff = Tensor.fromArray(toFloats(c), g.device(), 1, m).to(g.dtype());
            Tensor correction = coeff.matmul(g).reshape(p);                 // Gᵀc as (cᵀG)ᵀ
            Tensor out = v.sub(correction).mul(1.0 / lambda);
            return scope.keep(out);
        }
    }

    /** Solves A x = b for a symmetric positive definite A (row-major n × n); A is overwritten. */
    static double[] choleskySolve(double[] a, double[] b, int n) {
        for (int j = 0; j < n; j++) {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
            if (!(d > 0)) throw new IllegalStateException("woodbury: the Gram system is not positive definite (pivot " + d + ")");
            double l = Math.sqrt(d);
            a[j * n + j] = l;
            for (int i = j + 1; i < n; i++) {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
                a[i * n + j] = s / l;
            }
        }
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= a[i * n + k] * y[k];
            y[i] = s / a[i * n + i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) s -= a[k * n + i] * x[k];
            x[i] = s / a[i * n + i];
        }
        return x;
    }

    private static double[] toDoubles(Tensor t) {
        return t.dtype() == DType.FLOAT64 ? t.toDoubleArray() : t.to(DType.FLOAT64).toDoubleArray();
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
