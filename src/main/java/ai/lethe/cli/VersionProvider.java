// `lethe --version`: Lethe's version from the jar manifest (Implementation-Version, written by the Maven
// build), "dev" when running from classes outside a jar, plus the Java runtime it runs on.
package ai.lethe.cli;

import picocli.CommandLine.IVersionProvider;

public final class VersionProvider implements IVersionProvider {

    /** Lethe's version, e.g. "0.1.0", or "dev" when no manifest says. */
    public static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? "dev" : v;
    }

    @Override public String[] getVersion() {
        return new String[] {
            "lethe " + version(),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
        };
    }
}
