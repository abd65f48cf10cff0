// A small learnable image task for training tests: 4 classes of 1x12x12 images, each a noisy pattern
// (horizontal bar, vertical bar, diagonal, centre square) at a random offset, drawn from a seeded generator.
package ai.lethe.integration;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Tensor;

record SyntheticImages(float[] pixels, long[] labels, int count) {
    static final int CLASSES = 4, SIZE = 12;

    static SyntheticImages generate(int count, long seed) {
        Generator gen = new Generator(seed);
        float[] noise = Tensor.normal(Shape.of(count, SIZE, SIZE), 0, 0.5, gen, DType.FLOAT32, Device.REF).toFloatArray();
        float[] u = Tensor.uniform(Shape.of(count, 3), 0, 1, gen, DType.FLOAT32, Device.REF).toFloatArray();
        float[] px = noise.clone();
        long[] labels = new long[count];
        for (int n = 0; n < count; n++) {
            int k = Math.min(CLASSES - 1, (int) (u[3 * n] * CLASSES));
            int dy = (int) (u[3 * n + 1] * 5) - 2, dx = (int) (u[3 * n + 2] * 5) - 2;
            labels[n] = k;
            for (int y = 0; y < SIZE; y++)
                for (int x = 0; x < SIZE; x++) {
                    int yy = y - dy, xx = x - dx;
                    boolean on = switch (k) {
                        case 0 -> yy >= 5 && yy <= 6 && xx >= 2 && xx <= 9;
                        case 1 -> xx >= 5 && xx <= 6 && yy >= 2 && yy <= 9;
                        case 2 -> Math.abs(yy - xx) <= 1 && yy >= 2 && yy <= 9;
                        default -> yy >= 4 && yy <= 7 && xx >= 4 && xx <= 7;
                    };
                    if (on) px[(n * SIZE + y) * SIZE + x] += 1.5f;
                }
        }
        return new SyntheticImages(px, labels, count);
    }

    /** Images [n, 1, 12, 12] of samples from..from+n on {@code device}. */
    Tensor images(int from, int n, Device device) {
        float[] slice = java.util.Arrays.copyOfRange(pixels, from * SIZE * SIZE, (from + n) * SIZE * SIZE);
        return Tensor.fromArray(slice, device, n, 1, SIZE, SIZE);
    }

    Tensor labels(int from, int n, Device device) {
        return Tensor.fromLongs(java.util.Arrays.copyOfRange(labels, from, from + n), device, n);
    }
}
