// The shape of one image: channels, height, width (CHW, as tensors hold them).
package ai.lethe.data;

public record ImageShape(int channels, int height, int width) {
    public ImageShape {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new IllegalArgumentException("image shape must be positive, got " + channels + "x" + height + "x" + width);
    }

    /** Number of values of one image. */
    public int size() { return channels * height * width; }

    @Override public String toString() { return channels + "x" + height + "x" + width; }
}
