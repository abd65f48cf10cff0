// A captured CUDA graph (CUgraph on a GPU; a GraphRecording in the emulator), as DeviceRuntime.endCapture returns it.
package ai.lethe.backend.cuda;

/** A captured graph of a DeviceRuntime, by its handle; instantiate it to launch it. */
public record Graph(long handle) {}
