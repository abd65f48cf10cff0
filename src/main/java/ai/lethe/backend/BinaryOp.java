// Elementwise functions of two tensors (already broadcast to the output's shape), with scalar parameters
// p0, p1. Comparisons write 1 or 0. The *_BACKWARD ops are the fused gradient rules of activations:
// their first operand is the incoming gradient g, the second the saved input x or output y.
package ai.lethe.backend;

public enum BinaryOp {
    /** a + p0·b. */
    ADD,
    /** a − p0·b. */
    SUB,
    MUL, DIV, POW, MAXIMUM, MINIMUM,
    EQ, NE, LT, LE, GT, GE,
    /** g · (x > 0). */
    RELU_BACKWARD,
    /** g · d/dx GELU_ERF(x). */
    GELU_ERF_BACKWARD,
    /** g · d/dx GELU_TANH(x). */
    GELU_TANH_BACKWARD,
    /** g · y(1 − y), y = sigmoid output. */
    SIGMOID_BACKWARD,
    /** g · (1 − y²), y = tanh output. */
    TANH_BACKWARD,
    /** g · (p0 ≤ x ≤ p1). */
    CLAMP_BACKWARD;

    public boolean isComparison() { return ordinal() >= EQ.ordinal() && ordinal() <= GE.ordinal(); }
}
