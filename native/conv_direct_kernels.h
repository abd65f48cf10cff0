// conv_direct_kernels.h — the register-tiled inner loops of conv_direct.c, written once and included there once
// per instruction set (AVX-512F, AVX2 + FMA, generic C), each time with its own target and these macros:
//   ISA                 suffix of the function names (avx512, avx2, generic)
//   VL                  floats per vector
//   RO, RQ              forward tile: RO output channels x RQ vectors of VL consecutive output positions
//   WO, WT              weight-gradient tile: WO output channels x WT kernel taps of one input channel
//   VEC, VZERO(), VLOAD(p) (unaligned), VSTORE(p, v) (unaligned), VSET1(x), VFMA(a, b, c) = a*b + c, VHSUM(v)
//   VKEEP(v)            makes v live in a register (an empty asm): without it GCC 12 folded the weight gradient's
//                       dy loads into every FMA, 15 loads per 12 FMAs instead of 7 (load-bound at ~45% of peak)
// Both loops work on "flat" planes (conv_direct.c explains them): an output position q reads input position
// q + off[t] for kernel tap t, so a vector of VL output positions is one unaligned load per tap.
#define DK_NAME(name) DK_NAME2(name, ISA)
#define DK_NAME2(name, isa) DK_NAME3(name, isa)
#define DK_NAME3(name, isa) name##_##isa

// dst [O, ld] = the sum over inputs i and taps t of w[o][i][t] * src[i cs + off[t] + q], for q in [0, ld):
// o_count a multiple of RO, ld a multiple of RQ*VL; w blocked as [O/RO][in][taps][RO] (zeros in padded rows).
static void DK_NAME(direct_forward)(int64_t o_count, int64_t in, int64_t taps, const int64_t *off, const float *w,
                                    const float *src, int64_t cs, float *dst, int64_t ld) {
    for (int64_t ob = 0; ob < o_count / RO; ob++) {
        const float *wb = w + ob * in * taps * RO;
        for (int64_t q = 0; q < ld; q += RQ * VL) {
            VEC acc[RO][RQ];
#pragma GCC unroll 32
            for (int o = 0; o < RO; o++)
#pragma GCC unroll 8
                for (int r = 0; r < RQ; r++) acc[o][r] = VZERO();
            const float *wp = wb;
            for (int64_t i = 0; i < in; i++) {
                const float *s = src + i * cs + q;
                for (int64_t t = 0; t < taps; t++, wp += RO) {
                    const float *st = s + off[t];
                    VEC x[RQ];
#pragma GCC unroll 8
                    for (int r = 0; r < RQ; r++) x[r] = VLOAD(st + r * VL);
#pragma GCC unroll 32
                    for (int o = 0; o < RO; o++) {
                        const VEC b = VSET1(wp[o]);
#pragma GCC unroll 8
                        for (int r = 0; r < RQ; r++) acc[o][r] = VFMA(x[r], b, acc[o][r]);
                    }
                }
            }
#pragma GCC unroll 32
            for (int o = 0; o < RO; o++)
#pragma GCC unroll 8
                for (int r = 0; r < RQ; r++) VSTORE(dst + (ob * RO + o) * ld + q + r * VL, acc[o][r]);
        }
    }
}

// dw [O, in, taps] += the sum over samples m < count and q in [0, ld) of dy[m dys + o ld + q] *
// src[m srcs + i cs + off[t] + q]: o_count a multiple of WO, taps a multiple of WT, ld a multiple of VL (dy is
// zero wherever q is not an output position). The accumulators run over the whole chunk of samples and are
// reduced once at its end.
static void DK_NAME(direct_weight)(int64_t o_count, int64_t in, int64_t taps, const int64_t *off, const float *dy,
                                   int64_t ld, int64_t dys, const float *src, int64_t cs, int64_t srcs, int64_t count,
                                   float *dw) {
    for (int64_t ob = 0; ob < o_count / WO; ob++)
        for (int64_t i = 0; i < in; i++)
            for (int64_t tb = 0; tb < taps; tb += WT) {
                VEC acc[WO][WT];
#pragma GCC unroll 8
                for (int o = 0; o < WO; o++)
#pragma GCC unroll 16
                    for (int t = 0; t < WT; t++) acc[o][t] = VZERO();
                for (int64_t m = 0; m < count; m++) {
                    const float *d0 = dy + m * dys + ob * WO * ld;
                    const float *s[WT];
#pragma GCC unroll 16
                    for (int t = 0; t < WT; t++) s[t] = src + m * srcs + i * cs + off[tb + t];
                    for (int64_t q = 0; q < ld; q += VL) {
                        VEC d[WO];
#pragma GCC unroll 8
                        for (int o = 0; o < WO; o++) {
                            d[o] = VLOAD(d0 + o * ld + q);
                            VKEEP(d[o]);
                        }
#pragma GCC unroll 16
                        for (int t = 0; t < WT; t++) {
                            const VEC x = VLOAD(s[t] + q);
#pragma GCC unroll 8
                            for (int o = 0; o < WO; o++) acc[o][t] = VFMA(d[o], x, acc[o][t]);
                        }
                    }
                }
#pragma GCC unroll 8
                for (int o = 0; o < WO; o++)
#pragma GCC unroll 16
                    for (int t = 0; t < WT; t++) dw[((ob * WO + o) * in + i) * taps + tb + t] += VHSUM(acc[o][t]);
            }
}

#undef DK_NAME
#undef DK_NAME2
#undef DK_NAME3
