// How an image folder is turned into a dataset of one shape: the channel count (1 = grey, 3 = RGB; 0 = what the
// first image is) and an optional size every image is resized to (0 x 0 = no resizing: all images must then be
// as large as the first).
package ai.lethe.data.source;

public record ImageFolderOptions(int channels, int height, int width) {
    public ImageFolderOptions {
        if (channels != 0 && channels != 1 && channels != 3)
            throw new IllegalArgumentException("image folder channels must be 1 (grey), 3 (RGB) or 0 (as the first image), got " + channels);
        if (height < 0 || width < 0 || (height == 0) != (width == 0))
            throw new IllegalArgumentException("image folder resize must be a positive height and width (or 0x0 for none), got "
                    + height + "x" + width);
    }

    /** Channels and size as the first image has them. */
    public static ImageFolderOptions defaults() { return new ImageFolderOptions(0, 0, 0); }

    public ImageFolderOptions withChannels(int channels) { return new ImageFolderOptions(channels, height, width); }

    /** Resizes every image to height x width (bilinear). */
    public ImageFolderOptions withResize(int height, int width) { return new ImageFolderOptions(channels, height, width); }

    public boolean resizes() { return height > 0; }
}
