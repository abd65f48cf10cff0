// optim.c — fused optimizer steps, one pass over contiguous float32 parameters, their state and an optional
// pruning mask, with torch.optim's semantics (see SgdParams / AdamParams): each element's update is computed
// in double, as the ref backend does, and rounded once when stored. Where the mask is 0 the parameter and its
// state are set to exactly 0 and nothing else happens (a masked update: gradient, momentum, weight decay and
// l1 all respect the mask); a NULL mask updates every element. The masked and unmasked loops are separate
// instantiations of one body, so the unmasked step costs what it did before masks existed.
#include "common.h"

#include <math.h>

// sign(w): 1, -1, or 0 for 0 and NaN.
static inline double sign_of(double w) { return (double) ((w > 0) - (w < 0)); }

// The SGD update of element i (mask already checked).
#define SGD_BODY(I)                                                                              \
    do {                                                                                         \
        double w = param[I], d = maximize ? -(double) grad[I] : (double) grad[I];                \
        if (weight_decay != 0) d += weight_decay * w;                                            \
        if (l1 != 0) d += l1 * sign_of(w);                                                       \
        if (momentum != 0) {                                                                     \
            double buf = first_step ? d : momentum * momentum_buffer[I] + (1 - dampening) * d;   \
            momentum_buffer[I] = (float) buf;                                                    \
            d = nesterov ? d + momentum * buf : buf;                                             \
        }                                                                                        \
        param[I] = (float) (w - lr * d);                                                         \
    } while (0)

// SGD with momentum, dampening, weight decay, l1 (d += l1 sign(θ)), Nesterov and maximize; momentum_buffer may
// be NULL when momentum is 0, mask (0: pruned) may be NULL. first_step: the buffer starts as the first
// gradient.
LETHE_EXPORT int lethe_sgd_step(int64_t n, float *param, const float *grad, float *momentum_buffer,
                                const float *mask, double lr, double momentum, double dampening, double weight_decay,
                                double l1, int nesterov, int maximize, int first_step) {
    if (momentum != 0 && !momentum_buffer) return LETHE_ERR_ARG;
    if (!mask) {
#pragma omp parallel for simd schedule(static) if (n >= GRAIN_MEMORY)
        for (int64_t i = 0; i < n; i++) SGD_BODY(i);
        return LETHE_OK;
    }
#pragma omp parallel for simd schedule(static) if (n >= GRAIN_MEMORY)
    for (int64_t i = 0; i < n; i++) {
        if (mask[i] == 0) {
            param[i] = 0;
            if (momentum != 0) momentum_buffer[i] = 0;
        } else {
            SGD_BODY(i);
        }
    }
    return LETHE_OK;
}

// The Adam update of element i (mask already checked).
#define ADAM_BODY(I)                                                                             \
    do {                                                                                         \
        double w = param[I], g = maximize ? -(double) grad[I] : (double) grad[I];                \
        if (weight_decay != 0) {                                                                 \
            if (decoupled) w *= 1 - lr * weight_decay;                                           \
            else g += weight_decay * w;                                                          \
        }                                                                                        \
        double m = beta1 * exp_avg[I] + (1 - beta1) * g;                                         \
        double v = beta2 * exp_avg_sq[I] + (1 - beta2) * g * g;                                  \
        exp_avg[I] = (float) m;                                                                  \
        exp_avg_sq[I] = (float) v;                                                               \
        param[I] = (float) (w - step_size * m / (sqrt(v) / bias2_sqrt + eps));                   \
    } while (0)

// Adam / AdamW (decoupled weight decay), bias-corrected with the 1-based step count; mask may be NULL.
LETHE_EXPORT int lethe_adam_step(int64_t n, float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                                 const float *mask, double lr, double beta1, double beta2, double eps,
                                 double weight_decay, int decoupled, int maximize, int64_t step) {
    const double bias1 = 1 - pow(beta1, (double) step), bias2 = 1 - pow(beta2, (double) step);
    const double step_size = lr / bias1, bias2_sqrt = sqrt(bias2);
    if (!mask) {
#pragma omp parallel for simd schedule(static) if (n >= GRAIN_MEMORY)
        for (int64_t i = 0; i < n; i++) ADAM_BODY(i);
        return LETHE_OK;
    }
#pragma omp parallel for simd schedule(static) if (n >= GRAIN_MEMORY)
    for (int64_t i = 0; i < n; i++) {
        if (mask[i] == 0) {
            param[i] = 0;
            exp_avg[i] = 0;
            exp_avg_sq[i] = 0;
        } else {
            ADAM_BODY(i);
        }
    }
    return LETHE_OK;
}
