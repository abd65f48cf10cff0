// Reductions over a set of dimensions. VAR takes the Bessel correction in p0 (1 = unbiased, as torch.var).
package ai.lethe.backend;

public enum ReduceOp { SUM, MEAN, MAX, MIN, VAR }
