// norm.cu: batch norm (training, eval, backward) over contiguous float32 x [N, C, S] and layer norm (forward,
// backward) over the last dimension of x [M, D]. CPU references: ai.lethe.backend.ref.RefNn (double) and
// native/norm.c; parity in CudaNnParityTest and the conformance suite.
//
// Statistics are two-pass (the mean first, then the mean squared deviation from it: no cancellation of E[x^2] -
// E[x]^2), each pass a block reduction in float (nn_common.cuh: per-thread serial sums, then a shuffle tree);
// per-channel and per-row scalars (1 / sqrt(var + eps), running-statistics updates) are computed in double.
// Optional operands are null pointers: weight/bias (no affine: 1 and 0), running statistics, save buffers, and
// gradients not wanted.
// Batch norm + ReLU (issue 15's fusion, Backend.batchNormRelu*): the forwards take relu = 1 to store max(y, 0) instead
// of y, and the backward takes the forward's ReLU output relu_out (or null) and uses dy * (relu_out > 0) for dy, so the
// activation costs no pass of its own in either direction.
//
// Launches: batch_norm_train_f32 and batch_norm_backward_f32: one block per channel (grid.x = C) of 32..1024 threads
// (about one per 8 of the channel's N * S elements), each walking its share of them; batch_norm_eval_f32: 1-D grid-stride over every element;
// layer_norm_onepass_f32 and layer_norm_backward_onepass_f32 (rows up to 4096: one read of each row, see below):
// blocks of 32..256 threads walking 16 or more rows each, then layer_norm_params_sum_f32 (1-D over the columns);
// for longer rows the three-pass kernels: layer_norm_f32 and layer_norm_backward_dx_f32: one block per row (grid.x =
// M), 32..256 threads; layer_norm_backward_params_f32: column sums over the M rows, blocks of 32 x 8 threads, 32
// columns a block.
#include "lethe_device.cuh"
#include "nn_common.cuh"
#include "strided.cuh"

// Element t (0 <= t < N * S) of channel ch: sample t / S, position t % S.
static __device__ __forceinline__ long long nn_norm_channel_offset(long long t, long long ch, long long c,
                                                                   long long s) {
    long long i = t / s;
    return (i * c + ch) * s + (t - i * s);
}

LETHE_KERNEL(batch_norm_train_f32, 1024,
             const float* __restrict__ x,             // [n, c, s]
             const float* __restrict__ weight,        // [c] or null
             const float* __restrict__ bias,          // [c] or null
             float* __restrict__ running_mean,        // [c] or null: updated in place
             float* __restrict__ running_var,         // [c] or null: updated in place
             float* __restrict__ out,                 // [n, c, s]
             float* __restrict__ save_mean,           // [c] or null
             float* __restrict__ save_inv_std,        // [c] or null
             long long n, long long c, long long s, double momentum, double eps, int relu) {
    __shared__ float scratch[32];
    long long ch = blockIdx.x, count = n * s;
    float sum = 0.0f;
    for (long long t = threadIdx.x; t < count; t += blockDim.x) sum += x[nn_norm_channel_offset(t, ch, c, s)];
    sum = nn_block_sum(sum, scratch);
    float mean = (float)((double)sum / (double)count);
    float ss = 0.0f;
    for (long long t = threadIdx.x; t < count; t += blockDim.x) {
        float d = x[nn_norm_channel_offset(t, ch, c, s)] - mean;
        ss += d * d;
    }
    ss = nn_block_sum(ss, scratch);
    double var = (double)ss / (double)count;
    double inv_d = 1.0 / sqrt(var + eps);
    float inv = (float)inv_d;
    if (threadIdx.x == 0) {
        if (save_mean) save_mean[ch] = mean;
        if (save_inv_std) save_inv_std[ch] = inv;
        if (running_mean) running_mean[ch] = (float)((1.0 - momentum) * running_mean[ch] + momentum * mean);
        if (running_var) {
            double unbiased = count > 1 ? (double)ss / (double)(count - 1) : var;
            running_var[ch] = (float)((1.0 - momentum) * running_var[ch] + momentum * unbiased);
        }
    }
    float scale = (weight ? weight[ch] : 1.0f) * inv, shift = bias ? bias[ch] : 0.0f;
    for (long long t = threadIdx.x; t < count; t += blockDim.x) {
        long long k = nn_norm_channel_offset(t, ch, c, s);
        float y = (x[k] - mean) * scale + shift;
        out[k] = relu && y <= 0.0f ? 0.0f : y;   // NaN stays NaN, as unary RELU
    }
}

LETHE_KERNEL(batch_norm_eval_f32, 256,
             const float* __restrict__ x,             // [n, c, s]
             const float* __restrict__ weight,        // [c] or null
             const float* __restrict__ bias,          // [c] or null
             const float* __restrict__ running_mean,  // [c]
             const float* __restrict__ running_var,   // [c]
             float* __restrict__ out,                 // [n, c, s]
             long long n, long long c, long long s, double eps, int relu) {
    long long total = n * c * s;
    float feps = (float)eps;
    for (long long t = grid_first(); t < total; t += grid_step()) {
        long long ch = (t / s) % c;
        float inv = rsqrtf(running_var[ch] + feps);   // 2 ulp on the GPU; a double division per element spills
        float scale = (weight ? weight[ch] : 1.0f) * inv, shift = bias ? bias[ch] : 0.0f;
        float y = (x[t] - running_mean[ch]) * scale + shift;
        out[t] = relu && y <= 0.0f ? 0.0f : y;
    }
}

LETHE_KERNEL(batch_norm_backward_f32, 1024,
             const float* __restrict__ dy,       // [n, c, s]
             const float* __restrict__ x,        // [n, c, s]
             const float* __restrict__ weight,   // [c] or null
             const float* __restrict__ mean,     // [c]
             const float* __restrict__ inv_std,  // [c]
             float* __restrict__ dx,             // [n, c, s] or null
             float* __restrict__ dweight,        // [c] or null
             float* __restrict__ dbias,          // [c] or null
             const float* __restrict__ relu_out, // [n, c, s] the forward's ReLU output, or null (no ReLU)
             long long n, long long c, long long s, int batch_statistics) {
    __shared__ float scratch[64];
    long long ch = blockIdx.x, count = n * s;
    float mu = mean[ch], inv = inv_std[ch];
    float sum_g = 0.0f, sum_gx = 0.0f;
    bool need_sums = dweight || dbias || (dx && batch_statistics);
    if (need_sums) {
        for (long long t = threadIdx.x; t < count; t += blockDim.x) {
            long long k = nn_norm_channel_offset(t, ch, c, s);
            float g = relu_out && !(relu_out[k] > 0.0f) ? 0.0f : dy[k];
            sum_g += g;
            sum_gx += g * ((x[k] - mu) * inv);
        }
        float2 sums = nn_block_sum2(sum_g, sum_gx, scratch);
        sum_g = sums.x;
        sum_gx = sums.y;
    }
    if (threadIdx.x == 0) {
        if (dweight) dweight[ch] = sum_gx;
        if (dbias) dbias[ch] = sum_g;
    }
    if (!dx) return;
    float w = weight ? weight[ch] : 1.0f;
    if (batch_statistics) {
        // dx = w * inv / count * (count * g - sum_g - xhat * sum_gx)
        float scale = (float)((double)w * (double)inv / (double)count);
        float fcount = (float)count;
        for (long long t = threadIdx.x; t < count; t += blockDim.x) {
            long long k = nn_norm_channel_offset(t, ch, c, s);
            float xhat = (x[k] - mu) * inv;
            float g = relu_out && !(relu_out[k] > 0.0f) ? 0.0f : dy[k];
            dx[k] = scale * (fcount * g - sum_g - xhat * sum_gx);
        }
    } else {
        float scale = w * inv;
        for (long long t = threadIdx.x; t < count; t += blockDim.x) {
            long long k = nn_norm_channel_offset(t, ch, c, s);
            dx[k] = relu_out && !(relu_out[k] > 0.0f) ? 0.0f : scale * dy[k];
        }
    }
}

LETHE_KERNEL(layer_norm_f32, 256,
             const float* __restrict__ x,         // [m, d]
             const float* __restrict__ weight,    // [d] or null
             const float* __restrict__ bias,      // [d] or null
             float* __restrict__ out,             // [m, d]
             float* __restrict__ save_mean,       // [m] or null
             float* __restrict__ save_inv_std,    // [m] or null
             int d, double eps) {
    __shared__ float scratch[32];
    long long row = blockIdx.x;
    const float* xr = x + row * d;
    float* yr = out + row * d;
    float sum = 0.0f;
    for (int j = threadIdx.x; j < d; j += blockDim.x) sum += xr[j];
    sum = nn_block_sum(sum, scratch);
    float mean = (float)((double)sum / (double)d);
    float ss = 0.0f;
    for (int j = threadIdx.x; j < d; j += blockDim.x) {
        float v = xr[j] - mean;
        ss += v * v;
    }
    ss = nn_block_sum(ss, scratch);
    float inv = (float)(1.0 / sqrt((double)ss / (double)d + eps));
    if (threadIdx.x == 0) {
        if (save_mean) save_mean[row] = mean;
        if (save_inv_std) save_inv_std[row] = inv;
    }
    for (int j = threadIdx.x; j < d; j += blockDim.x) {
        float v = (xr[j] - mean) * inv;
        if (weight) v *= weight[j];
        if (bias) v += bias[j];
        yr[j] = v;
    }
}

// dx = inv / d * (d * gw - sum(gw) - xhat * sum(gw * xhat)), gw = dy * weight.
LETHE_KERNEL(layer_norm_backward_dx_f32, 256,
             const float* __restrict__ dy,       // [m, d]
             const float* __restrict__ x,        // [m, d]
             const float* __restrict__ weight,   // [d] or null
             const float* __restrict__ mean,     // [m]
             const float* __restrict__ inv_std,  // [m]
             float* __restrict__ dx,             // [m, d]
             int d) {
    __shared__ float scratch[64];
    long long row = blockIdx.x;
    long long base = row * d;
    float mu = mean[row], inv = inv_std[row];
    float s_gw = 0.0f, s_gwx = 0.0f;
    for (int j = threadIdx.x; j < d; j += blockDim.x) {
        float gw = dy[base + j] * (weight ? weight[j] : 1.0f);
        s_gw += gw;
        s_gwx += gw * ((x[base + j] - mu) * inv);
    }
    float2 sums = nn_block_sum2(s_gw, s_gwx, scratch);
    float scale = (float)((double)inv / (double)d), fd = (float)d;
    for (int j = threadIdx.x; j < d; j += blockDim.x) {
        float gw = dy[base + j] * (weight ? weight[j] : 1.0f);
        float xhat = (x[base + j] - mu) * inv;
        dx[base + j] = scale * (fd * gw - sums.x - xhat * sums.y);
    }
}

// dweight[j] = sum over rows of dy * xhat, dbias[j] = sum of dy: block (32, 8) covers columns blockIdx.x * 32 +
// threadIdx.x; its 8 rows of threads stride over the m rows, then combine in shared memory (a fixed order: the
// same bits every run).
LETHE_KERNEL(layer_norm_backward_params_f32, 256,
             const float* __restrict__ dy,       // [m, d]
             const float* __restrict__ x,        // [m, d]
             const float* __restrict__ mean,     // [m]
             const float* __restrict__ inv_std,  // [m]
             float* __restrict__ dweight,        // [d] or null
             float* __restrict__ dbias,          // [d] or null
             long long m, int d) {
    __shared__ float part_w[8][33];
    __shared__ float part_b[8][33];
    int j = blockIdx.x * 32 + threadIdx.x;
    float sw = 0.0f, sb = 0.0f;
    if (j < d) {
        for (long long r = threadIdx.y; r < m; r += blockDim.y) {
            float g = dy[r * d + j];
            sb += g;
            sw += g * ((x[r * d + j] - mean[r]) * inv_std[r]);
        }
    }
    part_w[threadIdx.y][threadIdx.x] = sw;
    part_b[threadIdx.y][threadIdx.x] = sb;
    __syncthreads();
    if (threadIdx.y == 0 && j < d) {
        float tw = 0.0f, tb = 0.0f;
        for (int k = 0; k < 8; k++) {
            tw += part_w[k][threadIdx.x];
            tb += part_b[k][threadIdx.x];
        }
        if (dweight) dweight[j] = tw;
        if (dbias) dbias[j] = tb;
    }
}

// ---- layer norm in one pass over each row (issue 15) -----------------------------------------------------------
// The kernels above read a row three times (forward: the mean, the squared deviations, the output) or twice (dx, then
// dweight/dbias from dy and x again, with mean and inv_std re-read for every element). These read each row of x
// (and dy) ONCE: the block's threads keep their share of the row in registers (at most LN_UNITS units of V floats a
// thread: float4 units when d % 4 == 0 and every pointer is 16-byte aligned, else single floats; 256 threads cover
// d <= 4096; longer rows take the kernels above), reduce the sum, then the squared deviations from the mean (the same
// two-level numerics as the three-pass kernel: no E[x^2] - E[x]^2 cancellation) from the registers, and write.
// A block walks rows blockIdx.x, + gridDim.x, ... (CudaNn gives each block at least 16 rows), so each thread loads its
// columns' weight and bias once for all its rows; per-row scalars are read by thread 0 and passed through shared
// memory. The backward computes dx and, in the same pass, each block's partial dweight/dbias over its rows in
// registers, written to part_w/part_b [gridDim.x, d]; layer_norm_params_sum_f32 adds the partials of each column in
// block order (deterministic: no atomics).
#define LN_FLOATS 16   // floats a thread keeps of a row

template <int V>
static __device__ __forceinline__ void ln_load(float (&dst)[V], const float* p) {
    if constexpr (V == 4) {
        float4 v = ld_float4(p);
        dst[0] = v.x;
        dst[1] = v.y;
        dst[2] = v.z;
        dst[3] = v.w;
    } else {
        dst[0] = *p;
    }
}

template <int V>
static __device__ __forceinline__ void ln_store(float* p, const float (&src)[V]) {
    if constexpr (V == 4) st_float4(p, make_float4(src[0], src[1], src[2], src[3]));
    else *p = src[0];
}

template <int V>
static __device__ __forceinline__ void layer_norm_rows(const float* __restrict__ x, const float* __restrict__ weight,
                                                       const float* __restrict__ bias, float* __restrict__ out,
                                                       float* __restrict__ save_mean, float* __restrict__ save_inv_std,
                                                       long long m, int d, double eps) {
    constexpr int UNITS = LN_FLOATS / V;
    __shared__ float scratch[32];
    const int units = d / V;
    float w[UNITS][V], b[UNITS][V], v[UNITS][V];
#pragma unroll
    for (int k = 0; k < UNITS; k++) {
        int u = threadIdx.x + k * blockDim.x;
#pragma unroll
        for (int e = 0; e < V; e++) w[k][e] = 1.0f, b[k][e] = 0.0f;
        if (u < units) {
            if (weight) ln_load<V>(w[k], weight + V * u);
            if (bias) ln_load<V>(b[k], bias + V * u);
        }
    }
    for (long long row = blockIdx.x; row < m; row += gridDim.x) {
        const float* xr = x + row * d;
        float sum = 0.0f;
#pragma unroll
        for (int k = 0; k < UNITS; k++) {
            int u = threadIdx.x + k * blockDim.x;
            if (u < units) {
                ln_load<V>(v[k], xr + V * u);
#pragma unroll
                for (int e = 0; e < V; e++) sum += v[k][e];
            }
        }
        sum = nn_block_sum(sum, scratch);
        float mean = (float)((double)sum / (double)d);
        float ss = 0.0f;
#pragma unroll
        for (int k = 0; k < UNITS; k++)
            if (threadIdx.x + k * blockDim.x < units) {
#pragma unroll
                for (int e = 0; e < V; e++) {
                    float t = v[k][e] - mean;
                    ss += t * t;
                }
            }
        ss = nn_block_sum(ss, scratch);
        float inv = (float)(1.0 / sqrt((double)ss / (double)d + eps));
        if (threadIdx.x == 0) {
            if (save_mean) save_mean[row] = mean;
            if (save_inv_std) save_inv_std[row] = inv;
        }
        float* yr = out + row * d;
#pragma unroll
        for (int k = 0; k < UNITS; k++) {
            int u = threadIdx.x + k * blockDim.x;
            if (u < units) {
                float y[V];
#pragma unroll
                for (int e = 0; e < V; e++) {
                    float t = (v[k][e] - mean) * inv;
                    if (weight) t *= w[k][e];
                    if (bias) t += b[k][e];
                    y[e] = t;
                }
                ln_store<V>(yr + V * u, y);
            }
        }
    }
}

static __device__ __forceinline__ bool ln_aligned16(const void* p) {
    return (reinterpret_cast<unsigned long long>(p) & 15ull) == 0;
}

// y = (x - mean) * inv_std * weight + bias per row, one read of x; blocks of 32..256 threads (a multiple of 32) with
// blockDim.x * LN_FLOATS >= d.
LETHE_KERNEL(layer_norm_onepass_f32, 256,
             const float* __restrict__ x,         // [m, d]
             const float* __restrict__ weight,    // [d] or null
             const float* __restrict__ bias,      // [d] or null
             float* __restrict__ out,             // [m, d]
             float* __restrict__ save_mean,       // [m] or null
             float* __restrict__ save_inv_std,    // [m] or null
             long long m, int d, double eps) {
    if (d % 4 == 0 && ln_aligned16(x) && ln_aligned16(out) && (!weight || ln_aligned16(weight)) && (!bias || ln_aligned16(bias)))
        layer_norm_rows<4>(x, weight, bias, out, save_mean, save_inv_std, m, d, eps);
    else
        layer_norm_rows<1>(x, weight, bias, out, save_mean, save_inv_std, m, d, eps);
}

template <int V>
static __device__ __forceinline__ void layer_norm_backward_rows(const float* __restrict__ dy, const float* __restrict__ x,
                                                                const float* __restrict__ weight,
                                                                const float* __restrict__ mean,
                                                                const float* __restrict__ inv_std, float* __restrict__ dx,
                                                                float* __restrict__ part_w, float* __restrict__ part_b,
                                                                long long m, int d) {
    constexpr int UNITS = LN_FLOATS / V;
    __shared__ float scratch[64];
    __shared__ float stats[2];
    const int units = d / V;
    const bool params = part_w != nullptr;
    float w[UNITS][V], pw[UNITS][V], pb[UNITS][V];
#pragma unroll
    for (int k = 0; k < UNITS; k++) {
        int u = threadIdx.x + k * blockDim.x;
#pragma unroll
        for (int e = 0; e < V; e++) w[k][e] = 1.0f, pw[k][e] = 0.0f, pb[k][e] = 0.0f;
        if (u < units && weight) ln_load<V>(w[k], weight + V * u);
    }
    for (long long row = blockIdx.x; row < m; row += gridDim.x) {
        if (threadIdx.x == 0) {
            stats[0] = mean[row];
            stats[1] = inv_std[row];
        }
        __syncthreads();
        const float mu = stats[0], inv = stats[1];
        const long long base = row * d;
        float g[UNITS][V], xh[UNITS][V];
        float s_gw = 0.0f, s_gwx = 0.0f;
#pragma unroll
        for (int k = 0; k < UNITS; k++) {
            int u = threadIdx.x + k * blockDim.x;
            if (u < units) {
                float xv[V];
                ln_load<V>(g[k], dy + base + V * u);
                ln_load<V>(xv, x + base + V * u);
#pragma unroll
                for (int e = 0; e < V; e++) {
                    float h = (xv[e] - mu) * inv;
                    xh[k][e] = h;
                    if (params) {
                        pw[k][e] += g[k][e] * h;
                        pb[k][e] += g[k][e];
                    }
                    float gw = g[k][e] * w[k][e];
                    g[k][e] = gw;
                    s_gw += gw;
                    s_gwx += gw * h;
                }
            }
        }
        float2 sums = nn_block_sum2(s_gw, s_gwx, scratch);   // its barriers also order stats' reuse
        if (!dx) continue;
        float scale = (float)((double)inv / (double)d), fd = (float)d;
#pragma unroll
        for (int k = 0; k < UNITS; k++) {
            int u = threadIdx.x + k * blockDim.x;
            if (u < units) {
                float o[V];
#pragma unroll
                for (int e = 0; e < V; e++) o[e] = scale * (fd * g[k][e] - sums.x - xh[k][e] * sums.y);
                ln_store<V>(dx + base + V * u, o);
            }
        }
    }
    if (!params) return;
#pragma unroll
    for (int k = 0; k < UNITS; k++) {
        int u = threadIdx.x + k * blockDim.x;
        if (u < units) {
            ln_store<V>(part_w + (long long)blockIdx.x * d + V * u, pw[k]);
            ln_store<V>(part_b + (long long)blockIdx.x * d + V * u, pb[k]);
        }
    }
}

// dx = inv / d * (d * gw - sum(gw) - xhat * sum(gw * xhat)), gw = dy * weight, one read of dy and x; with part_w
// and part_b given also this block's dweight/dbias partials (sums of dy * xhat and dy over its rows). Blocks as
// layer_norm_onepass_f32.
LETHE_KERNEL(layer_norm_backward_onepass_f32, 256,
             const float* __restrict__ dy,       // [m, d]
             const float* __restrict__ x,        // [m, d]
             const float* __restrict__ weight,   // [d] or null
             const float* __restrict__ mean,     // [m]
             const float* __restrict__ inv_std,  // [m]
             float* __restrict__ dx,             // [m, d] or null (only the parameter gradients wanted)
             float* __restrict__ part_w,         // [gridDim.x, d] or null (no parameter gradients wanted)
             float* __restrict__ part_b,         // [gridDim.x, d] or null (exactly when part_w is)
             long long m, int d) {
    if (d % 4 == 0 && ln_aligned16(dy) && ln_aligned16(x) && (!dx || ln_aligned16(dx)) && (!weight || ln_aligned16(weight))
        && (!part_w || (ln_aligned16(part_w) && ln_aligned16(part_b))))
        layer_norm_backward_rows<4>(dy, x, weight, mean, inv_std, dx, part_w, part_b, m, d);
    else
        layer_norm_backward_rows<1>(dy, x, weight, mean, inv_std, dx, part_w, part_b, m, d);
}

// dweight[j] = sum over blocks b of part_w[b, j], dbias likewise, in block order; 1-D grid-stride over the columns.
LETHE_KERNEL(layer_norm_params_sum_f32, 256,
             const float* __restrict__ part_w,  // [parts, d]
             const float* __restrict__ part_b,  // [parts, d]
             float* __restrict__ dweight,       // [d] or null
             float* __restrict__ dbias,         // [d] or null
             long long parts, long long d) {
    for (long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x; j < d; j += (long long)gridDim.x * blockDim.x) {
        float sw = 0.0f, sb = 0.0f;
        for (long long p = 0; p < parts; p++) {
            if (dweight) sw += part_w[p * d + j];
            if (dbias) sb += part_b[p * d + j];
        }
        if (dweight) dweight[j] = sw;
        if (dbias) dbias[j] = sb;
    }
}
