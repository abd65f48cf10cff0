// philox.cuh: the Philox4x32-10 streams of ai.lethe.backend.Philox (and native/rng.c) as device functions, bit
// for bit: key = (seed low, seed high); block b -> philox(key, (b low, b high, 0, 0)) = 4 words.
//   UNIFORM / BERNOULLI element i: word i % 4 of block counter + i / 4, u = (w >> 8) 2^-24
//   NORMAL element i: words 2 (i % 2), 2 (i % 2) + 1 of block counter + i / 2, Box-Muller (cosine branch) in
//          double: sqrt(-2 ln u1) cos(2 pi u2), u1 = ((w0 >> 8) + 1) 2^-24, u2 = (w1 >> 8) 2^-24.
// The integer part is exact on every device. The double arithmetic is written with explicitly rounded operations
// (lethe_dmul_rn & co.), so nvcc contracts nothing into an FMA and the order of operations is the Java code's;
// under the emulator (g++ -ffp-contract=off, glibc's log/cos) the values are those of the cpu backend bit for bit.
// On a GPU, CUDA's double log and cos may differ from glibc/Java by an ulp of the double, which the final rounding
// to float almost always absorbs (the parity tests allow one float ulp against ref, as for the cpu backend).
#pragma once
#include "lethe_device.cuh"

// lethe_d2f_rn(x): x rounded to float, a rounding the compiler must keep. Under the emulator through a volatile:
// g++ 12 -O2 was seen (add_gaussian_noise_f32's pair of elements, SLP-vectorised) to drop a (float) round trip of
// a double that is then used in double arithmetic, which changed the noise by an ulp or two.
#ifdef LETHE_EMULATE
static inline double lethe_dmul_rn(double a, double b) { return a * b; }
static inline double lethe_dadd_rn(double a, double b) { return a + b; }
static inline float lethe_d2f_rn(double x) {
    volatile float f = (float)x;
    return f;
}
#else
static __device__ __forceinline__ double lethe_dmul_rn(double a, double b) { return __dmul_rn(a, b); }
static __device__ __forceinline__ double lethe_dadd_rn(double a, double b) { return __dadd_rn(a, b); }
static __device__ __forceinline__ float lethe_d2f_rn(double x) { return __double2float_rn(x); }
#endif

struct PhiloxWords {
    unsigned int w[4];
};

// The four words of block `block` under key `seed`.
static __device__ __forceinline__ PhiloxWords philox_block(unsigned long long seed, unsigned long long block) {
    unsigned int k0 = (unsigned int)seed, k1 = (unsigned int)(seed >> 32);
    unsigned int c0 = (unsigned int)block, c1 = (unsigned int)(block >> 32), c2 = 0, c3 = 0;
#pragma unroll
    for (int round = 0; round < 10; round++) {
        unsigned long long p0 = (unsigned long long)0xD2511F53u * c0, p1 = (unsigned long long)0xCD9E8D57u * c2;
        unsigned int n0 = (unsigned int)(p1 >> 32) ^ c1 ^ k0, n2 = (unsigned int)(p0 >> 32) ^ c3 ^ k1;
        c1 = (unsigned int)p1;
        c3 = (unsigned int)p0;
        c0 = n0;
        c2 = n2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    PhiloxWords out;
    out.w[0] = c0;
    out.w[1] = c1;
    out.w[2] = c2;
    out.w[3] = c3;
    return out;
}

// Uniform in [0, 1) from one word (exact in double).
static __device__ __forceinline__ double philox_uniform(unsigned int w) { return (double)(w >> 8) * (1.0 / 16777216.0); }

// Uniform in (0, 1] from one word (exact in double; safe for log).
static __device__ __forceinline__ double philox_uniform_open_zero(unsigned int w) {
    return (double)((w >> 8) + 1) * (1.0 / 16777216.0);
}

// Standard normal from two words (Box-Muller, cosine branch), in double as Philox.normal computes it.
static __device__ __forceinline__ double philox_normal(unsigned int w0, unsigned int w1) {
    double r = sqrt(lethe_dmul_rn(-2.0, log(philox_uniform_open_zero(w0))));
    double angle = lethe_dmul_rn(lethe_dmul_rn(2.0, 3.141592653589793), philox_uniform(w1));
    return lethe_dmul_rn(r, cos(angle));
}

// The standard normal draw of element i of a NORMAL stream (seed, counter), in double (round it once).
static __device__ __forceinline__ double philox_normal_at(unsigned long long seed, unsigned long long counter, long long i) {
    const PhiloxWords r = philox_block(seed, counter + (unsigned long long)(i / 2));
    const int lane = (int)(i % 2) * 2;
    return philox_normal(r.w[lane], r.w[lane + 1]);
}
