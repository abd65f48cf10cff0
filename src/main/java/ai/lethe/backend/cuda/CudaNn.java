// The CUDA backend's convolutions (forward and both backwards), batch and layer norm, softmax and pooling.
// Called by CudaBackend after SpiChecks has validated the arguments; queues its kernels on the context's stream.
// Not yet on the device (issue 14): every method throws CudaBackend.notYet(op), which the conformance suite's
// known-missing list (ai.lethe.testing.KnownMissing) must name.
package ai.lethe.backend.cuda;

import ai.lethe.backend.Conv2dGeometry;
import ai.lethe.backend.Pool2dGeometry;
import ai.lethe.backend.View;

final class CudaNn {
    private final CudaContext context;

    CudaNn(CudaContext context) { this.context = context; }

    void conv2d(View x, View w, View bias, View out, Conv2dGeometry g) {
        throw CudaBackend.notYet("conv2d");
    }

    void conv2dBackwardInput(View dy, View w, View dx, Conv2dGeometry g) {
        throw CudaBackend.notYet("conv2dBackwardInput");
    }

    void conv2dBackwardWeight(View dy, View x, View dw, Conv2dGeometry g) {
        throw CudaBackend.notYet("conv2dBackwardWeight");
    }

    void batchNormTrain(View x, View weight, View bias, View runningMean, View runningVar, View out, View saveMean, View saveInvStd, double momentum, double eps) {
        throw CudaBackend.notYet("batchNormTrain");
    }

    void batchNormEval(View x, View weight, View bias, View runningMean, View runningVar, View out, double eps) {
        throw CudaBackend.notYet("batchNormEval");
    }

    void batchNormBackward(View dy, View x, View weight, View mean, View invStd, View dx, View dweight, View dbias, boolean batchStatistics) {
        throw CudaBackend.notYet("batchNormBackward");
    }

    void layerNorm(View x, View weight, View bias, View out, View saveMean, View saveInvStd, double eps) {
        throw CudaBackend.notYet("layerNorm");
    }

    void layerNormBackward(View dy, View x, View weight, View saveMean, View saveInvStd, View dx, View dweight, View dbias) {
        throw CudaBackend.notYet("layerNormBackward");
    }

    void softmax(View x, View out, boolean log) {
        throw CudaBackend.notYet("softmax");
    }

    void softmaxBackward(View y, View dy, View dx, boolean log) {
        throw CudaBackend.notYet("softmaxBackward");
    }

    void maxPool2d(View x, View out, View indices, Pool2dGeometry g) {
        throw CudaBackend.notYet("maxPool2d");
    }

    void maxPool2dBackward(View dy, View indices, View dx, Pool2dGeometry g) {
        throw CudaBackend.notYet("maxPool2dBackward");
    }

    void avgPool2d(View x, View out, Pool2dGeometry g) {
        throw CudaBackend.notYet("avgPool2d");
    }

    void avgPool2dBackward(View dy, View dx, Pool2dGeometry g) {
        throw CudaBackend.notYet("avgPool2dBackward");
    }

    void adaptiveAvgPool2d(View x, View out) {
        throw CudaBackend.notYet("adaptiveAvgPool2d");
    }

    void adaptiveAvgPool2dBackward(View dy, View dx) {
        throw CudaBackend.notYet("adaptiveAvgPool2dBackward");
    }
}
