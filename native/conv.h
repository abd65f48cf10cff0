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

// Direct kernels (conv_direct.c): each sets *handled to whether it computed the convolution (its shape rules
// and the kernel LETHE_CONV_KERNEL / lethe_conv_set_kernel chose); when it did not, the caller runs im2col or
// Winograd. A LETHE_* status.
int conv_direct_forward(const conv_geom *g, const float *x, const float *w, const float *bias, float *out, int *handled);
int conv_direct_backward_input(const conv_geom *g, const float *dy, const float *w, float *dx, int *handled);
int conv_direct_backward_weight(const conv_geom *g, const float *dy, const float *x, float *dw, int *handled);

// ---- helpers for other kernels (persample.c) -------------------------------------------------------------

// The geometry of a Java geometry array { N, C, H, W, K, kh, kw, strideH, strideW, padH, padW, dilationH,
// dilationW } (validated in Java), with the output size filled in.
conv_geom conv_geometry(const int64_t *geom);

// Floats of the scratch buffer conv_sample_columns needs (a padded plane and the tap offsets).
int64_t conv_im2col_scratch(const conv_geom *g);

// The column matrix [CKK, P] (CKK = C kh kw, P = OH OW) of one sample x_n [C, H, W], built on the calling
// thread into col (CKK*P floats) with scratch (conv_im2col_scratch floats); a pointwise (1x1, stride 1,
// unpadded) convolution returns x_n itself.
const float *conv_sample_columns(const conv_geom *g, const float *x_n, float *col, float *scratch);

#endif
