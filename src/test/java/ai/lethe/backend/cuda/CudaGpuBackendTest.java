// The "cuda" device (CudaGpuBackend over the NVIDIA runtime) as discovery sees it: registered, never the default
// while ops are missing, and — on a machine without a driver, such as CI's — unavailable with the probe's reason
// instead of an exception. On a GPU machine the conformance suite runs on it like on any other backend.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import org.junit.jupiter.api.Test;

class CudaGpuBackendTest {
    @Test
    void registeredAsCudaAndNeverTheDefault() {
        Backend b = Backends.byName("cuda");
        assertTrue(Backends.implementation(b) instanceof CudaGpuBackend, Backends.implementation(b).getClass().getName());
        assertEquals(new Device("cuda", 0), b.device());
        assertTrue(b.priority() < 0, "cuda must not be the default while KnownMissing lists ops");
        assertNotEquals("cuda", Backends.defaultDevice().type());
    }

    @Test
    void withoutADriverItIsUnavailableWithTheProbesReason() {
        Availability probe = NvidiaRuntime.availability();
        Backend b = Backends.byName("cuda");
        assertEquals(probe.available(), b.availability().available());
        if (!probe.available()) {
            assertEquals(probe.reason(), b.availability().reason());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.of(new Device("cuda", 0)));
            assertTrue(e.getMessage().contains(probe.reason()), e.getMessage());
        } else {
            assertFalse(b.availability().reason().isBlank());
        }
    }
}
