// winograd.c — stride-1 3x3 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, 2015):
// each 2x2 output tile is A^T [ (G g G^T) .* (B^T d B) ] A for its 4x4 input tile d, so the products over
// channels become 16 independent GEMMs with 2.25x fewer multiplications than the direct (im2col) form:
//   U [16, K, C]    = G w G^T          (once per call)
//   V [16, C, T]    = B^T d B          (input tiles of a chunk of samples, T tiles in all)
//   M [16, K, T]    = U[xi] @ V[xi]    (one sgemm per xi)
//   out             = A^T M A (+ bias), cut to OH x OW
// Used for the forward pass of stride-1 3x3 convolutions of planes of 7x7 and more and, through the flipped
// kernel, for their input gradient. Its weight gradient is the transposed algorithm F(3x3, 2x2): with D = A dy A^T per tile,
//   W' [16, K, C]  = sum over tiles of D[xi] @ V[xi]^T,   dw = G^T W' G.
// Samples are processed in chunks whose transformed tiles fit the core's L2 cache, chunks in parallel.
#include "common.h"
#include "conv.h"

#include <omp.h>
#include <string.h>

// Bytes that one chunk's V and M may take together.
#define TILE_BUDGET (1024 * 1024)

// Fewest 2x2 output tiles per plane for which the forward pass (and the input gradient) is faster by F(2x2, 3x3)
// than by im2col: a 4x4 plane (4 tiles, a quarter of its transformed values padding) lost 30% with the
// SkylakeX GEMM kernels (128 channels, batch 64: 2.00 against 1.39 ms forward), a 7x7 plane (16) is even, larger
// ones gain.
#define FORWARD_MIN_TILES 16
// The same for the weight gradient by F(3x3, 2x2) (measured: 14x14 and 28x28 planes gain 25-30%, 7x7 and 4x4
// lose).
#define WEIGHT_GRAD_MIN_TILES 32

static int64_t tiles_per_plane(const conv_geom *g) { return ((g->oh + 1) / 2) * ((g->ow + 1) / 2); }

int winograd_applies(const conv_geom *g) {
    return g->kh == 3 && g->kw == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1
           && g->n >= omp_get_max_threads() && g->n > 1 && tiles_per_plane(g) >= FORWARD_MIN_TILES;
}

int winograd_weight_grad_applies(const conv_geom *g) {
    return winograd_applies(g) && tiles_per_plane(g) >= WEIGHT_GRAD_MIN_TILES;
}

// U [16, K, C] (xi = 4 row + column of the 4x4 transformed filter) from w [K, C, 3, 3].
static void transform_weights(const conv_geom *g, const float *w, float *u) {
    const int64_t kc = g->k * g->c;
    for (int64_t f = 0; f < kc; f++) {
        const float *k3 = w + f * 9;
        float t[4][3];   // G g: 4 rows of 3
        for (int j = 0; j < 3; j++) {
            t[0][j] = k3[j];
            t[1][j] = 0.5f * (k3[j] + k3[3 + j] + k3[6 + j]);
            t[2][j] = 0.5f * (k3[j] - k3[3 + j] + k3[6 + j]);
            t[3][j] = k3[6 + j];
        }
        for (int i = 0; i < 4; i++) {   // (G g) G^T
            u[(4 * i + 0) * kc + f] = t[i][0];
            u[(4 * i + 1) * kc + f] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
            u[(4 * i + 2) * kc + f] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
            u[(4 * i + 3) * kc + f] = t[i][2];
        }
    }
}

// Floats of a thread's plane scratch: the padded plane [2 TH + 2, 2 TW + 2] and four rows of 2 TW + 2.
static int64_t plane_scratch(int64_t th, int64_t tw) { return (2 * th + 6) * (2 * tw + 2); }

// d0..d3[tx] = the four column combinations (B^T's rows) of columns 2tx .. 2tx+3 of row t.
static void combine_columns(const float *restrict t, float *restrict d0, float *restrict d1, float *restrict d2,
                            float *restrict d3, int64_t tw) {
    for (int64_t tx = 0; tx < tw; tx++) {
        const float a = t[2 * tx], b = t[2 * tx + 1], e = t[2 * tx + 2], f = t[2 * tx + 3];
        d0[tx] = a - e;
        d1[tx] = b + e;
        d2[tx] = e - b;
        d3[tx] = b - f;
    }
}

// t0..t3 = the four row combinations (B^T's rows) of input rows r0..r3, over n columns.
static void combine_rows(const float *restrict r0, const float *restrict r1, const float *restrict r2,
                         const float *restrict r3, float *restrict t0, float *restrict t1, float *restrict t2,
                         float *restrict t3, int64_t n) {
    for (int64_t x = 0; x < n; x++) {
        t0[x] = r0[x] - r2[x];
        t1[x] = r1[x] + r2[x];
        t2[x] = r2[x] - r1[x];
        t3[x] = r1[x] - r3[x];
    }
}

// row[2x] = even[x], row[2x + 1] = odd[x], for the n elements of row.
static void interleave(const float *restrict even, const float *restrict odd, float *restrict row, int64_t n) {
    for (int64_t x = 0; x < n / 2; x++) {
        row[2 * x] = even[x];
        row[2 * x + 1] = odd[x];
    }
    if (n % 2) row[n - 1] = even[n / 2];
}

// V[xi][c][t0 + ty*TW + tx] = B^T d B for every tile of one channel plane; scratch: plane_scratch floats.
static void transform_input(const conv_geom *g, const float *plane, float *scratch, float *v, int64_t c, int64_t t0,
                            int64_t vld, int64_t th, int64_t tw) {
    const int64_t pw = 2 * tw + 2, ph = 2 * th + 2, cols = 2 * tw + 2;
    float *pad = scratch;
    // the plane at (padH, padW) of a zeroed [ph, pw] buffer covering every tile
    memset(pad, 0, (size_t) (ph * pw) * sizeof(float));
    for (int64_t y = 0; y < g->h && y + g->ph < ph; y++) {
        int64_t n = min_i64(g->w, pw - g->pw);
        if (n > 0) memcpy(pad + (y + g->ph) * pw + g->pw, plane + y * g->w, (size_t) n * sizeof(float));
    }
    // rows 0..3: B^T d of the current row of tiles, [cols] each
    float *row0 = scratch + ph * pw, *row1 = row0 + cols, *row2 = row1 + cols, *row3 = row2 + cols;
    for (int64_t ty = 0; ty < th; ty++) {
        const float *r0 = pad + 2 * ty * pw;
        combine_rows(r0, r0 + pw, r0 + 2 * pw, r0 + 3 * pw, row0, row1, row2, row3, cols);   // B^T d
        const float *rows[4] = {row0, row1, row2, row3};
        for (int i = 0; i < 4; i++) {   // (B^T d) B
            float *d = v + (4 * i * g->c + c) * vld + t0 + ty * tw;
            const int64_t step = g->c * vld;   // from xi to xi + 1
            combine_columns(rows[i], d, d + step, d + 2 * step, d + 3 * step, tw);
        }
    }
}

// y0..y3[tx] = the 2x2 outputs (00, 01, 10, 11) A^T m A of the tiles whose 16 transformed values are m[xi][tx].
static void combine_tiles(const float *restrict m0, const float *restrict m1, const float *restrict m2,
                          const float *restrict m3, const float *restrict m4, const float *restrict m5,
                          const float *restrict m6, const float *restrict m7, const float *restrict m8,
                          const float *restrict m9, const float *restrict m10, const float *restrict m11,
                          const float *restrict m12, const float *restrict m13, const float *restrict m14,
                          const float *restrict m15, float *restrict y0, float *restrict y1, float *restrict y2,
                          float *restrict y3, int64_t tw, float bias) {
    for (int64_t tx = 0; tx < tw; tx++) {
        // A^T m: rows 0 + 1 + 2 and 1 - 2 - 3, per column
        const float s00 = m0[tx] + m4[tx] + m8[tx], s01 = m1[tx] + m5[tx] + m9[tx];
        const float s02 = m2[tx] + m6[tx] + m10[tx], s03 = m3[tx] + m7[tx] + m11[tx];
        const float s10 = m4[tx] - m8[tx] - m12[tx], s11 = m5[tx] - m9[tx] - m13[tx];
        const float s12 = m6[tx] - m10[tx] - m14[tx], s13 = m7[tx] - m11[tx] - m15[tx];
        y0[tx] = s00 + s01 + s02 + bias;
        y1[tx] = s01 - s02 - s03 + bias;
        y2[tx] = s10 + s11 + s12 + bias;
        y3[tx] = s11 - s12 - s13 + bias;
    }
}

// out plane [OH, OW] of channel k = A^T M A (+ bias) from M[xi][k][t0 + ty*TW + tx]; scratch: 4 TW floats.
static void transform_output(const conv_geom *g, const float *m, int64_t k, int64_t t0, int64_t mld, int64_t th,
                             int64_t tw, float bias, float *plane, float *scratch) {
    // y0..y3: the tile row's outputs (00, 01, 10, 11), [TW] each
    float *y0 = scratch, *y1 = y0 + tw, *y2 = y1 + tw, *y3 = y2 + tw;
    const int64_t step = g->k * mld;   // from xi to xi + 1
    for (int64_t ty = 0; ty < th; ty++) {
        const float *p = m + k * mld + t0 + ty * tw;
        combine_tiles(p, p + step, p + 2 * step, p + 3 * step, p + 4 * step, p + 5 * step, p + 6 * step, p + 7 * step,
                      p + 8 * step, p + 9 * step, p + 10 * step, p + 11 * step, p + 12 * step, p + 13 * step,
                      p + 14 * step, p + 15 * step, y0, y1, y2, y3, tw, bias);
        interleave(y0, y1, plane + 2 * ty * g->ow, g->ow);
        if (2 * ty + 1 < g->oh) interleave(y2, y3, plane + (2 * ty + 1) * g->ow, g->ow);
    }
}

int winograd_forward(const conv_geom *g, const float *x, const float *w, const float *bias, float *out) {
    const int64_t th = (g->oh + 1) / 2, tw = (g->ow + 1) / 2, tiles = th * tw;
    const int64_t x_size = g->c * g->h * g->w, out_size = g->k * g->oh * g->ow;
    // samples per chunk: V [16, C, S*T] and M [16, K, S*T] within the budget
    const int64_t per_sample = 16 * (g->c + g->k) * tiles * (int64_t) sizeof(float);
    const int64_t samples = max_i64(1, min_i64(g->n, TILE_BUDGET / per_sample)), chunks = (g->n + samples - 1) / samples;
    float *u = thread_workspace(WS_WINOGRAD_WEIGHTS, (size_t) (16 * g->k * g->c) * sizeof(float));
    if (!u) return LETHE_ERR_NOMEM;
    transform_weights(g, w, u);
    int failed = 0;
#pragma omp parallel
    {
        float *v = thread_workspace(WS_WINOGRAD_INPUT, (size_t) (16 * g->c * samples * tiles) * sizeof(float));
        float *m = thread_workspace(WS_WINOGRAD_PRODUCT, (size_t) (16 * g->k * samples * tiles) * sizeof(float));
        float *scratch = thread_workspace(WS_PLANE, (size_t) plane_scratch(th, tw) * sizeof(float));
        if (!v || !m || !scratch) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t chunk = 0; chunk < chunks; chunk++) {
            if (!v || !m || !scratch) continue;
            const int64_t n0 = chunk * samples, count = min_i64(samples, g->n - n0), ld = count * tiles;
            for (int64_t s = 0; s < count; s++)
                for (int64_t c = 0; c < g->c; c++)
                    transform_input(g, x + (n0 + s) * x_size + c * g->h * g->w, scratch, v, c, s * tiles, ld, th, tw);
            for (int xi = 0; xi < 16; xi++)
                sgemm_serial(0, 0, g->k, ld, g->c, 1.0f, u + xi * g->k * g->c, g->c, v + xi * g->c * ld, ld, 0.0f,
                             m + xi * g->k * ld, ld);
            for (int64_t s = 0; s < count; s++)
                for (int64_t k = 0; k < g->k; k++)
                    transform_output(g, m, k, s * tiles, ld, th, tw, bias ? bias[k] : 0.0f,
                                     out + (n0 + s) * out_size + k * g->oh * g->ow, scratch);
        }
    }
    return failed ? LETHE_ERR_NOMEM : LETHE_OK;
}

// ---- weight gradient: F(3x3, 2x2), dw = G^T [ sum over tiles (A dy A^T) .* (B^T d B) ] G ---------------------

// D[xi][k][t0 + ty*TW + tx] = A dy A^T (4x4) of each 2x2 tile of one dy plane [OH, OW] (0 beyond its edge).
static void transform_gradient(const conv_geom *g, const float *plane, float *d, int64_t k, int64_t t0, int64_t dld,
                               int64_t th, int64_t tw, float *scratch) {
    // e0, e1, o0, o1: the tile row's dy at (even row, even col), (even, odd), (odd, even), (odd, odd), [TW] each
    float *e0 = scratch, *e1 = e0 + tw, *o0 = e1 + tw, *o1 = o0 + tw;
    const int64_t step = g->k * dld;   // from xi to xi + 1
    for (int64_t ty = 0; ty < th; ty++) {
        const float *top = plane + 2 * ty * g->ow, *bottom = top + g->ow;
        const int has_bottom = 2 * ty + 1 < g->oh;
        for (int64_t tx = 0; tx < tw; tx++) {
            const int has_right = 2 * tx + 1 < g->ow;
            e0[tx] = top[2 * tx];
            e1[tx] = has_right ? top[2 * tx + 1] : 0.0f;
            o0[tx] = has_bottom ? bottom[2 * tx] : 0.0f;
            o1[tx] = has_bottom && has_right ? bottom[2 * tx + 1] : 0.0f;
        }
        float *out = d + k * dld + t0 + ty * tw;
        // A y: rows y0, y0 + y1, y0 - y1, -y1; then each row (a, b) -> (a, a + b, a - b, -b)
        for (int64_t tx = 0; tx < tw; tx++) {
            const float r[4][2] = {{e0[tx], e1[tx]}, {e0[tx] + o0[tx], e1[tx] + o1[tx]},
                                   {e0[tx] - o0[tx], e1[tx] - o1[tx]}, {-o0[tx], -o1[tx]}};
            for (int i = 0; i < 4; i++) {
                out[(4 * i + 0) * step + tx] = r[i][0];
                out[(4 * i + 1) * step + tx] = r[i][0] + r[i][1];
                out[(4 * i + 2) * step + tx] = r[i][0] - r[i][1];
                out[(4 * i + 3) * step + tx] = -r[i][1];
            }
        }
    }
}

// dw [K, C, 3, 3] = G^T W'[:, k, c] G for every (k, c), from the summed products W' [16, K, C].
static void untransform_weight_gradient(const conv_geom *g, const float *wt, float *dw) {
    const int64_t kc = g->k * g->c;
    for (int64_t f = 0; f < kc; f++) {
        float m[4][4], t[3][4];
        for (int xi = 0; xi < 16; xi++) m[xi / 4][xi % 4] = wt[xi * kc + f];
        for (int j = 0; j < 4; j++) {   // G^T m: rows (1, .5, .5, 0), (0, .5, -.5, 0), (0, .5, .5, 1)
            t[0][j] = m[0][j] + 0.5f * (m[1][j] + m[2][j]);
            t[1][j] = 0.5f * (m[1][j] - m[2][j]);
            t[2][j] = 0.5f * (m[1][j] + m[2][j]) + m[3][j];
        }
        float *out = dw + f * 9;
        for (int i = 0; i < 3; i++) {   // (G^T m) G
            out[3 * i + 0] = t[i][0] + 0.5f * (t[i][1] + t[i][2]);
            out[3 * i + 1] = 0.5f * (t[i][1] - t[i][2]);
            out[3 * i + 2] = 0.5f * (t[i][1] + t[i][2]) + t[i][3];
        }
    }
}

int winograd_weight_grad(const conv_geom *g, const float *dy, const float *x, float *dw) {
    const int64_t th = (g->oh + 1) / 2, tw = (g->ow + 1) / 2, tiles = th * tw;
    const int64_t x_size = g->c * g->h * g->w, dy_size = g->k * g->oh * g->ow, wt_size = 16 * g->k * g->c;
    const int64_t per_sample = 16 * (g->c + g->k) * tiles * (int64_t) sizeof(float);
    const int64_t samples = max_i64(1, min_i64(g->n, TILE_BUDGET / per_sample)), chunks = (g->n + samples - 1) / samples;
    // chunks are summed in fixed groups (whatever thread runs them), added in group order: deterministic
    const int64_t threads = omp_get_max_threads();
    const int64_t groups = max_i64(1, min_i64(chunks, min_i64(4 * threads, max_i64(threads, PARTIAL_BUDGET / (wt_size * 4)))));
    // partial: [groups, 16, K, C]
    float *partial = thread_workspace(WS_WINOGRAD_WEIGHTS, (size_t) (groups * wt_size) * sizeof(float));
    if (!partial) return LETHE_ERR_NOMEM;
    int failed = 0;
#pragma omp parallel
    {
        float *v = thread_workspace(WS_WINOGRAD_INPUT, (size_t) (16 * g->c * samples * tiles) * sizeof(float));
        float *d = thread_workspace(WS_WINOGRAD_PRODUCT, (size_t) (16 * g->k * samples * tiles) * sizeof(float));
        float *scratch = thread_workspace(WS_PLANE, (size_t) plane_scratch(th, tw) * sizeof(float));
        const int ok = v && d && scratch;
        if (!ok) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t group = 0; group < groups; group++) {
            float *sum = partial + group * wt_size;
            memset(sum, 0, (size_t) wt_size * sizeof(float));
            for (int64_t chunk = chunks * group / groups; ok && chunk < chunks * (group + 1) / groups; chunk++) {
                const int64_t n0 = chunk * samples, count = min_i64(samples, g->n - n0), ld = count * tiles;
                for (int64_t s = 0; s < count; s++) {
                    for (int64_t c = 0; c < g->c; c++)
                        transform_input(g, x + (n0 + s) * x_size + c * g->h * g->w, scratch, v, c, s * tiles, ld, th, tw);
                    for (int64_t k = 0; k < g->k; k++)
                        transform_gradient(g, dy + (n0 + s) * dy_size + k * g->oh * g->ow, d, k, s * tiles, ld, th, tw,
                                           scratch);
                }
                for (int xi = 0; xi < 16; xi++)   // W'[xi] [K, C] += D[xi] [K, ld] @ V[xi]^T
                    sgemm_serial(0, 1, g->k, g->c, ld, 1.0f, d + xi * g->k * ld, ld, v + xi * g->c * ld, ld, 1.0f,
                                 sum + xi * g->k * g->c, g->c);
            }
        }
    }
    if (failed) return LETHE_ERR_NOMEM;
    for (int64_t t = 1; t < groups; t++) {
        float *restrict into = partial;
        const float *restrict from = partial + t * wt_size;
        for (int64_t i = 0; i < wt_size; i++) into[i] += from[i];
    }
    untransform_weight_gradient(g, partial, dw);
    return LETHE_OK;
}
