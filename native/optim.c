// optim.c — fused optimizer steps, one pass over contiguous float32 parameters and their state, with
// torch.optim's semantics (see SgdParams / AdamParams): each element's update is computed in double, as the
// ref backend does, and rounded once when stored.
#include "common.h"

#include <math.h>

// SGD with momentum, dampening, weight decay, Nesterov and maximize; momentum_buffer may be NULL when
// momentum is 0. first_step: the buffer starts as the first gradient.
LETHE_EXPORT int lethe_sgd_step(int64_t n, float *param, const float *grad, float *momentum_buffer, double lr,
                                double momentum, double dampening, double weight_decay, int nesterov, int maximize,
                                int first_step) {
    if (momentum != 0 && !momentum_buffer) return LETHE_ERR_ARG;
#pragma omp parallel for simd schedule(static) if (n >= GRAIN_MEMORY)
    for (int64_t i = 0; i < n; i++) {
        double w = param[i], d = maximize ? -(double) grad[i] : (double) grad[i];
        if (weight_decay != 0) d += weight_decay * w;
        if (momentum != 0) {
            double buf = first_step ? d : momentum * momentum_buffer[i] + (1 - dampening) * d;
            momentum_buffer[i] = (float) buf;
            d = nesterov ? d + momentum * buf : buf;
        }
        param[i] = (float) (w - lr * d);
    }
    return LETHE_OK;
}

// Adam / AdamW (decoupled weight decay), bias-corrected with the 1-based step count.
LETHE_EXPORT int lethe_adam_step(int64_t n, float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                                 double lr, double beta1, double beta2, double eps, double weight_decay,
                                 int decoupled, int maximize, int64_t step) {
    const double bias1 = 1 - pow(beta1, (double) step), bias2 = 1 - pow(beta2, (double) step);
    const double step_size = lr / bias1, bias2_sqrt = sqrt(bias2);
#pragma omp parallel for simd schedule(static) if (n >= GRAIN_MEMORY)
    for (int64_t i = 0; i < n; i++) {
        double w = param[i], g = maximize ? -(double) grad[i] : (double) grad[i];
        if (weight_decay != 0) {
            if (decoupled) w *= 1 - lr * weight_decay;
            else g += weight_decay * w;
        }
        double m = beta1 * exp_avg[i] + (1 - beta1) * g;
        double v = beta2 * exp_avg_sq[i] + (1 - beta2) * g * g;
        exp_avg[i] = (float) m;
        exp_avg_sq[i] = (float) v;
        param[i] = (float) (w - step_size * m / (sqrt(v) / bias2_sqrt + eps));
    }
    return LETHE_OK;
}
