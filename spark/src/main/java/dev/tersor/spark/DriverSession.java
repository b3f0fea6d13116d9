package dev.tersor.spark;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the Spark drivers ({@code spark-embed}, {@code spark-eval-embed}) share: their session, logging and errors. */
final class DriverSession {

    private static final Pattern LOCAL_MASTER = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?])?");

    private DriverSession() {
    }

    /** {@code command}'s command line, whose errors are one line after {@code tersor NAME: }. */
    static CommandLine commandLine(Object command, String name) {
        CommandLine commandLine = new CommandLine(command);
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            cmd.getErr().println("tersor " + name + ": " + describe(e));
            if (Boolean.getBoolean("tersor.debug")) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return commandLine;
    }

    /** Spark's warnings only, unless the user configured log4j2: Spark's default prints every INFO line. */
    static void quietLogging() {
        if (System.getProperty("log4j2.configurationFile") == null) {
            URL config = DriverSession.class.getResource("log4j2-driver.properties");
            if (config != null) {
                System.setProperty("log4j2.configurationFile", config.toString());
            }
        }
    }

    /** The innermost message worth printing: Spark wraps a task's failure in several layers. */
    static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause
                && (cause instanceof UncheckedIOException || cause instanceof ExecutionException
                || cause.getClass().getName().startsWith("org.apache.spark."))) {
            cause = cause.getCause();
        }
        if (cause instanceof NoSuchFileException f) {
            return f.getFile() + " does not exist";
        }
        String message = cause.getMessage();
        if (message == null || message.isBlank()) {
            return cause.getClass().getSimpleName();
        }
        return message.lines().findFirst().orElse(message);
    }

    /** {@code master} when given, else the master spark-submit set, else {@code local[*]}. */
    static String chosenMaster(String master) {
        String submitted = System.getProperty("spark.master");
        return master != null ? master : submitted != null ? submitted : "local[*]";
    }

    /**
     * The session: spark-submit's master and settings when it launched the driver, else local mode on
     * the loopback address without the web UI, the input cut into at least {@code partitions}
     * partitions (null: four per core) so that every core has work until the end.
     */
    static SparkSession start(String appName, String master, Integer partitions, Map<String, String> conf) {
        String chosen = chosenMaster(master);
        SparkSession.Builder builder = SparkSession.builder().appName(appName).master(chosen);
        if (chosen.startsWith("local")) {
            builder.config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    // Spark cuts splits of at least openCostInBytes (4 MB): a file of a few MB, which takes
                    // minutes to embed, would be one or two partitions and leave cores idle.
                    .config("spark.sql.files.openCostInBytes", "1024")
                    .config("spark.sql.files.minPartitionNum",
                            String.valueOf(partitions != null ? partitions : 4 * localCores(chosen)));
        }
        conf.forEach(builder::config);
        return builder.getOrCreate();
    }

    /** The cores a local master uses: {@code local}, {@code local[N]}, {@code local[*]}, {@code local[N,F]}. */
    static int localCores(String master) {
        Matcher m = LOCAL_MASTER.matcher(master);
        if (!m.matches()) {
            return Runtime.getRuntime().availableProcessors();
        }
        String n = m.group(1);
        return n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Math.max(1, Integer.parseInt(n));
    }

    /** A path without a URI scheme (hdfs://, s3a://): one on this machine's file system. */
    static boolean isLocal(String path) {
        return !path.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*");
    }
}
