// cpu_check.c — compiled for the baseline x86-64 target (no AVX): tells Java whether this CPU can run the
// rest of the library, which is built for x86-64-v3 (AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE), before any of
// that code is called, so an old CPU gets a reason instead of an illegal-instruction crash of the JVM; and
// which vector extensions the CPU and the OS support, from which Java chooses OpenBLAS's kernel (never from
// the CPU's model name: virtual machines report generic names and unknown model numbers).
#include "common.h"

LETHE_EXPORT int lethe_cpu_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v3");
}

// Bits of lethe_cpu_features (ai.lethe.backend.cpu.CpuFeatures reads them).
enum {
    FEATURE_AVX = 1 << 0,
    FEATURE_AVX2 = 1 << 1,
    FEATURE_FMA = 1 << 2,
    FEATURE_AVX512F = 1 << 3,
    FEATURE_AVX512CD = 1 << 4,
    FEATURE_AVX512BW = 1 << 5,
    FEATURE_AVX512DQ = 1 << 6,
    FEATURE_AVX512VL = 1 << 7,
};

// The features the CPU reports and the OS has enabled (libgcc checks XCR0 for the AVX and AVX-512 state).
LETHE_EXPORT int lethe_cpu_features(void) {
    __builtin_cpu_init();
    int f = 0;
    if (__builtin_cpu_supports("avx")) f |= FEATURE_AVX;
    if (__builtin_cpu_supports("avx2")) f |= FEATURE_AVX2;
    if (__builtin_cpu_supports("fma")) f |= FEATURE_FMA;
    if (__builtin_cpu_supports("avx512f")) f |= FEATURE_AVX512F;
    if (__builtin_cpu_supports("avx512cd")) f |= FEATURE_AVX512CD;
    if (__builtin_cpu_supports("avx512bw")) f |= FEATURE_AVX512BW;
    if (__builtin_cpu_supports("avx512dq")) f |= FEATURE_AVX512DQ;
    if (__builtin_cpu_supports("avx512vl")) f |= FEATURE_AVX512VL;
    return f;
}
