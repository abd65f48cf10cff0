// One tensor entry of a safetensors header as read and validated: name, dtype, shape, and its byte range in the
// data section ([begin, end), the header's data_offsets, relative to the first byte after the header).
package ai.lethe.io;

import ai.lethe.core.Shape;

/**
 * @param name  the tensor's name in the header
 * @param dtype its element type in the file
 * @param shape its dimensions ([] for a 0-dimensional tensor)
 * @param begin first byte in the data section (data_offsets[0])
 * @param end   one past its last byte (data_offsets[1]); end - begin = numel · dtype size
 */
public record TensorInfo(String name, SafetensorsDType dtype, Shape shape, long begin, long end) {

    public long numel() { return shape.numel(); }

    /** Bytes the tensor takes in the file. */
    public long byteSize() { return end - begin; }
}
