package dev.tersor.spark;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

import java.util.Map;

/** The options both Spark drivers take for their session and their batches, and the checks on them. */
final class SessionOptions {

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master, e.g. local[4]. Default: the one spark-submit gives, else local[*].")
    String master;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "Lines per model call. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--partitions", paramLabel = "N",
            description = "In local mode, split the input into at least N partitions (default: 4 per core), so that every "
                    + "core has work until the end.")
    Integer partitions;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting, repeatable (e.g. spark.driver.memory=4g).")
    Map<String, String> conf = Map.of();

    /** One line for a batch or partition count below 1, before anything starts. */
    void check() {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }
        if (partitions != null && partitions < 1) {
            throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
        }
    }

    /** Whether the job runs in local mode (then local paths can be checked on the driver). */
    boolean local() {
        return DriverSession.chosenMaster(master).startsWith("local");
    }

    /** The session these options describe ({@link DriverSession#start}). */
    SparkSession start(String appName) {
        return DriverSession.start(appName, master, partitions, conf);
    }
}
