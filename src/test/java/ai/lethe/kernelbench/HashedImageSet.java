// The images the GPU benchmark's Fisher cases pass over, defined by an integer hash so that the PyTorch peer
// (benchmarks/gpu/peer_gpu.py, hashed_images) builds the same pixels and labels without a shared file: pixel byte k
// (flat over all images, CHW) = ((k · 2654435761) mod 2³²) >> 24, read as byte / 255; label n =
// (((n · 2246822519) mod 2³²) >> 16) mod classes. The same hash as benchmarks/src/.../HashedImages (1×28×28 there),
// for any image shape and class count.
package ai.lethe.kernelbench;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import java.util.List;
import java.util.stream.IntStream;

record HashedImageSet(int size, ImageShape shape, int classes) implements Dataset {
    HashedImageSet {
        if (size <= 0) throw new IllegalArgumentException("HashedImageSet: size must be positive, got " + size);
        if (classes < 2) throw new IllegalArgumentException("HashedImageSet: classes must be >= 2, got " + classes);
    }

    static int pixelByte(long k) { return (int) (((k * 2654435761L) & 0xFFFFFFFFL) >>> 24); }

    @Override public String name() { return "hashed-" + shape.channels() + "x" + shape.height() + "x" + shape.width(); }

    @Override public List<String> classNames() { return IntStream.range(0, classes).mapToObj(c -> "c" + c).toList(); }

    @Override public int label(int index) { return (int) ((((long) index * 2246822519L) & 0xFFFFFFFFL) >>> 16) % classes; }

    @Override public void readImage(int index, float[] dst, int offset) {
        int n = shape.size();
        long from = (long) index * n;
        for (int i = 0; i < n; i++) dst[offset + i] = pixelByte(from + i) / 255f;
    }
}
