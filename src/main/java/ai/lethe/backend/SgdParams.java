// Hyper-parameters of one fused SGD step, with PyTorch's semantics (torch.optim.SGD):
//   d = ±g + wd·θ;  if momentum: buf = firstStep ? d : momentum·buf + (1 − dampening)·d;
//   d = nesterov ? d + momentum·buf : buf;  θ -= lr·d.
package ai.lethe.backend;

public record SgdParams(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                        boolean maximize, boolean firstStep) {}
