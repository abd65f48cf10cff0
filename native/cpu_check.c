// cpu_check.c — compiled for the baseline x86-64 target (no AVX): tells Java whether this CPU can run the
// rest of the library, which is built for x86-64-v3 (AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE), before any of
// that code is called, so an old CPU gets a reason instead of an illegal-instruction crash of the JVM.
#include "common.h"

LETHE_EXPORT int lethe_cpu_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v3");
}
