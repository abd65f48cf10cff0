// Every registered unlearning method has an acceptance test on the shared task: its name appears as the method of
// a Case, Sweep or run(...) in one of the acceptance test classes, which all check through MethodAcceptance (so a
// method added to the registry without an acceptance test fails here). Reads the test sources; cheap.
package ai.lethe.unlearn;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AcceptanceCoverageTest {
    static final List<Path> ACCEPTANCE = List.of(
            Path.of("src/test/java/ai/lethe/unlearn/train/TrainingMethodsAcceptanceTest.java"),
            Path.of("src/test/java/ai/lethe/unlearn/train/BaselinesAcceptanceTest.java"),
            Path.of("src/test/java/ai/lethe/unlearn/ssd/FisherMethodsAcceptanceTest.java"));

    @Test void everyRegisteredMethodHasAnAcceptanceTest() throws Exception {
        StringBuilder sources = new StringBuilder();
        for (Path p : ACCEPTANCE) {
            String s = Files.readString(p);
            assertTrue(s.contains("MethodAcceptance.assertAccepted") || s.contains("accept("), p + " checks through MethodAcceptance");
            sources.append(s);
        }
        List<String> missing = new ArrayList<>();
        for (String name : Unlearners.names()) {
            if (!shipped(name)) continue;   // a test's own method registered in this JVM
            Pattern used = Pattern.compile("(new (Case|Sweep)|run)\\(\"" + Pattern.quote(name) + "\"");
            if (!used.matcher(sources).find()) missing.add(name);
        }
        assertEquals(List.of(), missing, "registered methods without an acceptance test in " + ACCEPTANCE);
        assertTrue(shipped("ssd") && shipped("ft"), "the built-in methods are recognised");
    }

    /** Whether {@code name} is built by a class of src/main (Lethe's own methods), with its default options. */
    static boolean shipped(String name) {
        Class<?> c = Unlearners.create(name, java.util.Map.of()).getClass();
        return Files.isRegularFile(Path.of("src/main/java", c.getName().replace('.', '/') + ".java"));
    }
}
