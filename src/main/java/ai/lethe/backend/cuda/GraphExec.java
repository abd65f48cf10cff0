// An instantiated CUDA graph (CUgraphExec on a GPU; a GraphRecording in the emulator): launched as one unit.
package ai.lethe.backend.cuda;

/** An executable graph of a DeviceRuntime, by its handle (DeviceRuntime.instantiate, launchGraph). */
public record GraphExec(long handle) {}
