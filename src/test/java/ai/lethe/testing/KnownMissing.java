// The Backend SPI ops a backend does not have yet, listed by name (the SPI method's name): while a backend's list is
// not empty it is incomplete, and only the conformance suite runs on it (TestBackends.conformance()); every other
// suite joins it once the list is empty (TestBackends.available()). A conformance case that reaches a listed op
// passes as "known missing" and is written to target/test-report/known-missing.tsv (SuiteReport), which ./run-tests
// and CI print; reaching an unlisted op fails. The list can only shrink: CudaKnownMissingTest fails when an op is
// listed that the backend implements, and when a stub is not listed.
//
// Today: the CUDA backend (issue 14), whose stubs throw CudaBackend.notYet(op). Remove an op from the list in the
// commit that implements it.
package ai.lethe.testing;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class KnownMissing {
    /** The message of CudaBackend.notYet(op). */
    private static final Pattern NOT_YET = Pattern.compile("^(\\w+) is not on cuda yet \\(issue 14\\)$");

    /** SPI ops the CUDA backend lacks, shared by cuda-emu and cuda (one class serves both). */
    public static final Set<String> CUDA = Set.of();

    private static final Map<String, Set<String>> BY_BACKEND = Map.of("cuda-emu", CUDA, "cuda", CUDA);

    private KnownMissing() {}

    /** The ops {@code backend} lacks (empty for a complete backend). */
    public static Set<String> ops(String backend) { return new TreeSet<>(BY_BACKEND.getOrDefault(backend, Set.of())); }

    /** Whether {@code backend} still lacks ops (so only the conformance suite runs on it). */
    public static boolean incomplete(String backend) { return !BY_BACKEND.getOrDefault(backend, Set.of()).isEmpty(); }

    /** The op a "not on cuda yet" exception (or one of its causes) names, if it is one. */
    public static Optional<String> missingOp(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof UnsupportedOperationException && c.getMessage() != null) {
                Matcher m = NOT_YET.matcher(c.getMessage());
                if (m.matches()) return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }
}
