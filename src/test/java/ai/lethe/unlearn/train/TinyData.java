// A tiny in-memory dataset for tests that need data but not its content: n 1×4×4 images, labels alternating
// between two classes.
package ai.lethe.unlearn.train;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import java.util.List;

final class TinyData {
    private TinyData() {}

    static Dataset dataset(int n) {
        return new Dataset() {
            @Override public String name() { return "tiny"; }
            @Override public int size() { return n; }
            @Override public ImageShape shape() { return new ImageShape(1, 4, 4); }
            @Override public List<String> classNames() { return List.of("a", "b"); }
            @Override public int label(int index) { return index % 2; }
            @Override public void readImage(int index, float[] dst, int offset) {
                for (int k = 0; k < 16; k++) dst[offset + k] = ((index * 7 + k) % 5) / 4f;
            }
        };
    }
}
