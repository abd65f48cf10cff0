// conv_direct.h — what conv_direct.c (instruction sets, dispatch, flat kernels' drivers) and conv_direct_lanes.c
// (the channels-in-lanes kernels' drivers) share: an instruction set's kernels and tile sizes, the input
// gradient's output phases, and the lanes drivers.
#ifndef LETHE_CONV_DIRECT_H
#define LETHE_CONV_DIRECT_H

#include "conv.h"

#include <stdint.h>

typedef void (*forward_fn)(int64_t, int64_t, int64_t, const int64_t *, const float *, const float *, int64_t, float *,
                           int64_t);
typedef void (*weight_fn)(int64_t, int64_t, int64_t, const int64_t *, const float *, int64_t, int64_t, const float *,
                          int64_t, int64_t, int64_t, float *);

typedef void (*lanes_fn)(int64_t, int64_t, int64_t, int64_t, const int64_t *, const int64_t *, const float *,
                         const float *, int64_t, float *);

typedef void (*lanes_weight_fn)(int64_t, int64_t, int64_t, const int64_t *, const int64_t *, const float *,
                                const float *, float *);

// An instruction set's kernels and tile sizes.
typedef struct {
    forward_fn forward;
    weight_fn weight;
    int vl, ro, rq, wo, wt;
    lanes_fn lanes[3];                 // 4, 2, 1 channel vectors per tile
    int lanes_pt[3];                   // pixels (forward) or (channel, tap) pairs (weight) per tile of each
    lanes_weight_fn lanes_weight[3];
} isa_kernels;

// Output planes below this (OH*OW) run the channels-in-lanes kernels whatever the channel counts.
#define LANES_MAX_PLANE 100

static inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
static inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// One output phase (a, b) of dx: its taps and the rows/columns u in [u0, u1), v in [v0, v1) of padded dx pixels
// (s u + a, s v + b) that are real pixels.
typedef struct {
    int64_t a, b, u0, u1, v0, v1, taps;
    int64_t tap[64];
} dx_phase;

// The lanes drivers (conv_direct_lanes.c); a LETHE_* status. Input gradient: the output phases ph [nph] with
// their taps (at most max_taps), dy padded by pt rows / pl columns in front into planes of rows x wd.
int conv_lanes_forward(const conv_geom *g, const isa_kernels *isa, const float *x, const float *w, const float *bias,
                       float *out);
int conv_lanes_weight(const conv_geom *g, const isa_kernels *isa, const float *dy, const float *x, float *dw);
int conv_lanes_backward_input(const conv_geom *g, const isa_kernels *isa, const dx_phase *ph, int64_t nph,
                              int64_t max_taps, int64_t pt, int64_t pl, int64_t rows, int64_t wd, const float *dy,
                              const float *w, float *dx);

#endif
