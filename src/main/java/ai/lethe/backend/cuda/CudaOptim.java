// The CUDA backend's fused, masked optimizer steps (SGD with momentum, weight decay and l1; Adam/AdamW).
// Called by CudaBackend after SpiChecks has validated the arguments; queues its kernels on the context's stream.
// Not yet on the device (issue 14): every method throws CudaBackend.notYet(op), which the conformance suite's
// known-missing list (ai.lethe.testing.KnownMissing) must name.
package ai.lethe.backend.cuda;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.View;

final class CudaOptim {
    private final CudaContext context;

    CudaOptim(CudaContext context) { this.context = context; }

    void sgdStep(View param, View grad, View momentumBuffer, View mask, SgdParams p) {
        throw CudaBackend.notYet("sgdStep");
    }

    void adamStep(View param, View grad, View expAvg, View expAvgSq, View mask, AdamParams p) {
        throw CudaBackend.notYet("adamStep");
    }
}
