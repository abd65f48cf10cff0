// The NVIDIA runtime's probe never throws and says why CUDA cannot be used: on a machine without the NVIDIA driver
// (every build machine here) that libcuda.so.1 was not found; with a library that is not a CUDA 13 driver, which
// symbols it lacks. cuBLAS's loader likewise names the sonames it tried. On a machine with a driver, the probe
// either finds a device or gives another reason, still without throwing.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Availability;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import org.junit.jupiter.api.Test;

class NvidiaRuntimeProbeTest {
    private static boolean driverInstalled() {
        try {
            SymbolLookup.libraryLookup(CudaDriver.LIBRARY, Arena.ofAuto());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void availabilitySaysWhyWithoutThrowing() {
        Availability a = NvidiaRuntime.availability();
        assertNotNull(a.reason());
        if (driverInstalled()) {
            assertFalse(a.reason().contains("not found"), a.reason());
        } else {
            assertFalse(a.available());
            assertEquals("libcuda.so.1 not found (no NVIDIA driver installed, or not on the loader's path)", a.reason());
            assertTrue(a.fix().contains("R580"), a.fix());
            IllegalStateException e = assertThrows(IllegalStateException.class, NvidiaRuntime::open);
            assertTrue(e.getMessage().contains("libcuda.so.1 not found"), e.getMessage());
        }
    }

    @Test
    void aMissingPathOrALibraryThatIsNoDriverIsAReason() {
        ClassLoader loader = getClass().getClassLoader();
        assertEquals("/nonexistent/libcuda.so.1 not found (no NVIDIA driver installed, or not on the loader's path)",
                NvidiaRuntime.probe("/nonexistent/libcuda.so.1", loader, 0).availability().reason());
        String libc = NvidiaRuntime.probe("libc.so.6", loader, 0).availability().reason();
        assertTrue(libc.startsWith("libc.so.6 lacks cuInit, cuDriverGetVersion"), libc);
        assertTrue(libc.endsWith("(the driver is older than the CUDA 13 API Lethe binds; install driver R580 or newer)"), libc);
    }

    @Test
    void cublasLoaderNamesWhatItTried() {
        CublasLibrary.Load l = CublasLibrary.load();
        if (!l.loaded()) {
            assertTrue(l.reason().contains("libcublas.so.13") && l.reason().contains("libcublas.so.12"), l.reason());
        }
        assertFalse(CublasLibrary.load("libc.so.6").loaded());
        assertTrue(CublasLibrary.load("libc.so.6").reason().startsWith("libc.so.6 lacks cublasCreate_v2"));
    }
}
