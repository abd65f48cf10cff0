// Elementwise functions of one tensor, with up to two scalar parameters p0, p1 (used by AFFINE, POW, CLAMP).
// Every backend computes them the same way; the ref backend's formulas (RefMath) are the definition.
package ai.lethe.backend;

public enum UnaryOp {
    NEG, ABS, SIGN, EXP, LOG, SQRT, RSQRT, SQUARE, RECIPROCAL, SIN, COS, TANH, SIGMOID, RELU,
    /** GELU, exact: x·Φ(x) = x·(1 + erf(x/√2))/2. */
    GELU_ERF,
    /** GELU, tanh approximation: x/2·(1 + tanh(√(2/π)·(x + 0.044715x³))). */
    GELU_TANH,
    ERF, ERFINV,
    /** x·p0 + p1. */
    AFFINE,
    /** x^p0. */
    POW,
    /** min(max(x, p0), p1). */
    CLAMP
}
