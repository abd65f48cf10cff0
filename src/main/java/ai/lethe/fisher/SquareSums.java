// The accumulations behind the per-sample rules, on tensors under no-grad. The two per-sample GEMM forms call
// the fused kernels of ai.lethe.kernels.Squares (backend perSampleSquaredGemm / perSampleSquaredConvWeight);
// the small reductions (biases, norm affine, tokens) stay tensor ops:
//   sumOfSquares     acc += scale · Σ_n x_n²            (x [N, ...], acc [...])
//   addProduct       acc += scale · a @ b               (Linear without tokens: (g∘g)ᵀ(x∘x))
//   perSampleSquaredGemm        acc [M, K] += scale · Σ_n (a_n @ b_n)²
//   perSampleSquaredConvWeight  acc [K, C, kh, kw] += scale · Σ_n (dW_n)²
package ai.lethe.fisher;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.core.Shape;
import ai.lethe.kernels.Squares;
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

    /** acc [M, K] += scale · Σ_n (a_n @ b_n)², fused: each sample's product is squared as it is computed. */
    static void perSampleSquaredGemm(Tensor a, Tensor b, Tensor acc, double scale) {
        Squares.perSampleSquaredGemm(a, b, acc, scale);
    }

    /** acc [K, C, kh, kw] += scale · Σ_n (dW_n)², fused: never one weight gradient per sample in memory. */
    static void perSampleSquaredConvWeight(Tensor dy, Tensor x, Tensor acc, Conv2dGeometry g, double scale) {
        Squares.perSampleSquaredConvWeight(dy, x, acc, new int[] {(int) g.strideH(), (int) g.strideW()}, new int[] {(int) g.padH(), (int) g.padW()},
                new int[] {(int) g.dilationH(), (int) g.dilationW()}, scale);
    }
}
