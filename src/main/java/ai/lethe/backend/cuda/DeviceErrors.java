// Data-dependent errors that kernels find (an index out of range), reported at the next synchronisation as
// PyTorch's device-side asserts are: DESIGN.md allows such errors to surface there, naming the op, while shape,
// dtype and device errors stay immediate. One per CudaContext.
//
// The record is a small device buffer of RECORD_WORDS int64 (allocated on first use, zeroed): the first kernel
// thread to find an error sets word 0 to 1 with atomicCAS and writes the offending value, its op's code, the axis
// and the axis size (cuda-kernels/index.cu; pool.cu's max-pool index check writes -1 and the plane size). A launch that can set it arms the check; CudaContext.synchronize then
// reads the record back (one small copy, only when armed, queued before the stream synchronisation it rides on),
// clears it and throws IndexOutOfBoundsException with the
// ref backend's message plus where it was found. The op's other elements were processed; the bad one was skipped,
// never used to address memory.
package ai.lethe.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The device-side error record of one CUDA backend. */
public final class DeviceErrors {
    /** int64 words of the record: flag, value, op code, axis, axis size. */
    public static final int RECORD_WORDS = 5;

    /** The ops that report through the record, by the code their kernels write (index.cu's op argument). */
    public enum Op {
        GATHER("gather"), INDEX_SELECT("indexSelect"), SCATTER_ADD("scatterAdd"), INDEX_ADD("indexAdd"),
        /** Max-pool indices (pool.cu's pool_check_indices): the axis word is -1 and the size is the plane's. */
        MAX_POOL2D_BACKWARD("maxPool2dBackward"),
        /** Class targets of the fused cross-entropy (loss.cu): axis 1, the size is the number of classes. */
        CROSS_ENTROPY("crossEntropy");

        private final String spiName;

        Op(String spiName) { this.spiName = spiName; }

        /** The SPI method's name. */
        public String spiName() { return spiName; }

        /** The code the kernels take. */
        public int code() { return ordinal(); }
    }

    private final DeviceRuntime runtime;
    private final Stream stream;
    private long record;     // device pointer, 0 until first used
    private boolean armed;   // a launch since the last check may have written the record
    private MemorySegment host;   // where queueCheck copies the record

    DeviceErrors(DeviceRuntime runtime, Stream stream) {
        this.runtime = runtime;
        this.stream = stream;
    }

    /**
     * The record's device pointer for a launch that may write it (the launch must follow on the backend's stream);
     * arms the check at the next synchronisation.
     */
    public synchronized long recordFor() {
        if (record == 0) {
            long p = runtime.alloc(RECORD_WORDS * Long.BYTES);
            runtime.memset32(p, 0, RECORD_WORDS * 2, stream);
            record = p;
        }
        armed = true;
        return record;
    }

    /**
     * Before the stream is synchronised: when a launch since the last check may have written the record, queues its
     * copy to the host behind that launch, so that the one synchronisation CudaContext.synchronize makes also brings
     * the record (no second synchronisation per read). Returns whether {@link #check} has a copy to look at.
     */
    synchronized boolean queueCheck() {
        if (!armed) return false;
        armed = false;
        if (host == null) host = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG, RECORD_WORDS);
        runtime.copyDeviceToHost(host, record, RECORD_WORDS * Long.BYTES, stream);
        return true;
    }

    /**
     * After the stream is synchronised, when {@link #queueCheck} queued a copy: throws the recorded error, if any,
     * and clears it (the one further synchronisation is on this error path only). Called by CudaContext.synchronize.
     */
    synchronized void check() {
        long[] words = new long[RECORD_WORDS];
        MemorySegment.copy(host, ValueLayout.JAVA_LONG, 0, words, 0, RECORD_WORDS);
        if (words[0] == 0) return;
        runtime.memset32(record, 0, RECORD_WORDS * 2, stream);
        runtime.synchronize(stream);
        int code = (int) words[2];
        String op = code >= 0 && code < Op.values().length ? Op.values()[code].spiName() : "an index op (code " + code + ")";
        String range = code == Op.MAX_POOL2D_BACKWARD.code() ? "a plane of " + words[4] + " elements"
                : "dimension " + words[3] + " of size " + words[4];
        throw new IndexOutOfBoundsException(op + ": index " + words[1] + " is out of range for " + range
                + " (found on the device, reported at the next synchronisation)");
    }
}
