// The kernel cases of `lethe bench`, each a Backend SPI call on float32 buffers made on the chosen device from seeded
// random values: a device-to-device copy (the bandwidth reference), the unlearning kernels (addSquared, ssdDampen,
// addGaussianNoise, perSampleSquaredGemm, perSampleSquaredConvWeight), the masked optimizer steps, and the global
// top-k mask (GlobalTopK's two scoreHistogram passes, then maskFromScores). The kernels update their buffers in place
// run after run with values chosen to stay finite and normal (SSD's ratios are >= 0.5, the steps' learning rate
// small). Bytes are the minimum one run requires (each input read once, each output written once, an in-place
// operand both, 4 bytes an element); the top-k kernels actually read the scores three times (16·N bytes).
package ai.lethe.kernelbench;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.Philox;
import ai.lethe.backend.RandomKind;
import ai.lethe.backend.SgdParams;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.kernels.GlobalTopK;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

final class KernelCases {
    /** Pieces the top-k scores are split into (one threshold across them, as global pruning over layers). */
    static final int TOPK_TENSORS = 4;
    /** The top-k case keeps this fraction of the scores (95% pruned). */
    static final double TOPK_KEEP = 0.05;

    private KernelCases() {}

    /** The buffer sets a case rotates over: {@code rotate}, or with 0 enough to span AUTO_ROTATION_BYTES (2 to 8). */
    static int buffers(int rotate, long bytesPerSet) {
        if (rotate > 0) return rotate;
        long k = (BenchSettings.AUTO_ROTATION_BYTES + bytesPerSet - 1) / Math.max(1, bytesPerSet);
        return (int) Math.max(2, Math.min(8, k));
    }

    /** Allocates a case's buffers on one device from one seeded generator and remembers them for closing. */
    private static final class Alloc {
        final Device device;
        final Generator gen;
        final List<Tensor> all = new ArrayList<>();

        Alloc(Device device, long seed) {
            this.device = device;
            this.gen = new Generator(seed);
        }

        Tensor[] uniform(int k, Shape shape, double lo, double hi) {
            Tensor[] t = new Tensor[k];
            for (int i = 0; i < k; i++) all.add(t[i] = Tensor.uniform(shape, lo, hi, gen, DType.FLOAT32, device));
            return t;
        }

        Tensor[] full(int k, Shape shape, double value) {
            Tensor[] t = new Tensor[k];
            for (int i = 0; i < k; i++) all.add(t[i] = Tensor.full(shape, value, DType.FLOAT32, device));
            return t;
        }

        Tensor[] bernoulli(int k, Shape shape, double p) {
            Tensor[] t = new Tensor[k];
            for (int i = 0; i < k; i++) all.add(t[i] = Tensor.bernoulli(shape, p, gen, device));
            return t;
        }
    }

    /** Builds the named kernel case (not train-step) for {@code s} on {@code device}. */
    static BenchCase create(String name, BenchSettings s, Device device) {
        Alloc a = new Alloc(device, s.seed() + BenchSettings.CASES.indexOf(name));
        try {
            return switch (name) {
                case "copy" -> copy(s, a);
                case "add-squared" -> addSquared(s, a);
                case "ssd-dampen" -> ssdDampen(s, a);
                case "gaussian-noise" -> gaussianNoise(s, a);
                case "sgd-masked" -> sgdMasked(s, a);
                case "adam-masked" -> adamMasked(s, a);
                case "topk-mask" -> topk(s, a);
                case "per-sample-gemm" -> perSampleGemm(s, a);
                case "per-sample-conv" -> perSampleConv(s, a);
                default -> throw new IllegalArgumentException("not a kernel case: " + name);
            };
        } catch (RuntimeException | Error e) {
            for (Tensor t : a.all) t.close();
            throw e;
        }
    }

    private static BenchCase of(BenchCase.Info info, Alloc a, IntConsumer body) { return new BenchCase(info, body, a.all); }

    private static String n(long n) { return "N=" + n; }

    private static BenchCase copy(BenchSettings s, Alloc a) {
        long n = s.size();
        int k = buffers(s.rotate(), 8 * n);
        Shape sh = Shape.of(n);
        Tensor[] src = a.uniform(k, sh, -1, 1), dst = a.full(k, sh, 0);
        Backend b = src[0].backend();
        return of(new BenchCase.Info("copy", "dst = src (device to device)", n(n), "8·N (read src, write dst)", 8 * n,
                null, null, k, null, 0), a, i -> b.copy(src[i].kernelView(), dst[i].kernelView()));
    }

    private static BenchCase addSquared(BenchSettings s, Alloc a) {
        long n = s.size();
        int k = buffers(s.rotate(), 8 * n);
        Shape sh = Shape.of(n);
        Tensor[] x = a.uniform(k, sh, -1, 1), acc = a.full(k, sh, 0);
        Backend b = x[0].backend();
        return of(new BenchCase.Info("add-squared", "acc += scale·x² (Fisher accumulation)", n(n),
                "12·N (read x, read+write acc)", 12 * n, "3·N", 3 * n, k, null, 0), a,
                i -> b.addSquared(x[i].kernelView(), acc[i].kernelView(), 1e-3));
    }

    private static BenchCase ssdDampen(BenchSettings s, Alloc a) {
        long n = s.size();
        int k = buffers(s.rotate(), 12 * n);
        Shape sh = Shape.of(n);
        // importances in [0.5, 1): half the entries selected (α = 1), ratios >= 0.5, so θ stays normal over many runs
        Tensor[] theta = a.uniform(k, sh, -1, 1), d = a.uniform(k, sh, 0.5, 1), f = a.uniform(k, sh, 0.5, 1);
        Backend b = theta[0].backend();
        return of(new BenchCase.Info("ssd-dampen", "θ *= iF > α·iD ? min(λ·iD/iF, 1) : 1 (SSD)", n(n),
                "16·N (read+write θ, read iD, iF)", 16 * n, null, null, k, null, 0), a,
                i -> b.ssdDampen(theta[i].kernelView(), d[i].kernelView(), f[i].kernelView(), 1.0, 1.0));
    }

    private static BenchCase gaussianNoise(BenchSettings s, Alloc a) {
        long n = s.size();
        int k = buffers(s.rotate(), 8 * n);
        Shape sh = Shape.of(n);
        Tensor[] theta = a.uniform(k, sh, -1, 1), std = a.full(k, sh, 1e-3);
        Backend b = theta[0].backend();
        long blocks = Philox.blocksFor(RandomKind.NORMAL, n);
        long[] counter = {0};
        long seed = s.seed();
        return of(new BenchCase.Info("gaussian-noise", "θ += std·z, z ~ N(0, 1) from Philox", n(n),
                "12·N (read+write θ, read std)", 12 * n, null, null, k, null, 0), a, i -> {
                    b.addGaussianNoise(theta[i].kernelView(), std[i].kernelView(), seed, counter[0]);
                    counter[0] += blocks;
                });
    }

    private static BenchCase sgdMasked(BenchSettings s, Alloc a) {
        long n = s.size();
        int k = buffers(s.rotate(), 16 * n);
        Shape sh = Shape.of(n);
        Tensor[] p = a.uniform(k, sh, -1, 1), g = a.uniform(k, sh, -1, 1), m = a.full(k, sh, 0), mask = a.bernoulli(k, sh, 0.5);
        Backend b = p[0].backend();
        SgdParams params = new SgdParams(1e-3, 0.9, 0, 5e-4, false, false, false);
        return of(new BenchCase.Info("sgd-masked", "SGD step, momentum 0.9, weight decay, mask (50% kept)", n(n),
                "24·N (read+write θ and momentum, read grad and mask)", 24 * n, null, null, k, null, 0), a,
                i -> b.sgdStep(p[i].kernelView(), g[i].kernelView(), m[i].kernelView(), mask[i].kernelView(), params));
    }

    private static BenchCase adamMasked(BenchSettings s, Alloc a) {
        long n = s.size();
        int k = buffers(s.rotate(), 20 * n);
        Shape sh = Shape.of(n);
        Tensor[] p = a.uniform(k, sh, -1, 1), g = a.uniform(k, sh, -1, 1), m = a.full(k, sh, 0), v = a.full(k, sh, 0),
                mask = a.bernoulli(k, sh, 0.5);
        Backend b = p[0].backend();
        long[] step = {0};
        return of(new BenchCase.Info("adam-masked", "AdamW step, mask (50% kept)", n(n),
                "32·N (read+write θ, m and v, read grad and mask)", 32 * n, null, null, k, null, 0), a, i -> {
                    AdamParams params = new AdamParams(1e-3, 0.9, 0.999, 1e-8, 1e-2, true, false, ++step[0]);
                    b.adamStep(p[i].kernelView(), g[i].kernelView(), m[i].kernelView(), v[i].kernelView(), mask[i].kernelView(), params);
                });
    }

    /** The sizes of the top-k case's score tensors: N split into TOPK_TENSORS pieces (the last one takes the rest). */
    static long[] topkPieces(long n) {
        int pieces = (int) Math.min(TOPK_TENSORS, n);
        long[] sizes = new long[pieces];
        for (int j = 0; j < pieces; j++) sizes[j] = j < pieces - 1 ? n / pieces : n - (pieces - 1) * (n / pieces);
        return sizes;
    }

    /** How many scores the top-k case keeps: round(TOPK_KEEP·N). */
    static long topkKeep(long n) { return Math.round(TOPK_KEEP * n); }

    private static BenchCase topk(BenchSettings s, Alloc a) {
        long n = s.size();
        int k = buffers(s.rotate(), 8 * n);
        long[] pieces = topkPieces(n);
        List<List<Tensor>> scores = new ArrayList<>(), masks = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            List<Tensor> sc = new ArrayList<>(), mk = new ArrayList<>();
            for (long len : pieces) {
                sc.add(a.uniform(1, Shape.of(len), 0, 1)[0]);
                mk.add(a.full(1, Shape.of(len), 0)[0]);
            }
            scores.add(sc);
            masks.add(mk);
        }
        long keep = topkKeep(n);
        return of(new BenchCase.Info("topk-mask", "global top-k mask over " + pieces.length + " score tensors, "
                + Math.round(100 * (1 - TOPK_KEEP)) + "% pruned: 2 scoreHistogram passes + maskFromScores", n(n),
                "8·N (read scores, write mask; the kernels read the scores 3 times: 16·N)", 8 * n, null, null, k, null, 0), a, i -> {
                    List<Tensor> sc = scores.get(i), mk = masks.get(i);
                    GlobalTopK.Threshold t = GlobalTopK.threshold(sc, keep);
                    long ties = t.ties();
                    for (int j = 0; j < sc.size(); j++)
                        ties -= sc.get(j).backend().maskFromScores(sc.get(j).kernelView(), mk.get(j).kernelView(), t.value(), ties);
                    if (ties != 0) throw new IllegalStateException("topk-mask: " + ties + " ties left over");
                });
    }

    /** Minimum bytes of perSampleSquaredGemm: read a [B, M, T] and b [B, T, N], read+write acc [M, N]. */
    static long gemmBytes(BenchSettings.GemmShape g) {
        return 4L * ((long) g.b() * g.m() * g.t() + (long) g.b() * g.t() * g.n() + 2L * g.m() * g.n());
    }

    /** FLOPs of perSampleSquaredGemm: B products of 2·M·N·T, then square, scale and add each of B·M·N entries. */
    static long gemmFlops(BenchSettings.GemmShape g) {
        return 2L * g.b() * g.m() * g.n() * g.t() + 3L * g.b() * g.m() * g.n();
    }

    private static BenchCase perSampleGemm(BenchSettings s, Alloc a) {
        BenchSettings.GemmShape g = s.gemm();
        int k = buffers(s.rotate(), 4L * ((long) g.b() * g.m() * g.t() + (long) g.b() * g.t() * g.n() + (long) g.m() * g.n()));
        Tensor[] x = a.uniform(k, Shape.of(g.b(), g.m(), g.t()), -1, 1), y = a.uniform(k, Shape.of(g.b(), g.t(), g.n()), -1, 1),
                acc = a.full(k, Shape.of(g.m(), g.n()), 0);
        Backend b = x[0].backend();
        double scale = 1.0 / g.b();
        return of(new BenchCase.Info("per-sample-gemm", "acc [M, N] += Σ_b (a_b [M, T] @ b_b [T, N])² / B",
                "B=" + g.b() + " T=" + g.t() + " M=" + g.m() + " N=" + g.n(), "4·(B·M·T + B·T·N + 2·M·N)", gemmBytes(g),
                "2·B·M·N·T + 3·B·M·N", gemmFlops(g), k, null, 0), a,
                i -> b.perSampleSquaredGemm(x[i].kernelView(), y[i].kernelView(), acc[i].kernelView(), scale));
    }

    /** Minimum bytes of perSampleSquaredConvWeight: read dy [N, K, OH, OW] and x [N, C, H, W], read+write acc [K, C, kh, kw]. */
    static long convBytes(BenchSettings.ConvShape c) {
        return 4L * ((long) c.n() * c.k() * c.outH() * c.outW() + (long) c.n() * c.c() * c.h() * c.w()
                + 2L * c.k() * c.c() * c.kernel() * c.kernel());
    }

    /** FLOPs: N weight gradients of 2·K·C·kh·kw·OH·OW, then square, scale and add each of N·K·C·kh·kw entries. */
    static long convFlops(BenchSettings.ConvShape c) {
        long weights = (long) c.k() * c.c() * c.kernel() * c.kernel();
        return 2L * c.n() * weights * c.outH() * c.outW() + 3L * c.n() * weights;
    }

    private static BenchCase perSampleConv(BenchSettings s, Alloc a) {
        BenchSettings.ConvShape c = s.conv();
        long weights = (long) c.k() * c.c() * c.kernel() * c.kernel();
        int k = buffers(s.rotate(), 4L * ((long) c.n() * c.k() * c.outH() * c.outW() + (long) c.n() * c.c() * c.h() * c.w() + weights));
        Tensor[] dy = a.uniform(k, Shape.of(c.n(), c.k(), c.outH(), c.outW()), -1, 1),
                x = a.uniform(k, Shape.of(c.n(), c.c(), c.h(), c.w()), -1, 1),
                acc = a.full(k, Shape.of(c.k(), c.c(), c.kernel(), c.kernel()), 0);
        Backend b = x[0].backend();
        Conv2dGeometry geometry = new Conv2dGeometry(c.n(), c.c(), c.h(), c.w(), c.k(), c.kernel(), c.kernel(), 1, 1,
                c.pad(), c.pad(), 1, 1);
        double scale = 1.0 / c.n();
        return of(new BenchCase.Info("per-sample-conv", "acc [K, C, kh, kw] += Σ_n (dW_n)² / N, conv " + c.kernel() + "×"
                + c.kernel() + " stride 1 padding " + c.pad(), "N=" + c.n() + " C=" + c.c() + " K=" + c.k() + " " + c.h() + "×" + c.w(),
                "4·(N·K·OH·OW + N·C·H·W + 2·K·C·kh·kw)", convBytes(c), "2·N·K·C·kh·kw·OH·OW + 3·N·K·C·kh·kw", convFlops(c),
                k, null, 0), a,
                i -> b.perSampleSquaredConvWeight(dy[i].kernelView(), x[i].kernelView(), acc[i].kernelView(), geometry, scale));
    }
}
