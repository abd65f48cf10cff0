// A device stream: an ordered queue of copies, memsets and launches (handle 0 = the default stream).
package ai.lethe.backend.cuda;

/** A stream of a DeviceRuntime, by its handle (CUstream on a GPU, a checked number in the emulator). */
public record Stream(long handle) {
    /** The default (legacy NULL) stream. */
    public static final Stream DEFAULT = new Stream(0);
}
