// conv.h — the convolution geometry shared by conv.c (im2col + GEMM) and winograd.c (F(2x2, 3x3) for
// stride-1 3x3 convolutions), and the entry points between them.
#ifndef LETHE_CONV_H
#define LETHE_CONV_H

#include <stdint.h>

typedef struct {
    int64_t n, c, h, w, k, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
} conv_geom;

// Bytes the partial sums of a weight gradient (one per fixed group of chunks) may take beyond one per thread.
#define PARTIAL_BUDGET (32 * 1024 * 1024)

// Per-thread workspaces of the convolutions (thread_workspace slots).
enum { WS_COL, WS_PARTIAL, WS_FLIPPED, WS_PLANE, WS_CHUNK, WS_WINOGRAD_WEIGHTS, WS_WINOGRAD_INPUT, WS_WINOGRAD_PRODUCT };

// Whether winograd_forward computes this convolution: 3x3, stride 1, dilation 1, a batch of at least one
// sample per thread.
int winograd_applies(const conv_geom *g);

// out [N, K, OH, OW] = conv(x, w) + bias (bias may be NULL) by Winograd's F(2x2, 3x3); a LETHE_* status.
int winograd_forward(const conv_geom *g, const float *x, const float *w, const float *bias, float *out);

// Whether winograd_weight_grad computes this weight gradient: winograd_applies, and planes of enough tiles.
int winograd_weight_grad_applies(const conv_geom *g);

// dw [K, C, 3, 3] = gradient of the convolution with respect to its weight, by F(3x3, 2x2); a LETHE_* status.
int winograd_weight_grad(const conv_geom *g, const float *dy, const float *x, float *dw);

#endif
