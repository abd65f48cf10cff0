// A validated safetensors header: the tensor entries in the header's order, the string metadata, and where the
// data section starts in the file. Made only by HeaderParser, after every rule of the format was checked.
package ai.lethe.io;

import java.util.List;
import java.util.Map;

record Header(List<TensorInfo> tensors, Map<String, String> metadata, long dataStart, long dataLength) {}
