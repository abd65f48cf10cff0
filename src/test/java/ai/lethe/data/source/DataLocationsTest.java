// Where datasets are looked for: $LETHE_DATA first (when set), then ~/.lethe/data, then system folders (Debian's
// fashion-mnist); downloads go to the first root; the first folder that holds the dataset wins.
package ai.lethe.data.source;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataLocationsTest {
    @TempDir Path dir;

    @Test void rootsFromTheEnvironment() {
        Path home = dir.resolve("home");
        var withEnv = DataLocations.fromEnvironment(dir.resolve("env").toString(), home, DataLocations.SYSTEM_FOLDERS);
        assertEquals(List.of(dir.resolve("env"), home.resolve(".lethe/data")), withEnv.roots());
        assertEquals(dir.resolve("env/cifar10"), withEnv.downloadFolder("cifar10"));
        assertEquals(List.of(dir.resolve("env/fashion-mnist"), home.resolve(".lethe/data/fashion-mnist"),
                Path.of("/usr/share/datasets/fashion-mnist")), withEnv.candidates("fashion-mnist"));
        assertEquals(List.of(dir.resolve("env/mnist"), home.resolve(".lethe/data/mnist")), withEnv.candidates("mnist"));

        var withoutEnv = DataLocations.fromEnvironment("  ", home, Map.of());
        assertEquals(List.of(home.resolve(".lethe/data")), withoutEnv.roots());
        assertEquals(home.resolve(".lethe/data/mnist"), withoutEnv.downloadFolder("mnist"));
    }

    @Test void theFirstFolderHoldingTheDatasetWins() throws Exception {
        Path a = dir.resolve("a"), b = dir.resolve("b"), sys = dir.resolve("sys");
        var loc = new DataLocations(List.of(a, b), Map.of("mnist", List.of(sys)));
        assertTrue(loc.find("mnist", MnistFormat::isPresent).isEmpty());
        TestFiles.mnistFolder(sys, true, new int[] {1}, new int[] {2});
        assertEquals(sys, loc.find("mnist", MnistFormat::isPresent).orElseThrow());
        TestFiles.mnistFolder(b.resolve("mnist"), false, new int[] {1}, new int[] {2});
        assertEquals(b.resolve("mnist"), loc.find("mnist", MnistFormat::isPresent).orElseThrow());
        Files.createDirectories(a.resolve("mnist"));                    // an empty folder does not count
        assertEquals(b.resolve("mnist"), loc.find("mnist", MnistFormat::isPresent).orElseThrow());
    }

    @Test void needsARoot() {
        assertThrows(IllegalArgumentException.class, () -> new DataLocations(List.of(), Map.of()));
    }
}
