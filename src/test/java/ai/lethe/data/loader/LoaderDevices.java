// The backends the loader tests run on: every one found that is available here (ref always; cpu, cuda where present).
package ai.lethe.data.loader;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import java.util.stream.Stream;

final class LoaderDevices {
    private LoaderDevices() {}

    static Stream<Backend> available() { return Backends.all().stream().filter(b -> b.availability().available()); }
}
