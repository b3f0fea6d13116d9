package dev.tersor.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * Listed so that {@code --help} shows it; the {@code ./tersor} launcher runs the tersor-spark module's
 * driver instead, with Spark on its class path, because Spark (277 MB) stays out of this jar.
 */
@Command(name = "spark-embed", mixinStandardHelpOptions = true,
        description = "Embed a text file (one sentence a line) or a folder of them with Apache Spark, in local mode or on "
                + "a cluster; the launcher runs it from the tersor-spark module (./tersor spark-embed --help).")
final class SparkEmbedCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Whatever the user passed: the options belong to the Spark driver, which this jar does not hold. */
    @Unmatched
    List<String> arguments;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("tersor: spark-embed runs through the ./tersor launcher of a source checkout, "
                + "or as spark-submit --class dev.tersor.spark.SparkEmbed tersor-spark-*-job.jar");
        return 2;
    }
}
