// linalg.cu: what the CUDA backend's matmul needs besides the runtime's GEMM (cuBLAS on a GPU, OpenBLAS in the
// emulator; see ai.lethe.backend.cuda.CudaLinalg): the empty product (k = 0), where out = beta * out.
//
// Launch: 1-D grid of 256-thread blocks, grid-stride loops (any n).
#include "lethe_device.cuh"
#include "strided.cuh"

// out[i] *= beta for i < n (beta != 0: the backend fills with 0 for beta == 0, so NaN in out does not survive).
LETHE_KERNEL(matmul_scale_f32, 256,
             float* out,  // [n] contiguous
             float beta, long long n) {
    for (long long i = grid_first(); i < n; i += grid_step()) out[i] *= beta;
}
