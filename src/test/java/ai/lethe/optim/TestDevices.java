// The devices the optim tests run on: every backend that is available here (ref always; cpu and cuda when
// their backends exist and can run), so a new backend joins these tests without edits.
package ai.lethe.optim;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.tensor.Device;
import java.util.List;

public final class TestDevices {
    private TestDevices() {}

    public static List<Device> available() {
        return Backends.all().stream().filter(b -> b.availability().available()).map(Backend::device).distinct().toList();
    }
}
