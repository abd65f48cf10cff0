// The CUDA backend's matmul (cuBLAS strided-batched on a GPU, the runtime's GEMM in the emulator) and the indexing ops,
// whose out-of-range indices set a device-side error flag reported at the next synchronisation.
// Called by CudaBackend after SpiChecks has validated the arguments; queues its kernels on the context's stream.
// Not yet on the device (issue 14): every method throws CudaBackend.notYet(op), which the conformance suite's
// known-missing list (ai.lethe.testing.KnownMissing) must name.
package ai.lethe.backend.cuda;

import ai.lethe.backend.View;

final class CudaLinalg {
    private final CudaContext context;

    CudaLinalg(CudaContext context) { this.context = context; }

    void matmul(View a, View b, View out, double alpha, double beta) {
        throw CudaBackend.notYet("matmul");
    }

    void indexSelect(View x, int axis, View index, View out) {
        throw CudaBackend.notYet("indexSelect");
    }

    void indexAdd(View src, int axis, View index, View out) {
        throw CudaBackend.notYet("indexAdd");
    }

    void gather(View x, int axis, View index, View out) {
        throw CudaBackend.notYet("gather");
    }

    void scatterAdd(View src, int axis, View index, View out) {
        throw CudaBackend.notYet("scatterAdd");
    }
}
