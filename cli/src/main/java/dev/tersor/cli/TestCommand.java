package dev.tersor.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * Listed so that {@code --help} shows it; the {@code ./tersor} launcher runs the suite itself,
 * because tests need the source tree and Maven rather than this jar.
 */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = "Run the whole test suite from a source checkout; the launcher script handles it.")
final class TestCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("tersor: run the tests from a source checkout with ./tersor test");
        return 2;
    }
}
