// A package-private seam for tests: called at named points of an atomic write (after the data is written and
// before the temp file or folder is moved into place, between the steps of a checkpoint swap) so a test can
// throw there and check that nothing half-written remains. Production code passes NONE.
package ai.lethe.io;

import java.io.IOException;

@FunctionalInterface
interface WriteHook {
    WriteHook NONE = point -> {};

    /** Reached {@code point}; throwing aborts the write. */
    void reached(String point) throws IOException;
}
