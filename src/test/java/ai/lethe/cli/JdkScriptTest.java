// tools/jdk.sh (sourced by ./lethe, ./run-tests and .ci/run), run by bash against fake JDKs in a temporary
// directory: it prefers a good $JAVA_HOME, then the newest JDK 25 under the JVM directory, then any newer JDK,
// and otherwise fails with a message saying what it found and how to fix it.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JdkScriptTest {
    private static final Path SCRIPT = Path.of("tools/jdk.sh").toAbsolutePath();

    @TempDir Path tmp;
    private Path jvms;

    record Run(int code, String out, String err) {}

    @BeforeEach void needsBash() throws IOException {
        assumeTrue(Files.isRegularFile(SCRIPT), "tools/jdk.sh not found from " + Path.of("").toAbsolutePath());
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "no bash");
        jvms = Files.createDirectory(tmp.resolve("jvm"));
    }

    /** A fake JDK home whose bin/java reports {@code version} the way real ones do (on stderr). */
    private Path fakeJdk(Path dir, String name, String version, boolean javac) throws IOException {
        Path bin = Files.createDirectories(dir.resolve(name).resolve("bin"));
        String java = "#!/bin/sh\necho 'openjdk version \"" + version + "\" 2025-10-21' >&2\n";
        Files.writeString(bin.resolve("java"), java);
        Files.setPosixFilePermissions(bin.resolve("java"), PosixFilePermissions.fromString("rwxr-xr-x"));
        if (javac) {
            Files.writeString(bin.resolve("javac"), "#!/bin/sh\n");
            Files.setPosixFilePermissions(bin.resolve("javac"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return dir.resolve(name);
    }

    /** Sources the script and runs {@code body} with a PATH that has the basic tools but no java. */
    private Run bash(String javaHome, String body) throws IOException, InterruptedException {
        Path noJava = Files.createDirectories(tmp.resolve("path"));
        for (String tool : new String[] {"sed", "sort", "tail", "basename", "dirname", "readlink", "cat"}) {
            for (String dir : new String[] {"/usr/bin", "/bin"}) {
                Path p = Path.of(dir, tool);
                if (Files.isExecutable(p) && !Files.exists(noJava.resolve(tool))) Files.createSymbolicLink(noJava.resolve(tool), p);
            }
        }
        var pb = new ProcessBuilder("/bin/bash", "-c", ". '" + SCRIPT + "'; " + body);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", noJava.toString());
        env.put("LETHE_JVM_DIR", jvms.toString());
        if (javaHome != null) env.put("JAVA_HOME", javaHome);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out.strip(), err);
    }

    private Run find(String javaHome) throws IOException, InterruptedException {
        return bash(javaHome, "lethe_find_jdk && echo \"$JAVA_HOME\"");
    }

    @Test void prefersAGoodJavaHome() throws Exception {
        Path home = fakeJdk(tmp, "my-jdk", "26.0.1", true);
        fakeJdk(jvms, "temurin-25-jdk-amd64", "25.0.3", true);
        assertEquals(new Run(0, home.toString(), ""), find(home.toString()));
    }

    @Test void skipsAnOldJavaHomeForTheNewestJdk25() throws Exception {
        Path old = fakeJdk(tmp, "jdk-17", "17.0.12", true);
        fakeJdk(jvms, "java-17-openjdk-amd64", "17.0.12", true);
        fakeJdk(jvms, "jdk-25.0.1", "25.0.1", true);
        Path newest = fakeJdk(jvms, "temurin-25-jdk-amd64", "25.0.10", true);
        fakeJdk(jvms, "jdk-26", "26", true);
        assertEquals(new Run(0, newest.toString(), ""), find(old.toString()));
    }

    @Test void takesANewerJdkWhenThereIsNo25() throws Exception {
        fakeJdk(jvms, "java-17-openjdk-amd64", "17.0.12", true);
        Path jdk26 = fakeJdk(jvms, "jdk-26", "26-ea", true);
        assertEquals(new Run(0, jdk26.toString(), ""), find(null));
    }

    @Test void failsWithWhatItFoundAndHowToFixIt() throws Exception {
        Path old = fakeJdk(tmp, "jdk-17", "17.0.12", true);
        fakeJdk(jvms, "java-11-openjdk-amd64", "11.0.2", true);
        fakeJdk(jvms, "jre-25", "25.0.1", false);
        Run r = find(old.toString());
        assertNotEquals(0, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().contains("needs a JDK 25 or newer"), r.err());
        assertTrue(r.err().contains("JAVA_HOME=" + old + ": java 17.0.12"), r.err());
        assertTrue(r.err().contains("java-11-openjdk-amd64: java 11.0.2"), r.err());
        assertTrue(r.err().contains("jre-25: java 25.0.1, but no javac"), r.err());
        assertTrue(r.err().contains("Temurin 25") && r.err().contains("set JAVA_HOME"), r.err());
    }

    @Test void readsMajorVersions() throws Exception {
        Run r = bash(null, "for v in 25 25.0.1 25-ea 1.8.0_292 17.0.12 26+35 junk; do lethe_java_major $v; done");
        assertEquals("25 25 25 8 17 26 0", r.out().replace('\n', ' '), r.err());
    }
}
