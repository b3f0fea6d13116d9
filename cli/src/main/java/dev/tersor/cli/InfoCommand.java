package dev.tersor.cli;

import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.kernels.KernelUnavailableException;
import dev.tersor.kernels.Kernels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;

/** What this JVM runs: version, kernel provider and ISA path, and the formats on the class path. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the version, the active kernel provider and ISA path, and the available formats.")
final class InfoCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("tersor " + Main.version());
        out.println("java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")");
        out.println("cpu " + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        Kernels active = Kernels.preferred();
        out.println("kernels " + active.name() + " (" + active.isa() + ")");
        for (String name : new String[]{"scalar", "vector", "native"}) {
            String status;
            try {
                status = "available, " + Kernels.named(name).isa();
            } catch (KernelUnavailableException e) {
                status = "unavailable: " + e.getMessage();
            }
            out.printf("  %-7s %s%n", name, status);
        }
        out.println("formats");
        for (MatrixFormat format : MatrixFormats.all()) {
            out.printf("  %-7s %s%n", format.name(), format.description());
        }
    }
}
