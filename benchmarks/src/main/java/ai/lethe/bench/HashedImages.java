// A fixed in-memory dataset of 1x28x28 "random" images with "random" labels in [0, 10), defined by an integer
// hash so that benchmarks/pytorch/peer_cpu.py (hashed_images) builds exactly the same pixels and labels without
// sharing a file: pixel byte k (flat over all images, CHW) = ((k · 2654435761) mod 2³²) >> 24, read as byte/255;
// label n = (((n · 2246822519) mod 2³²) >> 16) mod 10. Used by the Fisher benchmarks (FisherBench).
package ai.lethe.bench;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import java.util.List;
import java.util.stream.IntStream;

final class HashedImages implements Dataset {
    static final ImageShape SHAPE = new ImageShape(1, 28, 28);
    static final int CLASSES = 10;

    private final int size;

    HashedImages(int size) {
        if (size <= 0) throw new IllegalArgumentException("HashedImages: size must be positive, got " + size);
        this.size = size;
    }

    static int pixelByte(long k) { return (int) (((k * 2654435761L) & 0xFFFFFFFFL) >>> 24); }

    @Override public String name() { return "hashed-1x28x28"; }

    @Override public int size() { return size; }

    @Override public ImageShape shape() { return SHAPE; }

    @Override public List<String> classNames() { return IntStream.range(0, CLASSES).mapToObj(c -> "c" + c).toList(); }

    @Override public int label(int index) { return (int) ((((long) index * 2246822519L) & 0xFFFFFFFFL) >>> 16) % CLASSES; }

    @Override public void readImage(int index, float[] dst, int offset) {
        int n = SHAPE.size();
        long from = (long) index * n;
        for (int i = 0; i < n; i++) dst[offset + i] = pixelByte(from + i) / 255f;
    }
}
