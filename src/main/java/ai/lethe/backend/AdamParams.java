// Hyper-parameters of one fused Adam/AdamW step (torch.optim.Adam / AdamW), step counting from 1:
//   g = ±g (+ wd·θ unless decoupled);  decoupled: θ *= 1 − lr·wd;
//   m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;
//   θ -= lr/(1 − β1^t) · m / (√v/√(1 − β2^t) + ε).
package ai.lethe.backend;

public record AdamParams(double lr, double beta1, double beta2, double eps, double weightDecay,
                         boolean decoupledWeightDecay, boolean maximize, long step) {}
