// One image as float CHW values (what transforms take and return), with its shape.
package ai.lethe.data;

public record Image(float[] data, ImageShape shape) {
    public Image {
        if (data.length != shape.size())
            throw new IllegalArgumentException("image of shape " + shape + " needs " + shape.size() + " values, got " + data.length);
    }

    public float get(int c, int y, int x) { return data[(c * shape.height() + y) * shape.width() + x]; }
}
