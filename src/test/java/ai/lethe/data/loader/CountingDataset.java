// A dataset that reads through to another and counts the images read (to see how far workers got).
package ai.lethe.data.loader;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

record CountingDataset(Dataset base, AtomicInteger reads) implements Dataset {
    @Override public String name() { return base.name(); }

    @Override public int size() { return base.size(); }

    @Override public ImageShape shape() { return base.shape(); }

    @Override public List<String> classNames() { return base.classNames(); }

    @Override public int label(int index) { return base.label(index); }

    @Override public void readImage(int index, float[] dst, int offset) {
        reads.incrementAndGet();
        base.readImage(index, dst, offset);
    }
}
