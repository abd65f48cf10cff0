// The accumulations behind the per-sample rules, on tensors under no-grad:
//   sumOfSquares     acc += scale · Σ_n x_n²            (x [N, ...], acc [...])
//   addProduct       acc += scale · a @ b               (Linear without tokens: (g∘g)ᵀ(x∘x))
//   perSampleSquaredGemm        acc [M, K] += scale · Σ_n (a_n @ b_n)²
//   perSampleSquaredConvWeight  acc [K, C, kh, kw] += scale · Σ_n (dW_n)²
package ai.lethe.fisher;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.tensor.Shape;
import ai.lethe.tensor.Tensor;

final class SquareSums {
    private SquareSums() {}

    /** acc += scale · Σ over dimension {@code batchDim} of x². */
    static void addSquared(Tensor x, Tensor acc, double scale, int batchDim) {
        acc.addInPlace(x.square().sum(batchDim), scale);
    }

    static void addProduct(Tensor a, Tensor b, Tensor acc, double scale) {
        acc.addInPlace(a.matmul(b), scale);
    }

    static void perSampleSquaredGemm(Tensor a, Tensor b, Tensor acc, double scale) {
        long n = a.shape().dim(0);
        for (long i = 0; i < n; i++) acc.addInPlace(a.select(0, i).matmul(b.select(0, i)).square(), scale);
    }

    static void perSampleSquaredConvWeight(Tensor dy, Tensor x, Tensor acc, Conv2dGeometry g, double scale) {
        Tensor dyc = dy.contiguous(), xc = x.contiguous();
        for (long i = 0; i < g.n(); i++) {
            Conv2dGeometry one = new Conv2dGeometry(1, g.c(), g.h(), g.w(), g.k(), g.kh(), g.kw(), g.strideH(), g.strideW(),
                    g.padH(), g.padW(), g.dilationH(), g.dilationW());
            Tensor dw = Tensor.empty(acc.shape(), acc.dtype(), acc.device());
            Tensor dyi = dyc.narrow(0, i, 1).contiguous(), xi = xc.narrow(0, i, 1).contiguous();
            acc.backend().conv2dBackwardWeight(dyi.kernelView(), xi.kernelView(), dw.kernelView(), one);
            acc.addInPlace(dw.square(), scale);
        }
    }
}
