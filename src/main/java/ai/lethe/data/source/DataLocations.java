// Where datasets live. A dataset called NAME is looked for in ROOT/NAME for each root in order — $LETHE_DATA
// when set, then ~/.lethe/data — and then in system folders that hold it (Debian's dataset-fashion-mnist
// package installs /usr/share/datasets/fashion-mnist). Downloads go to the first root. Tests (and embedders)
// pass their own roots and system folders to the constructor instead of relying on the environment.
package ai.lethe.data.source;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

public final class DataLocations {
    /** The environment variable naming the first data root. */
    public static final String ENV = "LETHE_DATA";

    /** Folders that distributions install datasets to, by dataset folder name. */
    public static final Map<String, List<Path>> SYSTEM_FOLDERS =
            Map.of("fashion-mnist", List.of(Path.of("/usr/share/datasets/fashion-mnist")));

    private final List<Path> roots;
    private final Map<String, List<Path>> systemFolders;

    /** Looks in {@code roots} (downloads go to the first), then in {@code systemFolders} by dataset folder name. */
    public DataLocations(List<Path> roots, Map<String, List<Path>> systemFolders) {
        if (roots.isEmpty()) throw new IllegalArgumentException("at least one data root is needed");
        this.roots = roots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        this.systemFolders = Map.copyOf(systemFolders);
    }

    /** Only {@code root}: no other roots, no system folders. */
    public DataLocations(Path root) { this(List.of(root), Map.of()); }

    /** $LETHE_DATA (when set), ~/.lethe/data, and the system folders. */
    public static DataLocations standard() {
        return fromEnvironment(System.getenv(ENV), Path.of(System.getProperty("user.home")), SYSTEM_FOLDERS);
    }

    /** The standard locations for a given $LETHE_DATA value (null or blank when unset) and home folder. */
    public static DataLocations fromEnvironment(String letheData, Path home, Map<String, List<Path>> systemFolders) {
        List<Path> roots = new ArrayList<>();
        if (letheData != null && !letheData.isBlank()) roots.add(Path.of(letheData.strip()));
        roots.add(home.resolve(".lethe").resolve("data"));
        return new DataLocations(roots.stream().distinct().toList(), systemFolders);
    }

    public List<Path> roots() { return roots; }

    /** Every folder where dataset folder {@code name} may be, in search order. */
    public List<Path> candidates(String name) {
        List<Path> all = new ArrayList<>();
        for (Path r : roots) all.add(r.resolve(name));
        all.addAll(systemFolders.getOrDefault(name, List.of()));
        return List.copyOf(all);
    }

    /** The first candidate for which {@code present} holds. */
    public Optional<Path> find(String name, Predicate<Path> present) {
        return candidates(name).stream().filter(present).findFirst();
    }

    /** Where a download of dataset folder {@code name} goes: under the first root. */
    public Path downloadFolder(String name) { return roots.getFirst().resolve(name); }

    @Override public String toString() { return "DataLocations" + roots + (systemFolders.isEmpty() ? "" : " + " + systemFolders); }
}
