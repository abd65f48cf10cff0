// philox.cuh: Philox4x32-10 on the device, the counter-based generator behind every random tensor. The streams are
// defined by ai.lethe.backend.Philox (native/rng.c is the cpu backend's copy): key = (seed low, seed high), block b
// -> the bijection of counter (b low, b high, 0, 0), four 32-bit words. Element i of a draw depends only on (seed,
// counter, i), so any kernel (random_f32 in math.cu; Gaussian noise) reproduces the ref and cpu streams exactly.
//   UNIFORM/BERNOULLI element i: word i % 4 of block counter + i / 4, u = (word >> 8) * 2^-24;
//   NORMAL element i: words 2 (i % 2), 2 (i % 2) + 1 of block counter + i / 2, z = sqrt(-2 ln u1) cos(2 pi u2)
//   in double, u1 = ((w0 >> 8) + 1) * 2^-24, u2 = (w1 >> 8) * 2^-24 (lethe_philox_normal).
#pragma once
#include "lethe_device.cuh"

struct LethePhiloxBlock { unsigned w[4]; };

// The four words of block `block` under key `seed`: counter (block low, block high, 0, 0), ten rounds.
static __device__ __forceinline__ LethePhiloxBlock lethe_philox(unsigned long long seed, unsigned long long block) {
    unsigned c0 = (unsigned)block, c1 = (unsigned)(block >> 32), c2 = 0, c3 = 0;
    unsigned k0 = (unsigned)seed, k1 = (unsigned)(seed >> 32);
#pragma unroll
    for (int round = 0; round < 10; round++) {
        unsigned long long p0 = 0xD2511F53ull * c0, p1 = 0xCD9E8D57ull * c2;
        unsigned hi0 = (unsigned)(p0 >> 32), lo0 = (unsigned)p0, hi1 = (unsigned)(p1 >> 32), lo1 = (unsigned)p1;
        unsigned n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    LethePhiloxBlock r;
    r.w[0] = c0;
    r.w[1] = c1;
    r.w[2] = c2;
    r.w[3] = c3;
    return r;
}

// The standard normal draw of element i of a NORMAL stream (seed, counter), in double (round it once).
static __device__ __forceinline__ double lethe_philox_normal(unsigned long long seed, unsigned long long counter,
                                                             long long i) {
    LethePhiloxBlock r = lethe_philox(seed, counter + (unsigned long long)(i / 2));
    int lane = (int)(i % 2) * 2;
    double u1 = ((double)(r.w[lane] >> 8) + 1.0) * (1.0 / 16777216.0);
    double u2 = (double)(r.w[lane + 1] >> 8) * (1.0 / 16777216.0);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}
