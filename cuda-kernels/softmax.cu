// softmax.cu: softmax and log-softmax along the middle dimension of a contiguous float32 tensor [outer, D, inner],
// and their gradients. CPU references: ai.lethe.backend.ref.RefNn (double) and native/softmax.c; parity in
// CudaNnParityTest and the conformance suite.
//
// Two layouts, two launches each:
//   *_rows  (inner == 1): one block per row (grid.x = outer, up to 2^31 - 1 rows), 32..256 threads; the row's max
//           and sum are block reductions (nn_common.cuh) in float.
//   *_cols  (inner > 1): one thread per column (a, b) (1-D grid-stride over outer * inner); the D values of a column
//           are inner apart, so neighbouring threads read neighbouring addresses. The sums are serial in float.
// softmax: y = exp(x - max) / sum exp(x - max); log: y = x - max - log(sum). A NaN anywhere in a row makes the row's
// max NaN and every output of the row NaN (as Math.max in the ref backend does).
// backward: dx = y * (dy - sum(dy * y)) ; log: dx = dy - exp(y) * sum(dy).
#include "lethe_device.cuh"
#include "nn_common.cuh"
#include "strided.cuh"

LETHE_KERNEL(softmax_rows_f32, 256,
             const float* __restrict__ x,  // [rows, d]
             float* __restrict__ y,        // [rows, d]
             int d, int log_softmax) {
    __shared__ float scratch[32];
    const float* xr = x + (long long)blockIdx.x * d;
    float* yr = y + (long long)blockIdx.x * d;
    float m = -INFINITY;
    for (int j = threadIdx.x; j < d; j += blockDim.x) m = nn_max(m, xr[j]);
    m = nn_block_max(m, scratch);
    float s = 0.0f;
    for (int j = threadIdx.x; j < d; j += blockDim.x) s += expf(xr[j] - m);
    s = nn_block_sum(s, scratch);
    if (log_softmax) {
        float lse = logf(s);
        for (int j = threadIdx.x; j < d; j += blockDim.x) yr[j] = xr[j] - m - lse;
    } else {
        float inv = 1.0f / s;
        for (int j = threadIdx.x; j < d; j += blockDim.x) yr[j] = expf(xr[j] - m) * inv;
    }
}

LETHE_KERNEL(softmax_cols_f32, 256,
             const float* __restrict__ x,  // [outer, d, inner]
             float* __restrict__ y,        // [outer, d, inner]
             long long outer, int d, long long inner, int log_softmax) {
    long long columns = outer * inner;
    for (long long col = grid_first(); col < columns; col += grid_step()) {
        long long a = col / inner, b = col - a * inner;
        const float* xc = x + a * d * inner + b;
        float* yc = y + a * d * inner + b;
        float m = -INFINITY;
        for (int j = 0; j < d; j++) m = nn_max(m, xc[j * inner]);
        float s = 0.0f;
        for (int j = 0; j < d; j++) s += expf(xc[j * inner] - m);
        if (log_softmax) {
            float lse = logf(s);
            for (int j = 0; j < d; j++) yc[j * inner] = xc[j * inner] - m - lse;
        } else {
            float inv = 1.0f / s;
            for (int j = 0; j < d; j++) yc[j * inner] = expf(xc[j * inner] - m) * inv;
        }
    }
}

LETHE_KERNEL(softmax_backward_rows_f32, 256,
             const float* __restrict__ y,   // [rows, d]
             const float* __restrict__ dy,  // [rows, d]
             float* __restrict__ dx,        // [rows, d]
             int d, int log_softmax) {
    __shared__ float scratch[32];
    long long base = (long long)blockIdx.x * d;
    float dot = 0.0f;
    for (int j = threadIdx.x; j < d; j += blockDim.x) dot += log_softmax ? dy[base + j] : dy[base + j] * y[base + j];
    dot = nn_block_sum(dot, scratch);
    for (int j = threadIdx.x; j < d; j += blockDim.x) {
        float g = dy[base + j], v = y[base + j];
        dx[base + j] = log_softmax ? g - expf(v) * dot : v * (g - dot);
    }
}

LETHE_KERNEL(softmax_backward_cols_f32, 256,
             const float* __restrict__ y,   // [outer, d, inner]
             const float* __restrict__ dy,  // [outer, d, inner]
             float* __restrict__ dx,        // [outer, d, inner]
             long long outer, int d, long long inner, int log_softmax) {
    long long columns = outer * inner;
    for (long long col = grid_first(); col < columns; col += grid_step()) {
        long long a = col / inner, b = col - a * inner;
        long long base = a * d * inner + b;
        float dot = 0.0f;
        for (int j = 0; j < d; j++) {
            long long k = base + j * inner;
            dot += log_softmax ? dy[k] : dy[k] * y[k];
        }
        for (int j = 0; j < d; j++) {
            long long k = base + j * inner;
            dx[k] = log_softmax ? dy[k] - expf(y[k]) * dot : y[k] * (dy[k] - dot);
        }
    }
}
