// How a conformance case's input is drawn: its shape and distribution (normal, positive, bounded, class
// indices), always from a seeded generator on the ref backend, then copied to the backend under test.
package ai.lethe.conformance;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

record Input(Shape shape, Kind kind, long bound, boolean differentiable) {
    enum Kind { NORMAL, POSITIVE, UNIT, INDEX, PROBABILITIES }

    static Input normal(long... dims) { return new Input(Shape.of(dims), Kind.NORMAL, 0, true); }

    /** Values in [0.5, 2.5): safe for log, sqrt, division. */
    static Input positive(long... dims) { return new Input(Shape.of(dims), Kind.POSITIVE, 0, true); }

    /** Values in (-0.9, 0.9): safe for erfinv. */
    static Input unit(long... dims) { return new Input(Shape.of(dims), Kind.UNIT, 0, true); }

    /** int64 values in [0, bound). */
    static Input index(long bound, long... dims) { return new Input(Shape.of(dims), Kind.INDEX, bound, false); }

    /** Rows that sum to 1 along the last dimension. */
    static Input probabilities(long... dims) { return new Input(Shape.of(dims), Kind.PROBABILITIES, 0, true); }

    /** The same input, not differentiated (a constant of the op). */
    Input constant() { return new Input(shape, kind, bound, false); }

    Tensor create(Generator gen) {
        return switch (kind) {
            case NORMAL -> Tensor.randn(shape, gen, Device.REF);
            case POSITIVE -> Tensor.uniform(shape, 0.5, 2.5, gen, DType.FLOAT32, Device.REF);
            case UNIT -> Tensor.uniform(shape, -0.9, 0.9, gen, DType.FLOAT32, Device.REF);
            case INDEX -> {
                float[] u = Tensor.uniform(shape, 0, 1, gen, DType.FLOAT32, Device.REF).toFloatArray();
                long[] v = new long[u.length];
                for (int i = 0; i < u.length; i++) v[i] = Math.min(bound - 1, (long) (u[i] * bound));
                yield Tensor.fromLongs(v, Device.REF, shape.dims());
            }
            case PROBABILITIES -> Tensor.randn(shape, gen, Device.REF).softmax(-1);
        };
    }
}
