// pool.cu: 2-D max, average and adaptive average pooling of contiguous float32 NCHW tensors, and their gradients.
// Window and divisor rules are PyTorch's, as in the CPU references ai.lethe.backend.ref.RefNn and native/pool.c
// (parity in CudaNnParityTest and the conformance suite).
//
// Forward: one thread per output element (1-D grid-stride over planes * OH * OW).
// Backward: one thread per INPUT element, which gathers the gradient of every output window that covers it (no
// atomics: the result is the same bits on every run). Output window y covers input row i when
// y * sh - ph <= i < y * sh - ph + kh (the clipped end min(., H + ph) never cuts below i < H), so y runs over
// [ceil((i + ph - kh + 1) / sh), floor((i + ph) / sh)] within [0, OH).
// max pooling: indices (int64) are h * W + w within the plane; a NaN wins (as in the ref backend); ties keep the
// first in row-major window order. maxPool2d backward checks every index first (pool_check_indices: the first
// out-of-range one goes to the backend's device error record, reported at the next synchronisation).
#include "lethe_device.cuh"
#include "nn_common.cuh"
#include "strided.cuh"

// The first and one-past-last output index whose window (stride s, padding p, size k) covers input index i.
static __device__ __forceinline__ void nn_pool_covering(int i, int s, int p, int k, int out, int* first, int* end) {
    int lo = i + p - k + 1;   // y * s >= lo
    int f = lo <= 0 ? 0 : (lo + s - 1) / s;
    int e = (i + p) / s + 1;
    *first = f;
    *end = e < out ? e : out;
}

// PyTorch's avg_pool2d window along one axis: clipped [start, end) and the divisor's factor (with padding).
static __device__ __forceinline__ void nn_pool_avg_window(int o, int s, int p, int k, int size, int* start, int* end,
                                                       int* pool) {
    int a = o * s - p;
    int b = a + k < size + p ? a + k : size + p;
    *pool = b - a;
    *start = a > 0 ? a : 0;
    *end = b < size ? b : size;
}

// The geometry's sizes as ints (CudaNn checks that every plane and window size fits in 31 bits).
#define NN_POOL_INTS(g)                                                                                          \
    const int H = (int)(g).h, W = (int)(g).w, OH = (int)(g).oh, OW = (int)(g).ow, KH = (int)(g).kh,          \
              KW = (int)(g).kw, SH = (int)(g).sh, SW = (int)(g).sw, PH = (int)(g).ph, PW = (int)(g).pw;    \
    (void)H; (void)W; (void)OH; (void)OW; (void)KH; (void)KW; (void)SH; (void)SW; (void)PH; (void)PW

LETHE_KERNEL(max_pool2d_f32, 256,
             const float* __restrict__ x,     // [planes, h, w]
             float* __restrict__ out,         // [planes, oh, ow]
             long long* __restrict__ indices, // [planes, oh, ow]
             NnPoolGeometry g) {
    NN_POOL_INTS(g);
    long long total = g.planes * OH * OW;
    for (long long t = grid_first(); t < total; t += grid_step()) {
        long long p = t / (OH * OW);
        int r = (int)(t - p * (OH * OW)), y = r / OW, z = r - y * OW;
        const float* plane = x + p * H * W;
        float best = -INFINITY;
        int at = -1;
        for (int i = 0; i < KH; i++) {
            int ih = y * SH - PH + i;
            if (ih < 0 || ih >= H) continue;
            for (int j = 0; j < KW; j++) {
                int iw = z * SW - PW + j;
                if (iw < 0 || iw >= W) continue;
                float v = plane[ih * W + iw];
                if (at < 0 || v > best || (v != v && best == best)) {
                    best = v;
                    at = ih * W + iw;
                }
            }
        }
        out[t] = best;
        indices[t] = at;
    }
}

// Records the first index found outside [0, plane_size) in err, the backend's device error record
// (DeviceErrors.java; index.cu writes it the same way): the first finder sets err[0] = 1 by atomicCAS and writes
// err[1] = the index, err[2] = op (the backend's code for maxPool2dBackward), err[3] = -1 (no axis: a plane),
// err[4] = plane_size. No host round trip: the backend reports it at the next synchronisation. A bad index never
// addresses memory (max_pool2d_backward only compares indices with positions).
LETHE_KERNEL(pool_check_indices, 256,
             const long long* __restrict__ indices,  // [n]
             unsigned long long* err,                 // [5] the device error record
             long long n, long long plane_size, int op) {
    for (long long t = grid_first(); t < n; t += grid_step()) {
        long long v = indices[t];
        if ((v < 0 || v >= plane_size) && atomicCAS(err, 0ULL, 1ULL) == 0ULL) {
            err[1] = (unsigned long long)v;
            err[2] = (unsigned long long)op;
            err[3] = (unsigned long long)(long long)-1;
            err[4] = (unsigned long long)plane_size;
        }
    }
}

LETHE_KERNEL(max_pool2d_backward_f32, 256,
             const float* __restrict__ dy,           // [planes, oh, ow]
             const long long* __restrict__ indices,  // [planes, oh, ow]
             float* __restrict__ dx,                 // [planes, h, w]
             NnPoolGeometry g) {
    NN_POOL_INTS(g);
    long long total = g.planes * H * W;
    for (long long t = grid_first(); t < total; t += grid_step()) {
        long long p = t / (H * W);
        int self = (int)(t - p * (H * W)), ih = self / W, iw = self - ih * W;
        int y0, y1, z0, z1;
        nn_pool_covering(ih, SH, PH, KH, OH, &y0, &y1);
        nn_pool_covering(iw, SW, PW, KW, OW, &z0, &z1);
        long long base = p * OH * OW;
        float acc = 0.0f;
        for (int y = y0; y < y1; y++)
            for (int z = z0; z < z1; z++) {
                long long k = base + y * OW + z;
                if (indices[k] == self) acc += dy[k];
            }
        dx[t] = acc;
    }
}

LETHE_KERNEL(avg_pool2d_f32, 256,
             const float* __restrict__ x,  // [planes, h, w]
             float* __restrict__ out,      // [planes, oh, ow]
             NnPoolGeometry g) {
    NN_POOL_INTS(g);
    long long total = g.planes * OH * OW;
    for (long long t = grid_first(); t < total; t += grid_step()) {
        long long p = t / (OH * OW);
        int r = (int)(t - p * (OH * OW)), y = r / OW, z = r - y * OW;
        int h0, h1, ph, w0, w1, pw;
        nn_pool_avg_window(y, SH, PH, KH, H, &h0, &h1, &ph);
        nn_pool_avg_window(z, SW, PW, KW, W, &w0, &w1, &pw);
        const float* plane = x + p * H * W;
        float sum = 0.0f;
        for (int i = h0; i < h1; i++)
            for (int j = w0; j < w1; j++) sum += plane[i * W + j];
        int div = g.count_include_pad ? ph * pw : (h1 - h0) * (w1 - w0);
        out[t] = sum / (float)div;
    }
}

LETHE_KERNEL(avg_pool2d_backward_f32, 256,
             const float* __restrict__ dy,  // [planes, oh, ow]
             float* __restrict__ dx,        // [planes, h, w]
             NnPoolGeometry g) {
    NN_POOL_INTS(g);
    const bool include_pad = g.count_include_pad != 0;
    long long total = g.planes * H * W;
    for (long long t = grid_first(); t < total; t += grid_step()) {
        long long p = t / (H * W);
        int r = (int)(t - p * (H * W)), ih = r / W, iw = r - ih * W;
        int y0, y1, z0, z1;
        nn_pool_covering(ih, SH, PH, KH, OH, &y0, &y1);
        nn_pool_covering(iw, SW, PW, KW, OW, &z0, &z1);
        const float* plane = dy + p * OH * OW;
        float acc = 0.0f;
        for (int y = y0; y < y1; y++) {
            int h0, h1, ph;
            nn_pool_avg_window(y, SH, PH, KH, H, &h0, &h1, &ph);
            for (int z = z0; z < z1; z++) {
                int w0, w1, pw;
                nn_pool_avg_window(z, SW, PW, KW, W, &w0, &w1, &pw);
                int div = include_pad ? ph * pw : (h1 - h0) * (w1 - w0);
                // 2 ulp; the IEEE division's slow-path call spills here
                acc += __fdividef(plane[y * OW + z], (float)div);
            }
        }
        dx[t] = acc;
    }
}

// The adaptive window of output o along an axis of size `size` pooled to `out`: [o * size / out, ceil((o + 1) *
// size / out)).
static __device__ __forceinline__ int nn_pool_adaptive_start(int o, int size, int out) {
    return (int)((long long)o * size / out);
}
static __device__ __forceinline__ int nn_pool_adaptive_end(int o, int size, int out) {
    return (int)(((long long)(o + 1) * size + out - 1) / out);
}

LETHE_KERNEL(adaptive_avg_pool2d_f32, 256,
             const float* __restrict__ x,  // [planes, h, w]
             float* __restrict__ out,      // [planes, oh, ow]
             long long planes, int h, int w, int oh, int ow) {
    long long total = planes * oh * ow;
    for (long long t = grid_first(); t < total; t += grid_step()) {
        long long p = t / (oh * ow);
        int r = (int)(t - p * (oh * ow)), y = r / ow, z = r - y * ow;
        int h0 = nn_pool_adaptive_start(y, h, oh), h1 = nn_pool_adaptive_end(y, h, oh);
        int w0 = nn_pool_adaptive_start(z, w, ow), w1 = nn_pool_adaptive_end(z, w, ow);
        const float* plane = x + p * h * w;
        float sum = 0.0f;
        for (int i = h0; i < h1; i++)
            for (int j = w0; j < w1; j++) sum += plane[i * w + j];
        out[t] = sum / (float)((h1 - h0) * (w1 - w0));
    }
}

LETHE_KERNEL(adaptive_avg_pool2d_backward_f32, 256,
             const float* __restrict__ dy,  // [planes, oh, ow]
             float* __restrict__ dx,        // [planes, h, w]
             long long planes, int h, int w, int oh, int ow) {
    long long total = planes * h * w;
    for (long long t = grid_first(); t < total; t += grid_step()) {
        long long p = t / (h * w);
        int r = (int)(t - p * (h * w)), ih = r / w, iw = r - ih * w;
        // the windows covering ih: start(y) <= ih < end(y); start and end grow with y, so begin at the first y
        // whose end passes ih and stop when the start passes it
        int y = (int)((long long)ih * oh / h);
        while (y > 0 && nn_pool_adaptive_end(y - 1, h, oh) > ih) y--;
        int z0 = (int)((long long)iw * ow / w);
        while (z0 > 0 && nn_pool_adaptive_end(z0 - 1, w, ow) > iw) z0--;
        const float* plane = dy + p * oh * ow;
        float acc = 0.0f;
        for (; y < oh && nn_pool_adaptive_start(y, h, oh) <= ih; y++) {
            int ye = nn_pool_adaptive_end(y, h, oh);
            if (ye <= ih) continue;
            int hs = ye - nn_pool_adaptive_start(y, h, oh);
            for (int z = z0; z < ow && nn_pool_adaptive_start(z, w, ow) <= iw; z++) {
                int ze = nn_pool_adaptive_end(z, w, ow);
                if (ze <= iw) continue;
                acc += plane[y * ow + z] / (float)(hs * (ze - nn_pool_adaptive_start(z, w, ow)));
            }
        }
        dx[t] = acc;
    }
}
