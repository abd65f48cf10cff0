// `lethe info` and `lethe info --json`: every backend Backends.all() finds is listed with its availability,
// the default device is named, the JSON parses and says the same; a backend whose check throws is reported; an
// available CUDA backend says which path its convolutions take (cuda-emu: Lethe's kernels, the emulator having no cuDNN).
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class InfoCommandTest {

    @Test void textListsEveryBackendAndTheDefaultDevice() {
        Cli.Result r = Cli.run("info");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.startsWith("lethe " + VersionProvider.version() + "\n"), out);
        assertTrue(out.contains("jdk:     " + Runtime.version()), out);
        assertTrue(out.contains(System.getProperty("java.home")), out);
        assertTrue(out.contains("os:      " + System.getProperty("os.name")), out);
        assertTrue(out.contains(Runtime.getRuntime().availableProcessors() + " processor"), out);
        assertTrue(out.contains("\nbackends:\n"), out);
        assertFalse(Backends.all().isEmpty());
        for (Backend b : Backends.all()) {
            String status = b.availability().available() ? "available" : "unavailable";
            var line = Pattern.compile("(?m)^  " + Pattern.quote(b.name()) + " +" + status + "  +\\S");
            assertTrue(line.matcher(out).find(), "no line for " + b.name() + " in\n" + out);
        }
        assertTrue(out.lines().anyMatch(l -> l.startsWith("default device: " + Backends.defaultDevice())), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("  ref +available +pure Java reference kernels \\(slow\\)")), out);
        if (Backends.byName("cuda-emu").availability().available())
            assertTrue(out.lines().anyMatch(l -> l.matches(" +convolution: Lethe's kernels \\(the emulator has no cuDNN\\)")), out);
            assertTrue(out.lines().anyMatch(l -> l.matches(" +CUDA graphs: on: full-batch training steps are captured .*--no-cuda-graphs.*")), out);
    }

    @Test void jsonIsValidAndSaysTheSame() throws Exception {
        Cli.Result r = Cli.run("info", "--json");
        assertEquals(0, r.code(), r.err());
        @SuppressWarnings("unchecked")
        var root = (Map<String, Object>) new ObjectMapper().readValue(r.out(), LinkedHashMap.class);
        assertEquals(VersionProvider.version(), ((Map<?, ?>) root.get("lethe")).get("version"));
        var jdk = (Map<?, ?>) root.get("jdk");
        assertEquals(Runtime.version().toString(), jdk.get("version"));
        assertEquals(System.getProperty("java.home"), jdk.get("home"));
        assertEquals(System.getProperty("os.arch"), ((Map<?, ?>) root.get("os")).get("arch"));
        var cpu = (Map<?, ?>) root.get("cpu");
        assertEquals(Runtime.getRuntime().availableProcessors(), ((Number) cpu.get("processors")).intValue());
        assertTrue(cpu.containsKey("model") && cpu.containsKey("totalMemoryBytes"), cpu.toString());

        var backends = (List<?>) root.get("backends");
        List<Backend> expected = Backends.all();
        assertEquals(expected.size(), backends.size());
        for (int i = 0; i < expected.size(); i++) {
            var b = (Map<?, ?>) backends.get(i);
            assertEquals(expected.get(i).name(), b.get("name"));
            assertEquals(expected.get(i).availability().available(), b.get("available"));
            assertEquals(expected.get(i).availability().reason(), b.get("detail"));
            assertEquals(expected.get(i).priority(), ((Number) b.get("priority")).intValue());
            if (expected.get(i).name().equals("cuda-emu") && expected.get(i).availability().available())
                assertEquals("Lethe's kernels (the emulator has no cuDNN)", b.get("convolution"));
            if (expected.get(i).name().equals("ref")) assertNull(b.get("convolution"));
            if (expected.get(i).name().equals("ref")) assertNull(b.get("graphs"));
        }
        assertEquals(Backends.defaultDevice().toString(), root.get("defaultDevice"));
        assertTrue(root.containsKey("defaultDeviceForcedBy"));
        assertNull(root.get("defaultDeviceError"));
    }

    @Test void aBackendWhoseCheckThrowsIsReportedUnavailable() {
        Backend broken = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name" -> "broken";
                    case "priority" -> 1;
                    case "device" -> new Device("broken", 0);
                    case "availability" -> throw new UnsatisfiedLinkError("libbroken.so: cannot open");
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        SystemReport.BackendInfo info = SystemReport.describe(broken);
        assertFalse(info.available());
        assertEquals("availability check failed: libbroken.so: cannot open", info.detail());
    }

    @Test void bytesAreHumanReadable() {
        assertEquals("512 B", SystemReport.bytes(512));
        assertEquals("1.5 KiB", SystemReport.bytes(1536));
        assertEquals("8.0 GiB", SystemReport.bytes(8L << 30));
    }
}
