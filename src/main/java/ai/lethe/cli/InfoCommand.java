// `lethe info`: what Lethe sees on this machine: JDK, OS, CPU, memory, every backend with its availability
// (and why not), and the default device. --json prints the same facts as JSON.
package ai.lethe.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "info", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show the JDK, OS, CPU, the compute backends (available or not, and why) and the default device.")
final class InfoCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @ParentCommand Main main;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Override public Integer call() {
        SystemReport report = SystemReport.collect(main == null ? null : main.device);
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? report.toJson() : report.toText());
        out.flush();
        return 0;
    }
}
