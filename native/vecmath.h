// vecmath.h — float math the compiler can vectorise (branch-free, no libm calls): exp, tanh, sigmoid and
// erfc with relative errors of a few float ulps, with IEEE NaN/inf behaviour; plus double-precision erfinv
// written exactly as the ref backend's (SpecialFunctions.erfinv) for the ERFINV op.
#ifndef LETHE_VECMATH_H
#define LETHE_VECMATH_H

#include <math.h>
#include <stdint.h>

static inline float bits_to_f32(int32_t b) {
    union { int32_t i; float f; } u = {.i = b};
    return u.f;
}

// 2^n for n in [-126, 127], built in the exponent field.
static inline float pow2_f32(int32_t n) { return bits_to_f32((n + 127) << 23); }

// e^x: range reduction x = k ln2 + r (Cody-Waite, |r| <= ln2/2), degree-6 polynomial (Cephes expf), and
// scaling by 2^k in two halves so that results in the subnormal range and overflow to inf come out right.
static inline float exp_f32(float x) {
    float xc = x < -105.0f ? -105.0f : (x > 89.0f ? 89.0f : x);
    float k = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;   // round to nearest integer
    float r = fmaf(k, -0.693145751953125f, xc);
    r = fmaf(k, -1.428606765330187045e-6f, r);
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    float y = fmaf(p * r, r, r) + 1.0f;
    int32_t ki = (int32_t) k, k1 = ki >> 1, k2 = ki - k1;
    float result = y * pow2_f32(k1) * pow2_f32(k2);
    return x != x ? x : result;
}

// 1 / (1 + e^-x).
static inline float sigmoid_f32(float x) { return 1.0f / (1.0f + exp_f32(-x)); }

// tanh: an odd Taylor polynomial below |x| = 0.3 (where 1 - 2/(e^2x + 1) would cancel), the exp form above.
static inline float tanh_f32(float x) {
    float ax = fabsf(x), x2 = x * x;
    float small = x * (1.0f + x2 * (-0.333333333f + x2 * (0.133333333f + x2 * (-0.053968254f + x2 * 0.021869488f))));
    float large = 1.0f - 2.0f / (exp_f32(2.0f * ax) + 1.0f);
    large = copysignf(large, x);
    return ax < 0.3f ? small : large;
}

// erfc(x) with relative error below ~1.2e-7 on the whole line (Numerical Recipes' Chebyshev fit of
// erfc(z) = t exp(-z^2 + P(t)), t = 1/(1 + z/2), reflected for x < 0).
static inline float erfc_f32(float x) {
    float z = fabsf(x);
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = fmaf(p, t, -0.82215223f);
    p = fmaf(p, t, 1.48851587f);
    p = fmaf(p, t, -1.13520398f);
    p = fmaf(p, t, 0.27886807f);
    p = fmaf(p, t, -0.18628806f);
    p = fmaf(p, t, 0.09678418f);
    p = fmaf(p, t, 0.37409196f);
    p = fmaf(p, t, 1.00002368f);
    p = fmaf(p, t, -1.26551223f);
    // e^(-z^2 + p) as e^(-z2) e^(p - lo) with z^2 = z2 + lo exactly, so the rounding of z^2 (large
    // against the result's exponent in the tails) does not show
    float z2 = z * z;
    float lo = z < 1.0e4f ? fmaf(z, z, -z2) : 0.0f;
    float r = t * exp_f32(-z2) * exp_f32(p - lo);
    float result = x < 0.0f ? 2.0f - r : r;
    return x != x ? x : result;
}

// Standard normal CDF, Phi(x) = erfc(-x / sqrt 2) / 2, accurate in relative terms in both tails.
static inline float normal_cdf_f32(float x) { return 0.5f * erfc_f32(-0.70710678118654752f * x); }

// The ref backend's erfinv (Giles' single-precision approximation refined by three Newton steps on erf).
static inline double erfinv_f64(double y) {
    if (isnan(y) || y < -1 || y > 1) return NAN;
    if (y == 1) return INFINITY;
    if (y == -1) return -INFINITY;
    double w = -log((1.0 - y) * (1.0 + y)), p;
    if (w < 5.0) {
        w -= 2.5;
        p = 2.81022636e-08;
        p = 3.43273939e-07 + p * w;
        p = -3.5233877e-06 + p * w;
        p = -4.39150654e-06 + p * w;
        p = 0.00021858087 + p * w;
        p = -0.00125372503 + p * w;
        p = -0.00417768164 + p * w;
        p = 0.246640727 + p * w;
        p = 1.50140941 + p * w;
    } else {
        w = sqrt(w) - 3.0;
        p = -0.000200214257;
        p = 0.000100950558 + p * w;
        p = 0.00134934322 + p * w;
        p = -0.00367342844 + p * w;
        p = 0.00573950773 + p * w;
        p = -0.0076224613 + p * w;
        p = 0.00943887047 + p * w;
        p = 1.00167406 + p * w;
        p = 2.83297682 + p * w;
    }
    double x = p * y;
    for (int i = 0; i < 3; i++) x -= (erf(x) - y) / (2.0 * 0.56418958354775628695 * exp(-x * x));
    return x;
}

#endif
