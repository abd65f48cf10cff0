// The ref backend's neural-network kernels: batch norm, layer norm, softmax, pooling (PyTorch's window and
// divisor rules), in double precision on contiguous views.
package ai.lethe.backend.ref;

import ai.lethe.backend.Pool2dGeometry;
import ai.lethe.backend.View;

final class RefNn {
    private RefNn() {}

    private static double[] values(View v) { return v == null ? null : new RefData(v).toDoubles(); }

    private static void store(View v, double[] values) { if (v != null) new RefData(v).fromDoubles(values); }

    // ---- batch norm over x [N, C, S] ---------------------------------------------------------------------

    static void batchNormTrain(View x, View weight, View bias, View runningMean, View runningVar, View out,
                               View saveMean, View saveInvStd, double momentum, double eps) {
        RefBackend.requireFloat("batchNorm", x);
        int n = (int) x.dim(0), c = (int) x.dim(1), s = (int) x.dim(2);
        double[] xv = values(x), w = values(weight), b = values(bias), rm = values(runningMean), rv = values(runningVar);
        double[] o = new double[xv.length], mean = new double[c], inv = new double[c];
        long count = (long) n * s;
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) sum += xv[(i * c + ch) * s + j];
            double mu = sum / count, ss = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) { double d = xv[(i * c + ch) * s + j] - mu; ss += d * d; }
            double var = ss / count;
            mean[ch] = mu;
            inv[ch] = 1.0 / Math.sqrt(var + eps);
            double scale = w == null ? 1 : w[ch], shift = b == null ? 0 : b[ch];
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) {
                int k = (i * c + ch) * s + j;
                o[k] = (xv[k] - mu) * inv[ch] * scale + shift;
            }
            if (rm != null) rm[ch] = (1 - momentum) * rm[ch] + momentum * mu;
            if (rv != null) rv[ch] = (1 - momentum) * rv[ch] + momentum * (count > 1 ? ss / (count - 1) : var);
        }
        store(out, o);
        store(saveMean, mean);
        store(saveInvStd, inv);
        store(runningMean, rm);
        store(runningVar, rv);
    }

    static void batchNormEval(View x, View weight, View bias, View runningMean, View runningVar, View out, double eps) {
        RefBackend.requireFloat("batchNorm", x);
        int n = (int) x.dim(0), c = (int) x.dim(1), s = (int) x.dim(2);
        double[] xv = values(x), w = values(weight), b = values(bias), rm = values(runningMean), rv = values(runningVar);
        double[] o = new double[xv.length];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++) {
                double inv = 1.0 / Math.sqrt(rv[ch] + eps);
                double scale = w == null ? 1 : w[ch], shift = b == null ? 0 : b[ch];
                for (int j = 0; j < s; j++) {
                    int k = (i * c + ch) * s + j;
                    o[k] = (xv[k] - rm[ch]) * inv * scale + shift;
                }
            }
        store(out, o);
    }

    static void batchNormBackward(View dy, View x, View weight, View saveMean, View saveInvStd, View dx,
                                  View dweight, View dbias, boolean batchStatistics) {
        int n = (int) x.dim(0), c = (int) x.dim(1), s = (int) x.dim(2);
        double[] g = values(dy), xv = values(x), w = values(weight), mean = values(saveMean), inv = values(saveInvStd);
        double[] d = new double[xv.length], dw = new double[c], db = new double[c];
        long count = (long) n * s;
        for (int ch = 0; ch < c; ch++) {
            double sumG = 0, sumGX = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) {
                int k = (i * c + ch) * s + j;
                sumG += g[k];
                sumGX += g[k] * (xv[k] - mean[ch]) * inv[ch];
            }
            db[ch] = sumG;
            dw[ch] = sumGX;
            double scale = (w == null ? 1 : w[ch]) * inv[ch] / count;
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) {
                int k = (i * c + ch) * s + j;
                double xhat = (xv[k] - mean[ch]) * inv[ch];
                d[k] = batchStatistics ? scale * (count * g[k] - sumG - xhat * sumGX) : scale * count * g[k];
            }
        }
        store(dx, d);
        store(dweight, dw);
        store(dbias, db);
    }

    // ---- layer norm over the last dimension of x [M, D] ---------------------------------------------------

    static void layerNorm(View x, View weight, View bias, View out, View saveMean, View saveInvStd, double eps) {
        RefBackend.requireFloat("layerNorm", x);
        int m = (int) x.dim(0), dd = (int) x.dim(1);
        double[] xv = values(x), w = values(weight), b = values(bias);
        double[] o = new double[xv.length], mean = new double[m], inv = new double[m];
        for (int r = 0; r < m; r++) {
            double sum = 0;
            for (int j = 0; j < dd; j++) sum += xv[r * dd + j];
            double mu = sum / dd, ss = 0;
            for (int j = 0; j < dd; j++) { double d = xv[r * dd + j] - mu; ss += d * d; }
            mean[r] = mu;
            inv[r] = 1.0 / Math.sqrt(ss / dd + eps);
            for (int j = 0; j < dd; j++)
                o[r * dd + j] = (xv[r * dd + j] - mu) * inv[r] * (w == null ? 1 : w[j]) + (b == null ? 0 : b[j]);
        }
        store(out, o);
        store(saveMean, mean);
        store(saveInvStd, inv);
    }

    static void layerNormBackward(View dy, View x, View weight, View saveMean, View saveInvStd, View dx,
                                  View dweight, View dbias) {
        int m = (int) x.dim(0), dd = (int) x.dim(1);
        double[] g = values(dy), xv = values(x), w = values(weight), mean = values(saveMean), inv = values(saveInvStd);
        double[] d = new double[xv.length], dw = new double[dd], db = new double[dd];
        for (int r = 0; r < m; r++) {
            double sumGW = 0, sumGWX = 0;
            for (int j = 0; j < dd; j++) {
                int k = r * dd + j;
                double xhat = (xv[k] - mean[r]) * inv[r];
                double gw = g[k] * (w == null ? 1 : w[j]);
                sumGW += gw;
                sumGWX += gw * xhat;
                dw[j] += g[k] * xhat;
                db[j] += g[k];
            }
            for (int j = 0; j < dd; j++) {
                int k = r * dd + j;
                double xhat = (xv[k] - mean[r]) * inv[r];
                double gw = g[k] * (w == null ? 1 : w[j]);
                d[k] = inv[r] / dd * (dd * gw - sumGW - xhat * sumGWX);
            }
        }
        store(dx, d);
        store(dweight, dw);
        store(dbias, db);
    }

    // ---- softmax over the middle dimension of [outer, D, inner] -------------------------------------------

    static void softmax(View x, View out, boolean log) {
        RefBackend.requireFloat("softmax", x);
        int outer = (int) x.dim(0), d = (int) x.dim(1), inner = (int) x.dim(2);
        double[] xv = values(x), o = new double[xv.length];
        for (int a = 0; a < outer; a++)
            for (int b = 0; b < inner; b++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < d; j++) max = Math.max(max, xv[(a * d + j) * inner + b]);
                double sum = 0;
                for (int j = 0; j < d; j++) sum += Math.exp(xv[(a * d + j) * inner + b] - max);
                double lse = Math.log(sum);
                for (int j = 0; j < d; j++) {
                    int k = (a * d + j) * inner + b;
                    o[k] = log ? xv[k] - max - lse : Math.exp(xv[k] - max) / sum;
                }
            }
        store(out, o);
    }

    static void softmaxBackward(View y, View dy, View dx, boolean log) {
        int outer = (int) y.dim(0), d = (int) y.dim(1), inner = (int) y.dim(2);
        double[] yv = values(y), g = values(dy), o = new double[yv.length];
        for (int a = 0; a < outer; a++)
            for (int b = 0; b < inner; b++) {
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    int k = (a * d + j) * inner + b;
                    dot += log ? g[k] : g[k] * yv[k];
                }
                for (int j = 0; j < d; j++) {
                    int k = (a * d + j) * inner + b;
                    o[k] = log ? g[k] - Math.exp(yv[k]) * dot : yv[k] * (g[k] - dot);
                }
            }
        store(dx, o);
    }

    // ---- pooling ------------------------------------------------------------------------------------------

    static void maxPool2d(View x, View out, View indices, Pool2dGeometry g) {
        RefBackend.requireFloat("maxPool2d", x);
        double[] xv = values(x);
        int planes = (int) (g.n() * g.c());
        int h = (int) g.h(), w = (int) g.w(), oh = (int) g.outH(), ow = (int) g.outW();
        double[] o = new double[planes * oh * ow];
        long[] idx = new long[o.length];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < oh; y++)
                for (int z = 0; z < ow; z++) {
                    double best = Double.NEGATIVE_INFINITY;
                    long at = -1;
                    for (int i = 0; i < g.kh(); i++) {
                        long ih = y * g.strideH() - g.padH() + i;
                        if (ih < 0 || ih >= h) continue;
                        for (int j = 0; j < g.kw(); j++) {
                            long iw = z * g.strideW() - g.padW() + j;
                            if (iw < 0 || iw >= w) continue;
                            double v = xv[(int) ((long) p * h * w + ih * w + iw)];
                            if (at < 0 || v > best || (Double.isNaN(v) && !Double.isNaN(best))) {
                                best = v;
                                at = ih * w + iw;
                            }
                        }
                    }
                    int k = (p * oh + y) * ow + z;
                    o[k] = best;
                    idx[k] = at;
                }
        store(out, o);
        RefData id = new RefData(indices);
        long[] offs = id.offsets();
        for (int i = 0; i < offs.length; i++) id.setLong(offs[i], idx[i]);
    }

    static void maxPool2dBackward(View dy, View indices, View dx, Pool2dGeometry g) {
        double[] gv = values(dy);
        RefData id = new RefData(indices);
        long[] io = id.offsets();
        int planes = (int) (g.n() * g.c());
        int hw = (int) (g.h() * g.w()), ohw = (int) (g.outH() * g.outW());
        double[] d = new double[planes * hw];
        for (int p = 0; p < planes; p++)
            for (int k = 0; k < ohw; k++) {
                long at = id.getLong(io[p * ohw + k]);
                d[(int) (p * hw + at)] += gv[p * ohw + k];
            }
        store(dx, d);
    }

    /** PyTorch's avg_pool2d window: [start, end) rows/cols, clipped, and the divisor. */
    private static long[] avgWindow(long o, long stride, long pad, long k, long size) {
        long start = o * stride - pad;
        long end = Math.min(start + k, size + pad);
        long poolSize = end - start;
        start = Math.max(start, 0);
        end = Math.min(end, size);
        return new long[] {start, end, poolSize};
    }

    static void avgPool2d(View x, View out, Pool2dGeometry g) {
        RefBackend.requireFloat("avgPool2d", x);
        double[] xv = values(x);
        int planes = (int) (g.n() * g.c());
        int h = (int) g.h(), w = (int) g.w(), oh = (int) g.outH(), ow = (int) g.outW();
        double[] o = new double[planes * oh * ow];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < oh; y++)
                for (int z = 0; z < ow; z++) {
                    long[] rh = avgWindow(y, g.strideH(), g.padH(), g.kh(), h);
                    long[] rw = avgWindow(z, g.strideW(), g.padW(), g.kw(), w);
                    double sum = 0;
                    for (long i = rh[0]; i < rh[1]; i++) for (long j = rw[0]; j < rw[1]; j++) sum += xv[(int) (p * h * w + i * w + j)];
                    double div = g.countIncludePad() ? rh[2] * rw[2] : (rh[1] - rh[0]) * (rw[1] - rw[0]);
                    o[(p * oh + y) * ow + z] = sum / div;
                }
        store(out, o);
    }

    static void avgPool2dBackward(View dy, View dx, Pool2dGeometry g) {
        double[] gv = values(dy);
        int planes = (int) (g.n() * g.c());
        int h = (int) g.h(), w = (int) g.w(), oh = (int) g.outH(), ow = (int) g.outW();
        double[] d = new double[planes * h * w];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < oh; y++)
                for (int z = 0; z < ow; z++) {
                    long[] rh = avgWindow(y, g.strideH(), g.padH(), g.kh(), h);
                    long[] rw = avgWindow(z, g.strideW(), g.padW(), g.kw(), w);
                    double div = g.countIncludePad() ? rh[2] * rw[2] : (rh[1] - rh[0]) * (rw[1] - rw[0]);
                    double share = gv[(p * oh + y) * ow + z] / div;
                    for (long i = rh[0]; i < rh[1]; i++) for (long j = rw[0]; j < rw[1]; j++) d[(int) (p * h * w + i * w + j)] += share;
                }
        store(dx, d);
    }

    static void adaptiveAvgPool2d(View x, View out) {
        RefBackend.requireFloat("adaptiveAvgPool2d", x);
        double[] xv = values(x);
        int planes = (int) (x.dim(0) * x.dim(1));
        int h = (int) x.dim(2), w = (int) x.dim(3), oh = (int) out.dim(2), ow = (int) out.dim(3);
        double[] o = new double[planes * oh * ow];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < oh; y++)
                for (int z = 0; z < ow; z++) {
                    int h0 = y * h / oh, h1 = ceilDiv((y + 1) * h, oh), w0 = z * w / ow, w1 = ceilDiv((z + 1) * w, ow);
                    double sum = 0;
                    for (int i = h0; i < h1; i++) for (int j = w0; j < w1; j++) sum += xv[p * h * w + i * w + j];
                    o[(p * oh + y) * ow + z] = sum / ((h1 - h0) * (w1 - w0));
                }
        store(out, o);
    }

    static void adaptiveAvgPool2dBackward(View dy, View dx) {
        double[] gv = values(dy);
        int planes = (int) (dx.dim(0) * dx.dim(1));
        int h = (int) dx.dim(2), w = (int) dx.dim(3), oh = (int) dy.dim(2), ow = (int) dy.dim(3);
        double[] d = new double[planes * h * w];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < oh; y++)
                for (int z = 0; z < ow; z++) {
                    int h0 = y * h / oh, h1 = ceilDiv((y + 1) * h, oh), w0 = z * w / ow, w1 = ceilDiv((z + 1) * w, ow);
                    double share = gv[(p * oh + y) * ow + z] / ((h1 - h0) * (w1 - w0));
                    for (int i = h0; i < h1; i++) for (int j = w0; j < w1; j++) d[p * h * w + i * w + j] += share;
                }
        store(dx, d);
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }
}
