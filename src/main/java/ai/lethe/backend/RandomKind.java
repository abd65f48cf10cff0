// Distributions of the counter-based generator (Philox4x32-10, see Philox), with their parameters a, b:
// UNIFORM on [a, b); NORMAL with mean a and standard deviation b; BERNOULLI: 1 with probability a, else 0.
package ai.lethe.backend;

public enum RandomKind { UNIFORM, NORMAL, BERNOULLI }
