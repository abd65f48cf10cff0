// The CUDA backend's unlearning and pruning kernels: squared accumulation, per-sample squared GEMM and conv-weight
// sums, SSD dampening, Philox Gaussian noise, and the radix-select histogram and mask of global top-k.
// Called by CudaBackend after SpiChecks has validated the arguments; queues its kernels on the context's stream.
// Not yet on the device (issue 14): every method throws CudaBackend.notYet(op), which the conformance suite's
// known-missing list (ai.lethe.testing.KnownMissing) must name.
package ai.lethe.backend.cuda;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.View;

final class CudaUnlearning {
    private final CudaContext context;

    CudaUnlearning(CudaContext context) { this.context = context; }

    void addSquared(View x, View acc, double scale) {
        throw CudaBackend.notYet("addSquared");
    }

    void perSampleSquaredGemm(View a, View b, View acc, double scale) {
        throw CudaBackend.notYet("perSampleSquaredGemm");
    }

    void perSampleSquaredConvWeight(View dy, View x, View acc, Conv2dGeometry g, double scale) {
        throw CudaBackend.notYet("perSampleSquaredConvWeight");
    }

    void ssdDampen(View theta, View importanceD, View importanceF, double alpha, double lambda) {
        throw CudaBackend.notYet("ssdDampen");
    }

    void addGaussianNoise(View theta, View std, long seed, long counter) {
        throw CudaBackend.notYet("addGaussianNoise");
    }

    void scoreHistogram(View scores, int shift, int bits, int matchShift, int matchValue, long[] counts) {
        throw CudaBackend.notYet("scoreHistogram");
    }

    long maskFromScores(View scores, View mask, float threshold, long tiesToKeep) {
        throw CudaBackend.notYet("maskFromScores");
    }
}
