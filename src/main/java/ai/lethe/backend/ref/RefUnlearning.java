// The ref backend's unlearning and pruning kernels: squared (per-sample) gradients summed in double, SSD
// dampening, Gaussian noise, and the radix-select histogram and mask of global top-k. Written as the
// definitions read (each per-sample product formed in full, then squared), in double precision: the oracle the
// native kernels are tested against.
package ai.lethe.backend.ref;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.Philox;
import ai.lethe.backend.ScoreKeys;
import ai.lethe.backend.View;
import ai.lethe.core.DType;

final class RefUnlearning {
    private RefUnlearning() {}

    static void addSquared(View x, View acc, double scale) {
        RefBackend.requireFloat("addSquared", x);
        RefData xd = new RefData(x), ad = new RefData(acc);
        long[] xo = xd.offsets(), ao = ad.offsets();
        for (int i = 0; i < xo.length; i++) {
            double v = xd.get(xo[i]);
            ad.set(ao[i], ad.get(ao[i]) + scale * (v * v));
        }
    }

    /** acc [M, N] += scale Σ_b (a_b @ b_b)², each product formed in double, then squared. */
    static void perSampleSquaredGemm(View a, View b, View acc, double scale) {
        RefBackend.requireFloat("perSampleSquaredGemm", a);
        int batch = Math.toIntExact(a.dim(0)), m = Math.toIntExact(a.dim(1)), t = Math.toIntExact(a.dim(2));
        int n = Math.toIntExact(b.dim(2));
        double[] av = new RefData(a).toDoubles(), bv = new RefData(b).toDoubles();   // [B, M, T], [B, T, N]
        double[] sum = new double[m * n], product = new double[m * n];
        for (int s = 0; s < batch; s++) {
            int ab = s * m * t, bb = s * t * n;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int q = 0; q < t; q++) dot += av[ab + i * t + q] * bv[bb + q * n + j];
                    product[i * n + j] = dot;
                }
            for (int i = 0; i < sum.length; i++) sum[i] += product[i] * product[i];
        }
        accumulate(acc, sum, scale);
    }

    /** acc [K, C, kh, kw] += scale Σ_n (dW_n)², each sample's weight gradient formed in double, then squared. */
    static void perSampleSquaredConvWeight(View dy, View x, View acc, Conv2dGeometry g, double scale) {
        RefBackend.requireFloat("perSampleSquaredConvWeight", dy);
        double[] dyv = new RefData(dy).toDoubles(), xv = new RefData(x).toDoubles();
        int k = (int) g.k(), c = (int) g.c(), kh = (int) g.kh(), kw = (int) g.kw(), h = (int) g.h(), w = (int) g.w();
        int oh = (int) g.outH(), ow = (int) g.outW();
        int cells = k * c * kh * kw;
        double[] sum = new double[cells], dw = new double[cells];
        for (int s = 0; s < g.n(); s++) {
            java.util.Arrays.fill(dw, 0);
            for (int ko = 0; ko < k; ko++)
                for (int y = 0; y < oh; y++)
                    for (int z = 0; z < ow; z++) {
                        double d = dyv[((s * k + ko) * oh + y) * ow + z];
                        for (int ci = 0; ci < c; ci++)
                            for (int i = 0; i < kh; i++) {
                                long ih = y * g.strideH() - g.padH() + i * g.dilationH();
                                if (ih < 0 || ih >= h) continue;
                                for (int j = 0; j < kw; j++) {
                                    long iw = z * g.strideW() - g.padW() + j * g.dilationW();
                                    if (iw < 0 || iw >= w) continue;
                                    dw[((ko * c + ci) * kh + i) * kw + j] += d * xv[(int) (((s * c + ci) * h + ih) * w + iw)];
                                }
                            }
                    }
            for (int i = 0; i < cells; i++) sum[i] += dw[i] * dw[i];
        }
        accumulate(acc, sum, scale);
    }

    /** acc (contiguous) += scale · sum, per element in double. */
    private static void accumulate(View acc, double[] sum, double scale) {
        RefData ad = new RefData(acc);
        for (int i = 0; i < sum.length; i++) ad.set(acc.offset() + i, ad.get(acc.offset() + i) + scale * sum[i]);
    }

    static void ssdDampen(View theta, View importanceD, View importanceF, double alpha, double lambda) {
        RefBackend.requireFloat("ssdDampen", theta);
        RefData td = new RefData(theta);
        double[] w = td.toDoubles(), d = new RefData(importanceD).toDoubles(), f = new RefData(importanceF).toDoubles();
        for (int i = 0; i < w.length; i++) {
            double ratio = lambda * d[i] / f[i];
            double factor = f[i] > alpha * d[i] ? (ratio < 1 ? ratio : 1.0) : 1.0;
            w[i] *= factor;
        }
        td.fromDoubles(w);
    }

    static void addGaussianNoise(View theta, View std, long seed, long counter) {
        RefBackend.requireFloat("addGaussianNoise", theta);
        RefData td = new RefData(theta);
        double[] w = td.toDoubles(), sd = new RefData(std).toDoubles();
        boolean asFloat = theta.dtype() == DType.FLOAT32;
        int[] words = new int[4];
        long cachedBlock = -1;
        for (int i = 0; i < w.length; i++) {
            long block = counter + i / 2;
            if (block != cachedBlock) {
                Philox.block(seed, block, words);
                cachedBlock = block;
            }
            int lane = (i % 2) * 2;
            double z = 0 + 1 * Philox.normal(words[lane], words[lane + 1]);   // as random(NORMAL, 0, 1) computes it
            if (asFloat) z = (float) z;                                       // ... and stores it
            w[i] += sd[i] * z;
        }
        td.fromDoubles(w);
    }

    static void scoreHistogram(View scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        ScoreKeys.checkHistogram("scoreHistogram", shift, bits, matchShift, counts);
        RefBackend.requireFloat("scoreHistogram", scores);
        double[] v = new RefData(scores).toDoubles();
        long[] local = new long[counts.length];
        long mask = (1L << bits) - 1;
        for (int i = 0; i < v.length; i++) {
            float s = (float) v[i];
            long key = ScoreKeys.key(s);
            if (key < 0) throw ScoreKeys.badScore("scoreHistogram", i, s);
            if (ScoreKeys.matches(key, matchShift, matchValue)) local[(int) ((key >>> shift) & mask)]++;
        }
        for (int b = 0; b < counts.length; b++) counts[b] += local[b];
    }

    static long maskFromScores(View scores, View mask, float threshold, long tiesToKeep) {
        ScoreKeys.checkTies("maskFromScores", tiesToKeep);
        RefBackend.requireFloat("maskFromScores", scores);
        double[] v = new RefData(scores).toDoubles(), out = new double[v.length];
        long kept = 0;
        for (int i = 0; i < v.length; i++) {
            float s = (float) v[i];
            if (s > threshold) out[i] = 1;
            else if (s == threshold && kept < tiesToKeep) {
                out[i] = 1;
                kept++;
            }
        }
        new RefData(mask).fromDoubles(out);
        return kept;
    }
}
