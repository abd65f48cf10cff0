// The CUDA backend's fused, masked optimizer steps (SGD with momentum, dampening, Nesterov, weight decay and l1;
// Adam/AdamW): one kernel launch, one pass over each parameter and its state (cuda-kernels/optim.cu), with the
// semantics of the ref backend (RefOptim): each update in double, rounded once; where the mask is 0 the parameter
// and its state become exactly 0. float32 only; strided views are staged through contiguous copies (DenseFloat32).
// Called by CudaBackend after SpiChecks has validated the arguments; queues its kernels on the context's stream.
package ai.lethe.backend.cuda;

import ai.lethe.backend.AdamParams;
import ai.lethe.backend.SgdParams;
import ai.lethe.backend.View;

final class CudaOptim {
    // flags of optim.cu (LETHE_SGD_*, LETHE_ADAM_*)
    private static final int SGD_NESTEROV = 1, SGD_MAXIMIZE = 2, SGD_FIRST_STEP = 4;
    private static final int ADAM_DECOUPLED = 1, ADAM_MAXIMIZE = 2;

    private final CudaContext context;

    CudaOptim(CudaContext context) { this.context = context; }

    void sgdStep(View param, View grad, View momentumBuffer, View mask, SgdParams p) {
        String op = "sgdStep";
        DenseFloat32.require(op, param, grad, momentumBuffer, mask);
        if (p.momentum() != 0 && momentumBuffer == null)
            throw new IllegalArgumentException(op + ": momentum " + p.momentum() + " needs a momentum buffer");
        long n = param.numel();
        if (n == 0) return;
        int flags = (p.nesterov() ? SGD_NESTEROV : 0) | (p.maximize() ? SGD_MAXIMIZE : 0) | (p.firstStep() ? SGD_FIRST_STEP : 0);
        try (DenseFloat32 d = new DenseFloat32(context, op)) {
            long w = d.output(param), buf = d.output(momentumBuffer);
            KernelArgs args = new KernelArgs().pointer(w).pointer(d.input(grad)).pointer(buf).pointer(d.input(mask))
                    .i64(n).f64(p.lr()).f64(p.momentum()).f64(p.dampening()).f64(p.weightDecay()).f64(p.l1()).i32(flags);
            context.launch1d("sgd_step_f32", (n + 3) / 4, args);
            d.finish();
        }
    }

    void adamStep(View param, View grad, View expAvg, View expAvgSq, View mask, AdamParams p) {
        String op = "adamStep";
        DenseFloat32.require(op, param, grad, expAvg, expAvgSq, mask);
        long n = param.numel();
        if (n == 0) return;
        // bias corrections as RefOptim and native/optim.c compute them
        double bias1 = 1 - Math.pow(p.beta1(), p.step()), bias2 = 1 - Math.pow(p.beta2(), p.step());
        double stepSize = p.lr() / bias1, bias2Sqrt = Math.sqrt(bias2);
        int flags = (p.decoupledWeightDecay() ? ADAM_DECOUPLED : 0) | (p.maximize() ? ADAM_MAXIMIZE : 0);
        try (DenseFloat32 d = new DenseFloat32(context, op)) {
            long w = d.output(param), m = d.output(expAvg), v = d.output(expAvgSq);
            KernelArgs args = new KernelArgs().pointer(w).pointer(d.input(grad)).pointer(m).pointer(v).pointer(d.input(mask))
                    .i64(n).f64(p.lr()).f64(p.beta1()).f64(p.beta2()).f64(p.eps()).f64(p.weightDecay()).f64(stepSize)
                    .f64(bias2Sqrt).i32(flags);
            context.launch1d("adam_step_f32", (n + 3) / 4, args);
            d.finish();
        }
    }
}
