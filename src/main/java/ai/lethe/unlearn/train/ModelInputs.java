// Datasets whose images are already model input (the loader gets no transform): a dataset read through a
// transform (the context's, applied here per sample with the sample's own random stream of epoch 0), and
// images held in memory with one label (UNSIR's learned noise). Used where transformed real samples and
// synthetic inputs share one loader.
package ai.lethe.unlearn.train;

import ai.lethe.data.Dataset;
import ai.lethe.data.Image;
import ai.lethe.data.ImageShape;
import ai.lethe.data.transform.RandomSource;
import ai.lethe.data.transform.Transform;
import java.util.List;

final class ModelInputs {
    private ModelInputs() {}

    /** {@code base} through {@code transform} (null: as is). */
    static Dataset transformed(Dataset base, Transform transform, long seed) {
        if (transform == null) return base;
        ImageShape out = transform.outputShape(base.shape());
        return new Dataset() {
            @Override public String name() { return base.name(); }

            @Override public int size() { return base.size(); }

            @Override public ImageShape shape() { return out; }

            @Override public List<String> classNames() { return base.classNames(); }

            @Override public int label(int index) { return base.label(index); }

            @Override public void readImage(int index, float[] dst, int offset) {
                Image img = transform.apply(base.image(index), RandomSource.forSample(seed, 0, index));
                System.arraycopy(img.data(), 0, dst, offset, out.size());
            }

            @Override public int sourceIndex(int index) { return base.sourceIndex(index); }
        };
    }

    /**
     * {@code copies} repetitions of the images in {@code images} (n images of {@code shape}, flat CHW), all
     * labelled {@code label}.
     */
    static Dataset repeated(float[] images, ImageShape shape, int copies, int label, List<String> classNames, String name) {
        int per = shape.size(), n = images.length / per;
        if (n * per != images.length) throw new IllegalArgumentException(name + ": " + images.length + " values are not whole images of " + shape);
        return new Dataset() {
            @Override public String name() { return name; }

            @Override public int size() { return n * copies; }

            @Override public ImageShape shape() { return shape; }

            @Override public List<String> classNames() { return classNames; }

            @Override public int label(int index) { return label; }

            @Override public void readImage(int index, float[] dst, int offset) {
                System.arraycopy(images, (index % n) * per, dst, offset, per);
            }
        };
    }
}
