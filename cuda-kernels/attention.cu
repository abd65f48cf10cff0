// attention.cu: fused scaled-dot-product attention (Backend.attention / attentionBackward; the ViT's
// MultiheadSelfAttention), flash-style: the [T, T] score matrix is never stored. fp32, head dims up to 64.
// CPU reference: the unfused composition matmul-softmax-matmul (Backend's default attention, which the ref and cpu
// backends run); AttentionOpTest compares values and gradients, FusedAttentionTest the ViT block.
//
// Layout: q, k [B, H, T, d], v and out [B, H, T, dv] as strided views whose last dimension is contiguous (the
// MultiheadSelfAttention passes views straight into the qkv projection's output [B, T, 3, H, d] and into the
// merged output [B, T, H, dv]: no permute copies); the strides of every tensor travel in AttnGeometry. lse and
// delta [B, H, T] contiguous.
//
// Forward (attention_forward_d{32,64}_f32): one block per (query tile, b·h), one thread per query row (the block's
// threads = the tile's rows, at most 64). Each thread keeps its row of scale·q and its output accumulator in
// registers (zero-padded to DMAX, so the unrolled inner loops need no bounds); tiles of ATT_BC keys and values are
// loaded into shared memory by the whole block (float4 when rows are 16-byte aligned), the tile's scores go to the
// thread's row of a shared scratch array, and the online softmax rescales the accumulator once a tile:
//   m' = max(m, max_j s_j), l' = l·e^(m − m') + Σ_j e^(s_j − m'), acc' = acc·e^(m − m') + Σ_j e^(s_j − m') v_j.
// The output is acc / l and lse = m + log l, saved for the backward. A NaN score makes its row NaN (as the unfused
// softmax does).
// Backward, two launches (deterministic: no atomics), with P = exp(S − lse) recomputed tile by tile from q, k and
// the saved lse, S = (scale·q) kᵀ, dP = dO vᵀ, dS = P ⊙ (dP − delta), delta_i = Σ_c dO_ic·O_ic:
//   attention_backward_dq_d*: one thread per query row (as the forward): delta_i (written for the next launch),
//     then dq_i = scale · Σ_j dS_ij k_j over tiles of ATT_BQ keys in shared memory (the thread's scale·q and dO rows
//     in shared memory too, padded; its accumulator in registers);
//   attention_backward_dkdv_d*: one thread per key row: dv_j = Σ_i P_ij dO_i and dk_j = Σ_i dS_ij (scale·q_i) over
//     tiles of ATT_BQ queries (scale·q, dO, lse, delta) in shared memory; the thread's k_j and v_j rows live in
//     shared memory (padded: conflict-free), its two accumulators in registers.
// Each value of S is computed from the same rounded scale·q as the forward computes it, so P matches the forward's.
#include "lethe_device.cuh"

#define ATT_BC 32         // keys a tile (forward)
#define ATT_MAX_ROWS 64   // rows a block: query rows (forward, dq) or key rows (dkdv), one per thread
#define ATT_BQ 16         // keys a tile (dq) and queries a tile (dkdv) of the backward

// Indices of the tensors whose strides AttnGeometry holds (keep in step with ai.lethe.backend.cuda.CudaAttention).
#define ATT_Q 0
#define ATT_K 1
#define ATT_V 2
#define ATT_O 3
#define ATT_DO 4
#define ATT_DQ 5
#define ATT_DK 6
#define ATT_DV 7

// Strides (elements) of the batch, head and token dimensions of each tensor (the last dimension has stride 1),
// and the sizes: 28 members of 8 bytes, packed by CudaAttention.
struct AttnGeometry {
    long long stride[8][3];
    long long heads, t, d, dv;
};

static __device__ __forceinline__ bool att_aligned16(const void* p) {
    return (reinterpret_cast<unsigned long long>(p) & 15ull) == 0;
}

// Element [b, h, 0, 0] of tensor `which`.
static __device__ __forceinline__ long long att_base(const AttnGeometry& g, int which, long long bh) {
    long long b = bh / g.heads, h = bh - b * g.heads;
    return b * g.stride[which][0] + h * g.stride[which][1];
}

// rows [row0, row0 + n) of a [T, width] slice (row stride `stride`) into dst [rows][DMAX] (row pitch `pitch`),
// zero beyond width and for rows >= n (up to `rows`), by the block's threads together; float4 when every row
// start is 16-byte aligned.
template <int DMAX>
static __device__ __forceinline__ void att_load_tile(float* dst, int pitch, int rows, const float* src, long long stride,
                                                     int row0, int n, int width, float scale) {
    bool vec = width % 4 == 0 && stride % 4 == 0 && att_aligned16(src) && pitch % 4 == 0;
    if (vec) {
        int quads = rows * (DMAX / 4);
        for (int q = threadIdx.x; q < quads; q += blockDim.x) {
            int r = q / (DMAX / 4), c = 4 * (q - r * (DMAX / 4));
            float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            if (r < n && c < width) v = ld_float4(src + (long long)(row0 + r) * stride + c);
            float* o = dst + r * pitch + c;
            o[0] = v.x * scale;
            o[1] = v.y * scale;
            o[2] = v.z * scale;
            o[3] = v.w * scale;
        }
    } else {
        int count = rows * DMAX;
        for (int e = threadIdx.x; e < count; e += blockDim.x) {
            int r = e / DMAX, c = e - r * DMAX;
            dst[r * pitch + c] = r < n && c < width ? src[(long long)(row0 + r) * stride + c] * scale : 0.0f;
        }
    }
}

// One row (width elements, the rest of DMAX zero) into registers, times scale.
template <int DMAX>
static __device__ __forceinline__ void att_load_row(float (&dst)[DMAX], const float* src, int width, float scale) {
    if (width % 4 == 0 && att_aligned16(src)) {
#pragma unroll
        for (int c = 0; c < DMAX; c += 4) {
            float4 v = c < width ? ld_float4(src + c) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            dst[c] = v.x * scale;
            dst[c + 1] = v.y * scale;
            dst[c + 2] = v.z * scale;
            dst[c + 3] = v.w * scale;
        }
    } else {
#pragma unroll
        for (int c = 0; c < DMAX; c++) dst[c] = c < width ? src[c] * scale : 0.0f;
    }
}

// A row of registers (its first width elements) to global memory, times scale.
template <int DMAX>
static __device__ __forceinline__ void att_store_row(float* dst, const float (&src)[DMAX], int width, float scale) {
    if (width % 4 == 0 && att_aligned16(dst)) {
#pragma unroll
        for (int c = 0; c < DMAX; c += 4)
            if (c < width) st_float4(dst + c, make_float4(src[c] * scale, src[c + 1] * scale, src[c + 2] * scale, src[c + 3] * scale));
    } else {
#pragma unroll
        for (int c = 0; c < DMAX; c++)
            if (c < width) dst[c] = src[c] * scale;
    }
}

// Java's max rule (NaN wins), as the unfused softmax's row maximum.
static __device__ __forceinline__ float att_max(float a, float b) { return (a != a || b != b) ? a + b : fmaxf(a, b); }

template <int DMAX>
static __device__ __forceinline__ void attention_forward(const float* __restrict__ q, const float* __restrict__ k,
                                                         const float* __restrict__ v, float* __restrict__ out,
                                                         float* __restrict__ lse, const AttnGeometry& g, float scale) {
    __shared__ float ks[ATT_BC][DMAX];
    __shared__ float vs[ATT_BC][DMAX];
    __shared__ float ss[ATT_MAX_ROWS][ATT_BC + 1];   // each thread's scores of the tile (padded: conflict-free)
    const long long bh = blockIdx.x, t = g.t;
    const int d = (int)g.d, dv = (int)g.dv;
    const long long row = (long long)blockIdx.y * blockDim.x + threadIdx.x;
    const bool active = row < t;
    const float* kb = k + att_base(g, ATT_K, bh);
    const float* vb = v + att_base(g, ATT_V, bh);
    float qr[DMAX], acc[DMAX];
    if (active) att_load_row<DMAX>(qr, q + att_base(g, ATT_Q, bh) + row * g.stride[ATT_Q][2], d, scale);
#pragma unroll
    for (int c = 0; c < DMAX; c++) acc[c] = 0.0f;
    float m = -INFINITY, l = 0.0f;
    for (long long k0 = 0; k0 < t; k0 += ATT_BC) {
        int n = (int)(t - k0 < ATT_BC ? t - k0 : ATT_BC);
        __syncthreads();   // the previous tile is used up
        att_load_tile<DMAX>(&ks[0][0], DMAX, ATT_BC, kb, g.stride[ATT_K][2], (int)k0, n, d, 1.0f);
        att_load_tile<DMAX>(&vs[0][0], DMAX, ATT_BC, vb, g.stride[ATT_V][2], (int)k0, n, dv, 1.0f);
        __syncthreads();
        if (!active) continue;
        float mt = m;
        for (int j = 0; j < n; j++) {
            float s = 0.0f;
#pragma unroll
            for (int c = 0; c < DMAX; c++) s = fmaf(qr[c], ks[j][c], s);
            ss[threadIdx.x][j] = s;
            mt = att_max(mt, s);
        }
        float corr = m == -INFINITY ? 0.0f : expf(m - mt);
        l *= corr;
#pragma unroll
        for (int c = 0; c < DMAX; c++) acc[c] *= corr;
        for (int j = 0; j < n; j++) {
            float p = expf(ss[threadIdx.x][j] - mt);
            l += p;
#pragma unroll
            for (int c = 0; c < DMAX; c++) acc[c] = fmaf(p, vs[j][c], acc[c]);
        }
        m = mt;
    }
    if (!active) return;
    att_store_row<DMAX>(out + att_base(g, ATT_O, bh) + row * g.stride[ATT_O][2], acc, dv, 1.0f / l);
    lse[bh * t + row] = m + logf(l);
}

LETHE_KERNEL(attention_forward_d32_f32, 64,
             const float* __restrict__ q,  // [B, H, T, d]  (strides in g; d <= 32)
             const float* __restrict__ k,  // [B, H, T, d]
             const float* __restrict__ v,  // [B, H, T, dv] (dv <= 32)
             float* __restrict__ out,      // [B, H, T, dv]
             float* __restrict__ lse,      // [B, H, T] contiguous
             AttnGeometry g, float scale) {
    attention_forward<32>(q, k, v, out, lse, g, scale);
}

LETHE_KERNEL(attention_forward_d64_f32, 64,
             const float* __restrict__ q,  // [B, H, T, d]  (strides in g; d <= 64)
             const float* __restrict__ k,  // [B, H, T, d]
             const float* __restrict__ v,  // [B, H, T, dv] (dv <= 64)
             float* __restrict__ out,      // [B, H, T, dv]
             float* __restrict__ lse,      // [B, H, T] contiguous
             AttnGeometry g, float scale) {
    attention_forward<64>(q, k, v, out, lse, g, scale);
}

// ---- backward, launch 1: delta and dq -------------------------------------------------------------------------
// Per key tile, two phases, so that no row of a tile stays in registers besides the accumulator (ptxas would keep
// the tile's k_j row between the dot products and the update, and spill): (1) c outer, the tile's ATT_BQ keys inner,
// the scores and dP of the tile in registers; (2) dS per key, then the dq update, key by key.

template <int DMAX>
static __device__ __forceinline__ void attention_backward_dq(const float* __restrict__ q, const float* __restrict__ k,
                                                             const float* __restrict__ v, const float* __restrict__ out,
                                                             const float* __restrict__ dout, const float* __restrict__ lse,
                                                             float* __restrict__ delta, float* __restrict__ dq,
                                                             const AttnGeometry& g, float scale) {
    __shared__ float ks[ATT_BQ][DMAX];
    __shared__ float vs[ATT_BQ][DMAX];
    __shared__ float qrow[ATT_MAX_ROWS][DMAX + 1];   // each thread's scale·q row (padded: conflict-free)
    __shared__ float dos[ATT_MAX_ROWS][DMAX + 1];    // and dO row
    const long long bh = blockIdx.x, t = g.t;
    const int d = (int)g.d, dv = (int)g.dv;
    const long long row = (long long)blockIdx.y * blockDim.x + threadIdx.x;
    const long long row0 = (long long)blockIdx.y * blockDim.x;
    const int rows = (int)(t - row0 < (long long)blockDim.x ? t - row0 : blockDim.x);
    const bool active = row < t;
    const float* kb = k + att_base(g, ATT_K, bh);
    const float* vb = v + att_base(g, ATT_V, bh);
    att_load_tile<DMAX>(&qrow[0][0], DMAX + 1, blockDim.x, q + att_base(g, ATT_Q, bh), g.stride[ATT_Q][2], (int)row0, rows, d,
                        scale);
    att_load_tile<DMAX>(&dos[0][0], DMAX + 1, blockDim.x, dout + att_base(g, ATT_DO, bh), g.stride[ATT_DO][2], (int)row0, rows,
                        dv, 1.0f);
    float acc[DMAX];
    float lse_i = 0.0f, delta_i = 0.0f;
    __syncthreads();
    if (active) {
        // delta = dO · O (O through the accumulator's registers)
        att_load_row<DMAX>(acc, out + att_base(g, ATT_O, bh) + row * g.stride[ATT_O][2], dv, 1.0f);
#pragma unroll
        for (int c = 0; c < DMAX; c++) delta_i = fmaf(dos[threadIdx.x][c], acc[c], delta_i);
        delta[bh * t + row] = delta_i;
        lse_i = lse[bh * t + row];
    }
#pragma unroll
    for (int c = 0; c < DMAX; c++) acc[c] = 0.0f;
    for (long long k0 = 0; k0 < t; k0 += ATT_BQ) {
        int n = (int)(t - k0 < ATT_BQ ? t - k0 : ATT_BQ);
        __syncthreads();
        att_load_tile<DMAX>(&ks[0][0], DMAX, ATT_BQ, kb, g.stride[ATT_K][2], (int)k0, n, d, 1.0f);
        att_load_tile<DMAX>(&vs[0][0], DMAX, ATT_BQ, vb, g.stride[ATT_V][2], (int)k0, n, dv, 1.0f);
        __syncthreads();
        if (!active) continue;
        float s[ATT_BQ], dp[ATT_BQ];
#pragma unroll
        for (int j = 0; j < ATT_BQ; j++) s[j] = dp[j] = 0.0f;
#pragma unroll 2
        for (int c = 0; c < DMAX; c++) {
            float qc = qrow[threadIdx.x][c], oc = dos[threadIdx.x][c];
#pragma unroll
            for (int j = 0; j < ATT_BQ; j++) {
                s[j] = fmaf(qc, ks[j][c], s[j]);
                dp[j] = fmaf(oc, vs[j][c], dp[j]);
            }
        }
#pragma unroll
        for (int j = 0; j < ATT_BQ; j++) {
            float ds = j < n ? expf(s[j] - lse_i) * (dp[j] - delta_i) : 0.0f;
#pragma unroll
            for (int c = 0; c < DMAX; c++) acc[c] = fmaf(ds, ks[j][c], acc[c]);
        }
    }
    if (active) att_store_row<DMAX>(dq + att_base(g, ATT_DQ, bh) + row * g.stride[ATT_DQ][2], acc, d, scale);
}

LETHE_KERNEL(attention_backward_dq_d32_f32, 64,
             const float* __restrict__ q,     // [B, H, T, d]  (strides in g)
             const float* __restrict__ k,     // [B, H, T, d]
             const float* __restrict__ v,     // [B, H, T, dv]
             const float* __restrict__ out,   // [B, H, T, dv] the forward's output
             const float* __restrict__ dout,  // [B, H, T, dv]
             const float* __restrict__ lse,   // [B, H, T] contiguous, the forward's
             float* __restrict__ delta,       // [B, H, T] contiguous: rowsum(dO * O), for the dkdv launch
             float* __restrict__ dq,          // [B, H, T, d]
             AttnGeometry g, float scale) {
    attention_backward_dq<32>(q, k, v, out, dout, lse, delta, dq, g, scale);
}

LETHE_KERNEL(attention_backward_dq_d64_f32, 64,
             const float* __restrict__ q,     // [B, H, T, d]  (strides in g)
             const float* __restrict__ k,     // [B, H, T, d]
             const float* __restrict__ v,     // [B, H, T, dv]
             const float* __restrict__ out,   // [B, H, T, dv] the forward's output
             const float* __restrict__ dout,  // [B, H, T, dv]
             const float* __restrict__ lse,   // [B, H, T] contiguous, the forward's
             float* __restrict__ delta,       // [B, H, T] contiguous: rowsum(dO * O), for the dkdv launch
             float* __restrict__ dq,          // [B, H, T, d]
             AttnGeometry g, float scale) {
    attention_backward_dq<64>(q, k, v, out, dout, lse, delta, dq, g, scale);
}

// ---- backward, launch 2: dk and dv ----------------------------------------------------------------------------
// Per query tile, two phases as in the dq launch: (1) c outer, the tile's queries inner: S and dP of the thread's key
// against the tile in registers; (2) P and dS per query, then the dv and dk updates, query by query.

template <int DMAX>
static __device__ __forceinline__ void attention_backward_dkdv(const float* __restrict__ q, const float* __restrict__ k,
                                                               const float* __restrict__ v, const float* __restrict__ dout,
                                                               const float* __restrict__ lse, const float* __restrict__ delta,
                                                               float* __restrict__ dk, float* __restrict__ dv_out,
                                                               const AttnGeometry& g, float scale) {
    __shared__ float kj[ATT_MAX_ROWS][DMAX + 1];   // each thread's key row (padded: conflict-free)
    __shared__ float vj[ATT_MAX_ROWS][DMAX + 1];   // and value row
    __shared__ float qs[ATT_BQ][DMAX];             // scale·q of the query tile
    __shared__ float dos[ATT_BQ][DMAX];            // dO of the query tile
    __shared__ float lse_s[ATT_BQ], delta_s[ATT_BQ];
    const long long bh = blockIdx.x, t = g.t;
    const int d = (int)g.d, dv = (int)g.dv;
    const long long key0 = (long long)blockIdx.y * blockDim.x;
    const int rows = (int)(t - key0 < (long long)blockDim.x ? t - key0 : blockDim.x);
    const bool active = (int)threadIdx.x < rows;
    const float* qb = q + att_base(g, ATT_Q, bh);
    const float* dob = dout + att_base(g, ATT_DO, bh);
    att_load_tile<DMAX>(&kj[0][0], DMAX + 1, blockDim.x, k + att_base(g, ATT_K, bh), g.stride[ATT_K][2], (int)key0, rows, d, 1.0f);
    att_load_tile<DMAX>(&vj[0][0], DMAX + 1, blockDim.x, v + att_base(g, ATT_V, bh), g.stride[ATT_V][2], (int)key0, rows, dv, 1.0f);
    float dka[DMAX], dva[DMAX];
#pragma unroll
    for (int c = 0; c < DMAX; c++) dka[c] = dva[c] = 0.0f;
    for (long long i0 = 0; i0 < t; i0 += ATT_BQ) {
        int n = (int)(t - i0 < ATT_BQ ? t - i0 : ATT_BQ);
        __syncthreads();   // the previous query tile is used up (and, the first time, the key rows are in)
        att_load_tile<DMAX>(&qs[0][0], DMAX, ATT_BQ, qb, g.stride[ATT_Q][2], (int)i0, n, d, scale);
        att_load_tile<DMAX>(&dos[0][0], DMAX, ATT_BQ, dob, g.stride[ATT_DO][2], (int)i0, n, dv, 1.0f);
        if ((int)threadIdx.x < n) {
            lse_s[threadIdx.x] = lse[bh * t + i0 + threadIdx.x];
            delta_s[threadIdx.x] = delta[bh * t + i0 + threadIdx.x];
        }
        __syncthreads();
        if (!active) continue;
        float p[ATT_BQ], ds[ATT_BQ];
#pragma unroll
        for (int i = 0; i < ATT_BQ; i++) p[i] = ds[i] = 0.0f;
#pragma unroll 2
        for (int c = 0; c < DMAX; c++) {
            float kc = kj[threadIdx.x][c], vc = vj[threadIdx.x][c];
#pragma unroll
            for (int i = 0; i < ATT_BQ; i++) {
                p[i] = fmaf(qs[i][c], kc, p[i]);     // the score s, for now
                ds[i] = fmaf(dos[i][c], vc, ds[i]);  // dP, for now
            }
        }
#pragma unroll
        for (int i = 0; i < ATT_BQ; i++) {
            float pi = i < n ? expf(p[i] - lse_s[i]) : 0.0f;
            float dsi = i < n ? pi * (ds[i] - delta_s[i]) : 0.0f;
#pragma unroll
            for (int c = 0; c < DMAX; c++) {
                dva[c] = fmaf(pi, dos[i][c], dva[c]);
                dka[c] = fmaf(dsi, qs[i][c], dka[c]);
            }
        }
    }
    if (!active) return;
    long long row = key0 + threadIdx.x;
    att_store_row<DMAX>(dk + att_base(g, ATT_DK, bh) + row * g.stride[ATT_DK][2], dka, d, 1.0f);
    att_store_row<DMAX>(dv_out + att_base(g, ATT_DV, bh) + row * g.stride[ATT_DV][2], dva, dv, 1.0f);
}

LETHE_KERNEL(attention_backward_dkdv_d32_f32, 64,
             const float* __restrict__ q,      // [B, H, T, d]  (strides in g)
             const float* __restrict__ k,      // [B, H, T, d]
             const float* __restrict__ v,      // [B, H, T, dv]
             const float* __restrict__ dout,   // [B, H, T, dv]
             const float* __restrict__ lse,    // [B, H, T] contiguous, the forward's
             const float* __restrict__ delta,  // [B, H, T] contiguous, from attention_backward_dq
             float* __restrict__ dk,           // [B, H, T, d]
             float* __restrict__ dv,           // [B, H, T, dv]
             AttnGeometry g, float scale) {
    attention_backward_dkdv<32>(q, k, v, dout, lse, delta, dk, dv, g, scale);
}

LETHE_KERNEL(attention_backward_dkdv_d64_f32, 64,
             const float* __restrict__ q,      // [B, H, T, d]  (strides in g)
             const float* __restrict__ k,      // [B, H, T, d]
             const float* __restrict__ v,      // [B, H, T, dv]
             const float* __restrict__ dout,   // [B, H, T, dv]
             const float* __restrict__ lse,    // [B, H, T] contiguous, the forward's
             const float* __restrict__ delta,  // [B, H, T] contiguous, from attention_backward_dq
             float* __restrict__ dk,           // [B, H, T, d]
             float* __restrict__ dv,           // [B, H, T, dv]
             AttnGeometry g, float scale) {
    attention_backward_dkdv<64>(q, k, v, dout, lse, delta, dk, dv, g, scale);
}
