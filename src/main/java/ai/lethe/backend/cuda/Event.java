// A device event: a point in a stream, for ordering and timing (CUevent on a GPU, a timestamp in the emulator).
package ai.lethe.backend.cuda;

/** An event of a DeviceRuntime, by its handle. */
public record Event(long handle) {}
