// unlearn.cu: the unlearning and pruning kernels of the Backend SPI, float32:
//   add_squared_f32 / add_squared_strided   acc += scale x² (in double, rounded once)
//   per_sample_squared_gemm                 acc [M, N] += scale Σ_b (a_b [M, T] @ b_b [T, N])², strided operands
//   per_sample_squared_conv_weight          acc [K, C·kh·kw] += scale Σ_n (dW_n)², implicit im2col
//   ssd_dampen_f32                          θ *= (iF > α iD) ? min(λ iD / iF, 1) : 1, one pass
//   add_gaussian_noise_f32                  θ += std · z, z the Philox NORMAL(0, 1) stream (philox.cuh)
//   score_histogram_f32                     one radix-select pass over the scores' float keys
//   mask_strict_f32, mask_tie_scan, mask_ties_f32   the top-k mask: strict part, ties kept in index order
// Semantics exactly as the ref backend (ai.lethe.backend.ref.RefUnlearning) and native/persample.c, unlearn.c and
// rng.c (CudaUnlearningParityTest compares with both). The histogram's and the mask passes' per-score and per-chunk
// bodies are score_select.cuh's, shared with topk.cu's multi-tensor kernels.
//
// The per-sample sums never materialise one gradient per sample: a block owns a 16 x 16 tile of the output and one
// group of consecutive samples (blockIdx.y of gridDim.y groups), walks its samples in order, forms each sample's
// product tile from 16 x 16 operand tiles staged in shared memory (float, fmaf), squares it in double and adds it
// to a per-thread double sum. With one group, acc is written at the end; with several (small outputs, many
// samples: more blocks to fill the device), each group's sums go to partial [groups, rows, cols] (double) and
// per_sample_reduce_groups adds them to acc in group order. The group count depends on the shapes only, so every
// output element is summed in the same order on every run: the same bits.
//
// Launches (see ai.lethe.backend.cuda.CudaUnlearning): elementwise kernels 1-D grid-stride with 256 threads;
// per-sample kernels one block of 16 x 16 threads per 16 x 16 output tile and sample group (grid.x = ceil(rows /
// 16) * ceil(cols / 16) tiles, row-major; grid.y = the sample groups), per_sample_reduce_groups 1-D grid-stride; histogram 1-D grid-stride with
// 256 threads and bins * 4 bytes of dynamic shared memory when use_shared; the mask kernels one block of 256
// threads per chunk of `chunk` scores (a multiple of 256), and mask_tie_scan one block of 256 threads.
#include "lethe_device.cuh"
#include "score_select.cuh"
#include "philox.cuh"
#include "strided.cuh"

#define LETHE_PS_TILE 16

static __device__ __forceinline__ bool unlearn_aligned16(const void* p) {
    return (reinterpret_cast<unsigned long long>(p) & 15ull) == 0;
}

static __device__ __forceinline__ bool unlearn_aligned8(const void* p) {
    return (reinterpret_cast<unsigned long long>(p) & 7ull) == 0;
}

// ---- acc += scale x² -------------------------------------------------------------------------------------------

static __device__ __forceinline__ float add_squared_one(float acc, float x, double scale) {
    double v = x;
    return (float)((double)acc + scale * (v * v));
}

// acc[i] += scale x[i]², contiguous; acc does not overlap x.
LETHE_KERNEL(add_squared_f32, 256,
             const float* __restrict__ x,  // [n]
             float* __restrict__ acc,      // [n]
             long long n, double scale) {
    long long first = grid_first(), stride = grid_step(), done = 0;
    if (unlearn_aligned16(x) && unlearn_aligned16(acc)) {
        long long groups = n / 4;
        for (long long q = first; q < groups; q += stride) {
            float4 v = ld_float4(x + 4 * q), a = ld_float4(acc + 4 * q);
            st_float4(acc + 4 * q, make_float4(add_squared_one(a.x, v.x, scale), add_squared_one(a.y, v.y, scale),
                                               add_squared_one(a.z, v.z, scale), add_squared_one(a.w, v.w, scale)));
        }
        done = groups * 4;
    }
    for (long long i = done + first; i < n; i += stride) acc[i] = add_squared_one(acc[i], x[i], scale);
}

// acc[acc_view[i]] += scale x[x_view[i]]² over n elements (views coalesced together); acc does not overlap x.
LETHE_KERNEL(add_squared_strided, 256,
             const float* __restrict__ x,  // [x_view]
             StridedView x_view,
             float* __restrict__ acc,      // [acc_view]
             StridedView acc_view, long long n, double scale) {
    for (long long i = grid_first(); i < n; i += grid_step()) {
        long long a = strided_offset(acc_view, i);
        acc[a] = add_squared_one(acc[a], x[strided_offset(x_view, i)], scale);
    }
}

// ---- per-sample squared products ---------------------------------------------------------------------------------

// The shared tile loop: for every sample s, P_s = A_s [rows, inner] @ B_s [inner, cols], and
// acc[row, col] (contiguous [rows, cols]) += scale Σ_s P_s[row, col]². load_a(s, r, q) and load_b(s, q, c) return
// an operand element (callers guarantee the indices are in range).
// Block (x, y) takes output tile x and sample group y of gridDim.y; with one group it adds scale * its sums to acc,
// with several it writes its sums to partial [gridDim.y, rows, cols].
template <class LoadA, class LoadB>
static __device__ __forceinline__ void per_sample_squared_tiles(long long samples, long long rows, long long cols,
                                                                long long inner, const LoadA& load_a,
                                                                const LoadB& load_b, float* acc, double* partial,
                                                                double scale, float (*as)[LETHE_PS_TILE + 1],
                                                                float (*bs)[LETHE_PS_TILE + 1]) {
    const int tx = threadIdx.x, ty = threadIdx.y;
    const long long groups = gridDim.y, group = blockIdx.y;
    const long long s_begin = samples * group / groups, s_end = samples * (group + 1) / groups;
    const long long col_tiles = (cols + LETHE_PS_TILE - 1) / LETHE_PS_TILE;
    const long long row0 = (long long)blockIdx.x / col_tiles * LETHE_PS_TILE, col0 = (long long)blockIdx.x % col_tiles * LETHE_PS_TILE;
    const long long row = row0 + ty, col = col0 + tx;
    double sum = 0;
    for (long long s = s_begin; s < s_end; s++) {
        float dot = 0.0f;
        for (long long q0 = 0; q0 < inner; q0 += LETHE_PS_TILE) {
            long long qa = q0 + tx, qb = q0 + ty;
            as[ty][tx] = row < rows && qa < inner ? load_a(s, row, qa) : 0.0f;
            bs[ty][tx] = qb < inner && col < cols ? load_b(s, qb, col) : 0.0f;
            __syncthreads();
#pragma unroll
            for (int k = 0; k < LETHE_PS_TILE; k++) dot = fmaf(as[ty][k], bs[k][tx], dot);
            __syncthreads();
        }
        sum += (double)dot * (double)dot;
    }
    if (row < rows && col < cols) {
        if (groups == 1) {
            float* out = acc + row * cols + col;
            *out = (float)((double)*out + scale * sum);
        } else {
            partial[(group * rows + row) * cols + col] = sum;
        }
    }
}

// acc[i] += scale * Σ_g partial[g, i], summed in group order in double and rounded once.
LETHE_KERNEL(per_sample_reduce_groups, 256,
             const double* __restrict__ partial,  // [groups, cells]
             long long groups,
             float* __restrict__ acc,             // [cells]
             long long cells, double scale) {
    for (long long i = grid_first(); i < cells; i += grid_step()) {
        double sum = 0;
        for (long long g = 0; g < groups; g++) sum += partial[g * cells + i];
        acc[i] = (float)((double)acc[i] + scale * sum);
    }
}

struct PsOperand {
    const float* base;
    long long offset, batch_stride, row_stride, col_stride;
};

struct PsLoadStrided {
    PsOperand o;
    __device__ __forceinline__ float operator()(long long s, long long r, long long c) const {
        return o.base[o.offset + s * o.batch_stride + r * o.row_stride + c * o.col_stride];
    }
};

// acc [m, n] (contiguous) += scale Σ_s (a_s @ b_s)², a_s [m, t] at a + a_offset + s a_sb + i a_sm + q a_st, b_s [t, n]
// at b + b_offset + s b_sb + q b_st + j b_sn (any strides: transposed, padded, sliced, broadcast with stride 0).
LETHE_KERNEL(per_sample_squared_gemm, 256,
             const float* __restrict__ a,  // [samples, m, t] with the strides given
             long long a_offset, long long a_sb, long long a_sm, long long a_st,
             const float* __restrict__ b,  // [samples, t, n] with the strides given
             long long b_offset, long long b_sb, long long b_st, long long b_sn,
             float* __restrict__ acc,      // [m, n]
             double* __restrict__ partial,  // [gridDim.y, m, n] when gridDim.y > 1 (else unused, may be null)
             long long samples, long long m, long long n, long long t, double scale) {
    __shared__ float as[LETHE_PS_TILE][LETHE_PS_TILE + 1];
    __shared__ float bs[LETHE_PS_TILE][LETHE_PS_TILE + 1];
    const PsLoadStrided la{{a, a_offset, a_sb, a_sm, a_st}}, lb{{b, b_offset, b_sb, b_st, b_sn}};
    per_sample_squared_tiles(samples, m, n, t, la, lb, acc, partial, scale, as, bs);
}

// Convolution geometry (keep in step with ai.lethe.backend.cuda.CudaUnlearning.geometry): 15 long longs.
struct PsConvGeometry {
    long long n, c, h, w, k, kh, kw, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, out_h, out_w;
};

// dy_s as a [K, P] matrix (P = out_h out_w).
struct PsLoadDy {
    const float* dy;
    long long k, p;
    __device__ __forceinline__ float operator()(long long s, long long r, long long q) const { return dy[(s * k + r) * p + q]; }
};

// col(x_s)^T as a [P, C kh kw] matrix: element (p, (c, i, j)) = x_s[c, y sh - ph + i dh, z sw - pw + j dw] (p = y
// out_w + z), 0 in the padding.
struct PsLoadColumns {
    const float* x;
    PsConvGeometry g;
    __device__ __forceinline__ float operator()(long long s, long long p, long long q) const {
        long long y = p / g.out_w, z = p - y * g.out_w;
        long long j = q % g.kw, rest = q / g.kw, i = rest % g.kh, c = rest / g.kh;
        long long ih = y * g.stride_h - g.pad_h + i * g.dilation_h, iw = z * g.stride_w - g.pad_w + j * g.dilation_w;
        if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) return 0.0f;
        return x[((s * g.c + c) * g.h + ih) * g.w + iw];
    }
};

// acc [K, C, kh, kw] (contiguous) += scale Σ_s (dW_s)², dW_s = dy_s [K, P] @ col(x_s)^T [P, C kh kw].
LETHE_KERNEL(per_sample_squared_conv_weight, 256,
             const float* __restrict__ dy,  // [n, k, out_h, out_w]
             const float* __restrict__ x,   // [n, c, h, w]
             float* __restrict__ acc,       // [k, c, kh, kw]
             double* __restrict__ partial,  // [gridDim.y, k, c kh kw] when gridDim.y > 1 (else unused, may be null)
             PsConvGeometry g, double scale) {
    __shared__ float as[LETHE_PS_TILE][LETHE_PS_TILE + 1];
    __shared__ float bs[LETHE_PS_TILE][LETHE_PS_TILE + 1];
    const long long p = g.out_h * g.out_w;
    const PsLoadDy la{dy, g.k, p};
    const PsLoadColumns lb{x, g};
    per_sample_squared_tiles(g.n, g.k, g.c * g.kh * g.kw, p, la, lb, acc, partial, scale, as, bs);
}

// ---- SSD -------------------------------------------------------------------------------------------------------

// The dampened parameter, in double and rounded once: a NaN importance selects nothing, a NaN ratio counts as 1.
static __device__ __forceinline__ float ssd_one(float theta, float imp_d, float imp_f, double alpha, double lambda) {
    const double d = imp_d, f = imp_f;
    const double ratio = lambda * d / f;
    const double factor = f > alpha * d ? (ratio < 1 ? ratio : 1.0) : 1.0;
    return (float)((double)theta * factor);
}

// theta[i] *= (iF > alpha iD) ? min(lambda iD / iF, 1) : 1.
LETHE_KERNEL(ssd_dampen_f32, 256,
             float* __restrict__ theta,        // [n]
             const float* __restrict__ imp_d,  // [n]
             const float* __restrict__ imp_f,  // [n]
             long long n, double alpha, double lambda) {
    long long first = grid_first(), stride = grid_step(), done = 0;
    if (unlearn_aligned16(theta) && unlearn_aligned16(imp_d) && unlearn_aligned16(imp_f)) {
        long long groups = n / 4;
        for (long long q = first; q < groups; q += stride) {
            float4 w = ld_float4(theta + 4 * q), d = ld_float4(imp_d + 4 * q), f = ld_float4(imp_f + 4 * q);
            st_float4(theta + 4 * q, make_float4(ssd_one(w.x, d.x, f.x, alpha, lambda), ssd_one(w.y, d.y, f.y, alpha, lambda),
                                                 ssd_one(w.z, d.z, f.z, alpha, lambda), ssd_one(w.w, d.w, f.w, alpha, lambda)));
        }
        done = groups * 4;
    }
    for (long long i = done + first; i < n; i += stride) theta[i] = ssd_one(theta[i], imp_d[i], imp_f[i], alpha, lambda);
}

// ---- Gaussian noise --------------------------------------------------------------------------------------------

// theta + std z, z = (float) NORMAL(0, 1) as random() stores it; the sum in double, rounded once.
static __device__ __forceinline__ float noise_one(float theta, float std, unsigned int w0, unsigned int w1) {
    float z = lethe_d2f_rn(lethe_dadd_rn(0.0, lethe_dmul_rn(1.0, philox_normal(w0, w1))));
    return (float)lethe_dadd_rn((double)theta, lethe_dmul_rn((double)std, (double)z));
}

// theta[i] += std[i] z_i, z_i element i of the NORMAL stream (seed, counter): one Philox block per pair of elements.
LETHE_KERNEL(add_gaussian_noise_f32, 256,
             float* __restrict__ theta,      // [n]
             const float* __restrict__ std,  // [n]
             long long n, unsigned long long seed, unsigned long long counter) {
    const long long blocks = (n + 1) / 2;
    const bool pairs = unlearn_aligned8(theta) && unlearn_aligned8(std);
    for (long long blk = grid_first(); blk < blocks; blk += grid_step()) {
        const PhiloxWords r = philox_block(seed, counter + (unsigned long long)blk);
        const long long i = 2 * blk;
        if (i + 1 < n && pairs) {
            float2 w = ld_float2(theta + i), s = ld_float2(std + i);
            st_float2(theta + i, make_float2(noise_one(w.x, s.x, r.w[0], r.w[1]), noise_one(w.y, s.y, r.w[2], r.w[3])));
        } else {
            theta[i] = noise_one(theta[i], std[i], r.w[0], r.w[1]);
            if (i + 1 < n) theta[i + 1] = noise_one(theta[i + 1], std[i + 1], r.w[2], r.w[3]);
        }
    }
}

// ---- radix-select histogram -------------------------------------------------------------------------------------

// For every score whose key (its bits, -0 as +0) has key >> match_shift == match_value (match_shift 32: every
// score), counts[(key >> shift) & (2^bits - 1)] += 1. A negative or NaN score (key > +inf's) is counted nowhere and
// its index goes into *bad (the smallest such index; *bad starts at ~0). use_shared: a block-local histogram of
// 2^bits unsigned ints in dynamic shared memory, added to counts at the end; otherwise atomics on counts directly.
LETHE_KERNEL(score_histogram_f32, 256,
             const float* __restrict__ scores,     // [n]
             long long n, int shift, int bits, int match_shift, unsigned int match_value, int use_shared,
             unsigned long long* __restrict__ counts,  // [2^bits], accumulated into
             unsigned long long* __restrict__ bad) {   // [1]: the first bad index, or ~0
    LETHE_DYNAMIC_SHARED(unsigned int, local);   // [2^bits] when use_shared
    const SelectHistogram h = {local, counts, bad, shift, match_shift, use_shared, 1u << bits, (1u << bits) - 1u, match_value};
    select_histogram_begin(h);
    for (long long i = grid_first(); i < n; i += grid_step()) select_histogram_add(h, scores[i], (unsigned long long)i);
    select_histogram_end(h);
}

// ---- mask from scores --------------------------------------------------------------------------------------------

// Pass 1, one block per chunk of `chunk` scores: mask[i] = scores[i] > threshold, and ties[c] = the number of
// scores == threshold in chunk c.
LETHE_KERNEL(mask_strict_f32, 256,
             const float* __restrict__ scores,  // [n]
             float* __restrict__ mask,          // [n]
             long long n, float threshold, long long chunk,
             long long* __restrict__ ties) {    // [chunks + 1] (entry c written by block c)
    const long long c = blockIdx.x, begin = c * chunk, end = min(n, begin + chunk);
    const long long count = select_mask_strict_chunk(scores, mask, begin, end, threshold);
    if (threadIdx.x == 0) ties[c] = count;
}

// Pass 2, one block: ties[0..chunks) becomes the exclusive prefix sum (ties before chunk c), ties[chunks] the total.
LETHE_KERNEL(mask_tie_scan, 256,
             long long* __restrict__ ties,  // [chunks + 1]
             long long chunks) {
    __shared__ long long partial[256];
    const long long per = (chunks + blockDim.x - 1) / blockDim.x;
    const long long lo = min(chunks, (long long)threadIdx.x * per), hi = min(chunks, lo + per);
    long long sum = 0;
    for (long long c = lo; c < hi; c++) sum += ties[c];
    partial[threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.x == 0) {
        long long run = 0;
        for (unsigned int t = 0; t < blockDim.x; t++) {
            long long v = partial[t];
            partial[t] = run;
            run += v;
        }
        ties[chunks] = run;
    }
    __syncthreads();
    long long run = partial[threadIdx.x];
    for (long long c = lo; c < hi; c++) {
        long long v = ties[c];
        ties[c] = run;
        run += v;
    }
}

// Pass 3, one block per chunk (blockDim a multiple of 32): the ties of chunk c whose rank in index order over all
// scores is below keep = min(total, ties_to_keep) get mask 1. Ranks within a chunk: warp ballots, then the warps'
// counts in order.
LETHE_KERNEL(mask_ties_f32, 256,
             const float* __restrict__ scores,    // [n]
             float* __restrict__ mask,            // [n]
             long long n, float threshold, long long chunk,
             const long long* __restrict__ ties,  // [chunks + 1]: exclusive prefix, then the total
             long long chunks, long long ties_to_keep) {
    __shared__ int warp_ties[32];
    __shared__ long long head[3];   // the quota, ties before this chunk, ties before the next: read once, by thread 0
    const long long c = blockIdx.x, begin = c * chunk, end = min(n, begin + chunk);
    if (!select_ties_head(ties, c, chunks, ties_to_keep, head)) return;   // the whole block returns
    select_mask_ties_chunk(scores, mask, begin, end, threshold, head, warp_ties);
}
