// The ref backend's matrix product and direct (loop) convolution with its two gradients, in double precision.
package ai.lethe.backend.ref;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.View;

final class RefLinalg {
    private RefLinalg() {}

    static void matmul(View a, View b, View out, double alpha, double beta) {
        RefBackend.requireFloat("matmul", a);
        int r = out.rank();
        long m = out.dim(r - 2), n = out.dim(r - 1), k = a.dim(r - 1);
        long[] batchShape = java.util.Arrays.copyOf(out.shape(), r - 2);
        long[] ab = RefData.offsets(batchShape, java.util.Arrays.copyOf(a.strides(), r - 2), a.offset());
        long[] bb = RefData.offsets(batchShape, java.util.Arrays.copyOf(b.strides(), r - 2), b.offset());
        long[] ob = RefData.offsets(batchShape, java.util.Arrays.copyOf(out.strides(), r - 2), out.offset());
        RefData ad = new RefData(a), bd = new RefData(b), od = new RefData(out);
        long sam = a.stride(r - 2), sak = a.stride(r - 1), sbk = b.stride(r - 2), sbn = b.stride(r - 1);
        long som = out.stride(r - 2), son = out.stride(r - 1);
        for (int p = 0; p < ob.length; p++) {
            for (long i = 0; i < m; i++) {
                for (long j = 0; j < n; j++) {
                    double acc = 0;
                    for (long q = 0; q < k; q++) acc += ad.get(ab[p] + i * sam + q * sak) * bd.get(bb[p] + q * sbk + j * sbn);
                    long o = ob[p] + i * som + j * son;
                    od.set(o, beta == 0 ? alpha * acc : alpha * acc + beta * od.get(o));
                }
            }
        }
    }

    /** One term of a convolution: output element {@code y} += input element {@code x} · weight element {@code w}. */
    @FunctionalInterface
    private interface Tap {
        void accept(int y, int x, int w);
    }

    /**
     * Visits every (output, input, weight) index triple of the convolution, skipping taps that fall into the
     * zero padding. Forward and both gradients are this one loop nest with different accumulations.
     */
    private static void forEachTap(Conv2dGeometry g, Tap tap) {
        long oh = g.outH(), ow = g.outW();
        for (long n = 0; n < g.n(); n++)
            for (long k = 0; k < g.k(); k++)
                for (long y = 0; y < oh; y++)
                    for (long z = 0; z < ow; z++) {
                        int yi = (int) (((n * g.k() + k) * oh + y) * ow + z);
                        for (long c = 0; c < g.c(); c++)
                            for (long i = 0; i < g.kh(); i++) {
                                long ih = y * g.strideH() - g.padH() + i * g.dilationH();
                                if (ih < 0 || ih >= g.h()) continue;
                                for (long j = 0; j < g.kw(); j++) {
                                    long iw = z * g.strideW() - g.padW() + j * g.dilationW();
                                    if (iw < 0 || iw >= g.w()) continue;
                                    tap.accept(yi, (int) (((n * g.c() + c) * g.h() + ih) * g.w() + iw),
                                            (int) (((k * g.c() + c) * g.kh() + i) * g.kw() + j));
                                }
                            }
                    }
    }

    static void conv2d(View x, View w, View bias, View out, Conv2dGeometry g) {
        RefBackend.requireFloat("conv2d", x);
        double[] xv = new RefData(x).toDoubles(), wv = new RefData(w).toDoubles();
        double[] o = new double[Math.toIntExact(out.numel())];
        if (bias != null) {
            double[] bv = new RefData(bias).toDoubles();
            long plane = g.outH() * g.outW();
            for (int i = 0; i < o.length; i++) o[i] = bv[(int) (i / plane % g.k())];
        }
        forEachTap(g, (yi, xi, wi) -> o[yi] += xv[xi] * wv[wi]);
        new RefData(out).fromDoubles(o);
    }

    static void conv2dBackwardInput(View dy, View w, View dx, Conv2dGeometry g) {
        double[] dyv = new RefData(dy).toDoubles(), wv = new RefData(w).toDoubles();
        double[] d = new double[Math.toIntExact(dx.numel())];
        forEachTap(g, (yi, xi, wi) -> d[xi] += dyv[yi] * wv[wi]);
        new RefData(dx).fromDoubles(d);
    }

    static void conv2dBackwardWeight(View dy, View x, View dw, Conv2dGeometry g) {
        double[] dyv = new RefData(dy).toDoubles(), xv = new RefData(x).toDoubles();
        double[] d = new double[Math.toIntExact(dw.numel())];
        forEachTap(g, (yi, xi, wi) -> d[wi] += dyv[yi] * xv[xi]);
        new RefData(dw).fromDoubles(d);
    }
}
