// Bad input of every kind is a Java exception whose message names the op and the shapes (or the index, or
// the closed tensor) — never a JVM crash. One test per kind, run on every available backend.
package ai.lethe.tensor;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.nn.F;
import ai.lethe.testing.TestBackends;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BadInputTest {
    static Stream<Device> devices() {
        return TestBackends.devices().stream();
    }

    private static <T extends Throwable> void fails(Class<T> type, Executable body, String... fragments) {
        try (Scope s = Scope.open()) {
            T e = assertThrows(type, body);
            for (String f : fragments)
                assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should contain '" + f + "'");
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void mismatchedShapes(Device d) {
        fails(IllegalArgumentException.class, () -> Tensor.zeros(Shape.of(2, 3), d).add(Tensor.zeros(Shape.of(4), d)),
                "add", "[2, 3]", "[4]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(Shape.of(2, 3), d).matmul(Tensor.zeros(Shape.of(4, 5), d)),
                "matmul", "[2, 3]", "[4, 5]");
        fails(IllegalArgumentException.class, () -> Tensor.cat(List.of(Tensor.zeros(Shape.of(2, 3), d), Tensor.zeros(Shape.of(3, 4), d)), 0),
                "cat", "[2, 3]", "[3, 4]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(Shape.of(2, 3), d).reshape(4, 2), "reshape", "[4, 2]", "[2, 3]");
        fails(IllegalArgumentException.class, () -> F.conv2d(Tensor.zeros(Shape.of(1, 3, 8, 8), d),
                Tensor.zeros(Shape.of(4, 2, 3, 3), d), null, 1, 1), "conv2d", "[1, 3, 8, 8]", "[4, 2, 3, 3]");
        fails(IllegalArgumentException.class, () -> F.crossEntropy(Tensor.zeros(Shape.of(4, 10), d),
                Tensor.fromLongs(new long[] {1, 2, 3}, d, 3)), "crossEntropy", "[4, 10]", "[3]");
    }

    @ParameterizedTest @MethodSource("devices")
    void wrongRanks(Device d) {
        fails(IllegalArgumentException.class, () -> F.conv2d(Tensor.zeros(Shape.of(3, 8, 8), d),
                Tensor.zeros(Shape.of(4, 3, 3, 3), d), null, 1, 1), "conv2d", "4-D", "[3, 8, 8]");
        fails(IllegalArgumentException.class, () -> F.maxPool2d(Tensor.zeros(Shape.of(8, 8), d), 2, 2, 0), "maxPool2d", "[8, 8]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(Shape.of(2, 3), d).permute(1, 0, 2), "permute", "[2, 3]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(Shape.of(2, 3), d).sum(2), "sum", "dimension 2", "[2, 3]");
        fails(IllegalArgumentException.class, () -> F.linear(Tensor.zeros(Shape.of(2, 3), d), Tensor.zeros(Shape.of(3), d), null),
                "linear", "[3]");
    }

    @ParameterizedTest @MethodSource("devices")
    void outOfRangeIndices(Device d) {
        Tensor index = Tensor.fromLongs(new long[] {0, 12}, d, 2, 1);
        fails(IndexOutOfBoundsException.class, () -> Tensor.zeros(Shape.of(2, 10), d).gather(1, index).toFloatArray(),
                "gather", "12", "size 10");
        fails(IndexOutOfBoundsException.class, () -> Tensor.zeros(Shape.of(5, 2), d)
                .indexSelect(0, Tensor.fromLongs(new long[] {-1}, d, 1)).toFloatArray(), "indexSelect", "-1", "size 5");
        // (read back: on a GPU backend a data-dependent error surfaces at the next synchronisation)
        fails(IndexOutOfBoundsException.class, () -> Tensor.fromLongs(new long[] {3, 9}, d, 2).oneHot(5).toFloatArray(), "9", "size 5");
        fails(IndexOutOfBoundsException.class, () -> Tensor.zeros(Shape.of(2, 3), d).select(1, 3), "select", "3", "size 3");
        fails(IndexOutOfBoundsException.class, () -> F.crossEntropy(Tensor.zeros(Shape.of(2, 4), d),
                Tensor.fromLongs(new long[] {1, 4}, d, 2)).item(), "crossEntropy", "4", "size 4");   // the fused op
    }

    @ParameterizedTest @MethodSource("devices")
    void useAfterScopeClosed(Device d) {
        Tensor t;
        try (Scope s = Scope.open()) {
            t = Tensor.ones(Shape.of(3), d);
        }
        fails(IllegalStateException.class, () -> t.add(1.0), "closed", "[3]");
        fails(IllegalStateException.class, t::toFloatArray, "closed");
        Tensor u = Tensor.ones(Shape.of(2), d);
        u.close();
        fails(IllegalStateException.class, () -> u.mul(u), "closed");
    }

    @ParameterizedTest @MethodSource("devices")
    void backwardOnNonScalarWithoutGradient(Device d) {
        fails(IllegalArgumentException.class, () -> {
            Tensor x = Tensor.ones(Shape.of(2, 3), d).setRequiresGrad(true);
            x.mul(2.0).backward();
        }, "backward", "non-scalar", "[2, 3]");
        fails(IllegalArgumentException.class, () -> {
            Tensor x = Tensor.ones(Shape.of(2, 3), d).setRequiresGrad(true);
            x.mul(2.0).backward(Tensor.ones(Shape.of(3), d));
        }, "backward", "[3]", "[2, 3]");
        fails(IllegalStateException.class, () -> Tensor.ones(Shape.of(1), d).sum().backward(), "does not require grad");
    }

    @ParameterizedTest @MethodSource("devices")
    void autogradMisuse(Device d) {
        fails(IllegalStateException.class, () -> Tensor.ones(Shape.of(3), d).setRequiresGrad(true).fill(2), "fill", "requires grad");
        fails(IllegalStateException.class, () -> {
            Tensor x = Tensor.ones(Shape.of(3), d).setRequiresGrad(true);
            Tensor w = Tensor.ones(Shape.of(3), d);
            Tensor y = x.mul(w).sum();
            w.fill(5);  // w was saved by mul
            y.backward();
        }, "mul", "modified by an in-place operation");
        fails(IllegalStateException.class, () -> {
            Tensor x = Tensor.ones(Shape.of(3), d).setRequiresGrad(true);
            Tensor y;
            try (Scope inner = Scope.open()) {
                y = inner.keep(x.exp().sum());
            }
            y.backward();  // exp saved its output, freed with the inner scope
        }, "exp", "freed");
        fails(IllegalArgumentException.class, () -> Tensor.fromLongs(new long[] {1}, d, 1).setRequiresGrad(true), "int64");
    }

    @ParameterizedTest @MethodSource("devices")
    void mixedDevicesAndDtypes(Device d) {
        if (!d.equals(Device.REF))
            fails(IllegalArgumentException.class, () -> Tensor.ones(Shape.of(2), d).add(Tensor.ones(Shape.of(2), Device.REF)),
                    "add", "different devices");
        fails(IllegalArgumentException.class, () -> Tensor.ones(Shape.of(2), d).add(Tensor.fromLongs(new long[] {1, 2}, d, 2)),
                "add", "float32", "int64");
        fails(IllegalArgumentException.class, () -> Tensor.fromLongs(new long[] {1, 2}, d, 2).exp(), "exp", "int64");
        try (var _ = GradMode.noGrad()) {
            fails(IllegalArgumentException.class, () -> Tensor.zeros(Shape.of(2), d).addInPlace(Tensor.ones(Shape.of(3), d), 1),
                    "add", "[2]", "[3]");
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void badArguments(Device d) {
        fails(IllegalArgumentException.class, () -> Tensor.fromArray(new float[] {1, 2, 3}, d, 2, 2), "fromArray", "3 values", "[2, 2]");
        fails(IllegalArgumentException.class, () -> Shape.of(2, -1), "negative");
        fails(IllegalArgumentException.class, () -> Tensor.ones(Shape.of(2), d).clamp(1, 0), "clamp");
        fails(IllegalArgumentException.class, () -> F.dropout(Tensor.ones(Shape.of(2), d), 1.5, true, new Generator(1)), "dropout", "1.5");
        fails(IllegalArgumentException.class, () -> F.batchNorm(Tensor.ones(Shape.of(1, 3), d), null, null, null, null, true, 0.1, 1e-5),
                "batchNorm", "more than 1 value");
        fails(IllegalArgumentException.class, () -> Device.parse("cuda:x"), "cuda:x");
        fails(IllegalArgumentException.class, () -> Backends.byName("tpu"), "tpu");
    }
}
