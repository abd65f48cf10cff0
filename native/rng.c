// rng.c — the Philox4x32-10 streams of ai.lethe.backend.Philox, bit for bit (random tensors, and the Gaussian
// noise added in place by lethe_add_gaussian_noise):
//   key = (seed low, seed high); block b -> philox(key, (b low, b high, 0, 0)) = 4 words
//   UNIFORM / BERNOULLI element i: word i % 4 of block counter + i / 4, u = (w >> 8) 2^-24
//   NORMAL element i: words 2 (i % 2), 2 (i % 2) + 1 of block counter + i / 2, Box-Muller (cosine branch)
//          in double: sqrt(-2 ln u1) cos(2 pi u2), u1 = ((w0 >> 8) + 1) 2^-24, u2 = (w1 >> 8) 2^-24.
// Every value is computed in double exactly as the Java code does (this file is compiled without FMA
// contraction) and rounded once to float; element i depends only on (seed, counter, i), so the blocks can be
// split across threads freely.
#include "common.h"

#include <math.h>
#include <omp.h>

// Keep in the order of ai.lethe.backend.RandomKind.
enum { K_UNIFORM, K_NORMAL, K_BERNOULLI };

#define TWO_POW_M24 (1.0 / 16777216.0)

static inline void philox_block(uint64_t seed, uint64_t block, uint32_t out[4]) {
    uint32_t k0 = (uint32_t) seed, k1 = (uint32_t) (seed >> 32);
    uint32_t c0 = (uint32_t) block, c1 = (uint32_t) (block >> 32), c2 = 0, c3 = 0;
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t) 0xD2511F53u * c0, p1 = (uint64_t) 0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t) (p1 >> 32) ^ c1 ^ k0, n2 = (uint32_t) (p0 >> 32) ^ c3 ^ k1;
        c1 = (uint32_t) p1;
        c3 = (uint32_t) p0;
        c0 = n0;
        c2 = n2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

static inline double uniform_of(uint32_t w) { return (double) (w >> 8) * TWO_POW_M24; }

static inline double uniform_open_zero_of(uint32_t w) { return (double) ((w >> 8) + 1) * TWO_POW_M24; }

// Elements of blocks [b0, b1) (relative to counter) of a draw of n elements into dst.
static void fill_blocks(int kind, float *dst, int64_t n, uint64_t seed, uint64_t counter, int64_t b0, int64_t b1,
                        double a, double b) {
    const int per_block = kind == K_NORMAL ? 2 : 4;
    uint32_t w[4];
    for (int64_t blk = b0; blk < b1; blk++) {
        philox_block(seed, counter + (uint64_t) blk, w);
        for (int lane = 0; lane < per_block; lane++) {
            int64_t i = blk * per_block + lane;
            if (i >= n) break;
            double v;
            switch (kind) {
                case K_UNIFORM: v = a + (b - a) * uniform_of(w[lane]); break;
                case K_BERNOULLI: v = uniform_of(w[lane]) < a ? 1 : 0; break;
                default: {
                    double u1 = uniform_open_zero_of(w[2 * lane]), u2 = uniform_of(w[2 * lane + 1]);
                    v = a + b * (sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
                }
            }
            dst[i] = (float) v;
        }
    }
}

// dst [n] (contiguous float32) = draw of `kind` with parameters (a, b) from stream (seed, counter).
LETHE_EXPORT int lethe_random(int kind, float *dst, int64_t n, int64_t seed, int64_t counter, double a, double b) {
    if (kind < K_UNIFORM || kind > K_BERNOULLI) return LETHE_ERR_ARG;
    const int64_t blocks = kind == K_NORMAL ? (n + 1) / 2 : (n + 3) / 4;
    const int threads = threads_for(n, kind == K_NORMAL ? GRAIN_MATH : GRAIN_MEMORY / 4);
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        fill_blocks(kind, dst, n, (uint64_t) seed, (uint64_t) counter, blocks * t / nt, blocks * (t + 1) / nt, a, b);
    }
    return LETHE_OK;
}

// Elements of blocks [b0, b1) (relative to counter) of the noise of lethe_add_gaussian_noise.
static void noise_blocks(float *theta, const float *std, int64_t n, uint64_t seed, uint64_t counter, int64_t b0,
                         int64_t b1) {
    uint32_t w[4];
    for (int64_t blk = b0; blk < b1; blk++) {
        philox_block(seed, counter + (uint64_t) blk, w);
        for (int lane = 0; lane < 2; lane++) {
            int64_t i = blk * 2 + lane;
            if (i >= n) break;
            double u1 = uniform_open_zero_of(w[2 * lane]), u2 = uniform_of(w[2 * lane + 1]);
            // z as lethe_random(K_NORMAL, a = 0, b = 1) stores it
            float z = (float) (0.0 + 1.0 * (sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2)));
            theta[i] = (float) ((double) theta[i] + (double) std[i] * (double) z);
        }
    }
}

// theta [n] += std [n] * z (contiguous float32), z the NORMAL(0, 1) draw of (seed, counter) exactly as
// lethe_random stores it (rounded to float); the sum is computed in double and rounded once.
LETHE_EXPORT int lethe_add_gaussian_noise(float *theta, const float *std, int64_t n, int64_t seed, int64_t counter) {
    const int64_t blocks = (n + 1) / 2;
    const int threads = threads_for(n, GRAIN_MATH);
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        noise_blocks(theta, std, n, (uint64_t) seed, (uint64_t) counter, blocks * t / nt, blocks * (t + 1) / nt);
    }
    return LETHE_OK;
}
