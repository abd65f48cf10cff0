// conv_direct_lanes.h — the "channels in lanes" forward loop of conv_direct.c for small planes (7x7, 4x4), where
// the flat kernel's vectors of consecutive output positions would be mostly padding: a tile of PT output pixels
// (of any samples of a chunk, each with its own address) x KV vectors of VL output channels. Included once per
// instruction set and tile shape, with ISA, VL, VEC, VZERO, VLOAD, VSTORE, VSET1, VFMA (conv_direct_kernels.h)
// and KV, PT, LANES_NAME (the function's name) defined.

// dst [pixels, KP] (KP = k_blocks KV VL) = sum over c and t of src[at[p] + c cs + off[t]] * w[c][t][k]: pixels a
// multiple of PT (padded pixels read any valid address), w [C][taps][KP].
static void LANES_NAME(int64_t pixels, int64_t k_blocks, int64_t in, int64_t taps, const int64_t *off,
                       const int64_t *at, const float *w, const float *src, int64_t cs, float *dst) {
    const int64_t kp = k_blocks * KV * VL;
    for (int64_t kb = 0; kb < k_blocks; kb++)
        for (int64_t p0 = 0; p0 < pixels; p0 += PT) {
            VEC acc[PT][KV];
#pragma GCC unroll 32
            for (int p = 0; p < PT; p++)
#pragma GCC unroll 8
                for (int v = 0; v < KV; v++) acc[p][v] = VZERO();
            const float *base[PT];
#pragma GCC unroll 32
            for (int p = 0; p < PT; p++) base[p] = src + at[p0 + p];
            for (int64_t c = 0; c < in; c++)
                for (int64_t t = 0; t < taps; t++) {
                    const float *wv = w + (c * taps + t) * kp + kb * KV * VL;
                    const int64_t o = c * cs + off[t];
                    VEC wr[KV];
#pragma GCC unroll 8
                    for (int v = 0; v < KV; v++) wr[v] = VLOAD(wv + v * VL);
#pragma GCC unroll 32
                    for (int p = 0; p < PT; p++) {
                        const VEC x = VSET1(base[p][o]);
#pragma GCC unroll 8
                        for (int v = 0; v < KV; v++) acc[p][v] = VFMA(x, wr[v], acc[p][v]);
                    }
                }
#pragma GCC unroll 32
            for (int p = 0; p < PT; p++)
#pragma GCC unroll 8
                for (int v = 0; v < KV; v++) VSTORE(dst + (p0 + p) * kp + kb * KV * VL + v * VL, acc[p][v]);
        }
}

// dwt [pairs, KP] += sum over pixels p of src[at[p] + pair_off[r]] * dyt[p][k], for pairs r = (input channel,
// tap): the weight gradient with output channels in lanes. pairs a multiple of PT (padded pairs read any valid
// address; their sums are dropped), dyt [pixels, KP] with zero rows for padded pixels.
static void LANESW_NAME(int64_t pixels, int64_t k_blocks, int64_t pairs, const int64_t *pair_off, const int64_t *at,
                        const float *dyt, const float *src, float *dwt) {
    const int64_t kp = k_blocks * KV * VL;
    for (int64_t kb = 0; kb < k_blocks; kb++)
        for (int64_t r0 = 0; r0 < pairs; r0 += PT) {
            VEC acc[PT][KV];
#pragma GCC unroll 32
            for (int r = 0; r < PT; r++)
#pragma GCC unroll 8
                for (int v = 0; v < KV; v++) acc[r][v] = VZERO();
            const float *base[PT];
#pragma GCC unroll 32
            for (int r = 0; r < PT; r++) base[r] = src + pair_off[r0 + r];
            for (int64_t p = 0; p < pixels; p++) {
                const float *d = dyt + p * kp + kb * KV * VL;
                const int64_t a = at[p];
                VEC dv[KV];
#pragma GCC unroll 8
                for (int v = 0; v < KV; v++) dv[v] = VLOAD(d + v * VL);
#pragma GCC unroll 32
                for (int r = 0; r < PT; r++) {
                    const VEC x = VSET1(base[r][a]);
#pragma GCC unroll 8
                    for (int v = 0; v < KV; v++) acc[r][v] = VFMA(x, dv[v], acc[r][v]);
                }
            }
#pragma GCC unroll 32
            for (int r = 0; r < PT; r++)
#pragma GCC unroll 8
                for (int v = 0; v < KV; v++) {
                    float *o = dwt + (r0 + r) * kp + kb * KV * VL + v * VL;
                    VSTORE(o, VLOAD(o) + acc[r][v]);
                }
        }
}
