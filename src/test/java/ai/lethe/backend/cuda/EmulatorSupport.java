// Test support for the CUDA emulator: opens an EmulatedRuntime (a test failure when it was not built, unless the
// build made it optional: mvn -Dlethe.cuda=optional, then the test is skipped with the reason) and moves float and
// int arrays to and from device memory.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.lethe.backend.Availability;
import java.lang.foreign.MemorySegment;

final class EmulatorSupport {
    private EmulatorSupport() {}

    static EmulatedRuntime open() {
        Availability a = EmulatedRuntime.availability();
        if (!a.available()) {
            assumeTrue("optional".equals(System.getProperty("lethe.cuda")), "CUDA emulator not built (lethe.cuda=optional): " + a.reason());
            fail("the CUDA emulator is not available: " + a.reason());
        }
        return EmulatedRuntime.open();
    }

    static long upload(DeviceRuntime rt, float[] host) {
        long p = rt.alloc(4L * Math.max(host.length, 1));
        rt.copyHostToDevice(p, MemorySegment.ofArray(host), 4L * host.length, Stream.DEFAULT);
        return p;
    }

    static float[] download(DeviceRuntime rt, long p, int n) {
        float[] out = new float[n];
        rt.copyDeviceToHost(MemorySegment.ofArray(out), p, 4L * n, Stream.DEFAULT);
        return out;
    }

    static int[] downloadInts(DeviceRuntime rt, long p, int n) {
        int[] out = new int[n];
        rt.copyDeviceToHost(MemorySegment.ofArray(out), p, 4L * n, Stream.DEFAULT);
        return out;
    }
}
