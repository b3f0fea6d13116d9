package dev.tersor.cli;

import dev.tersor.bench.report.BenchResults;
import dev.tersor.bench.report.ReportWriter;
import dev.tersor.bench.run.Suites;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

/** {@code tersor bench report DIR}: rebuilds the report and charts of an earlier run from its files. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Rebuild report.md and the charts of a finished run from the files in its folder.")
final class BenchReportCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "The output folder of ./tersor bench.")
    Path dir;

    @Override
    public void run() {
        BenchResults results = BenchResults.read(dir);
        Path report = ReportWriter.write(dir, Suites.named(results.plan().suites()).stream()
                .map(Suites.Suite::report).toList());
        spec.commandLine().getOut().println(report);
    }
}
