package dev.tersor.spark;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.TokenBatch;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * {@code ./tersor spark-embed}: embeds a text file (one sentence a line) or a folder of them on Spark and
 * writes Spark's JSON lines ({@code text}, {@code embedding}) or Parquet. In local mode for users without
 * a cluster (the launcher runs it with Spark on the class path), or the main class of the job jar under
 * {@code spark-submit}, where the master comes from the submission.
 */
@Command(name = "spark-embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Embed a text file (one sentence a line) or a folder of them with Apache Spark, in local mode or "
                + "under spark-submit, and write one record per line with the keys text and embedding.")
public final class SparkEmbed implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "A .tsr file (it carries its tokenizer) or an ONNX file with its tokenizer beside it; shipped to "
                    + "the executors with SparkContext.addFile.")
    String model;

    @Option(names = "--input", required = true, paramLabel = "FILE|DIR",
            description = "A UTF-8 text file, one sentence a line, or a folder of them; any path Spark reads (hdfs://, s3a://).")
    String input;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "The folder to write, which must not exist: Spark's part files, one record per input line.")
    String output;



    @Option(names = "--format", defaultValue = "json", paramLabel = "json|parquet",
            description = "Output format: Spark's JSON lines or Parquet. Default: ${DEFAULT-VALUE}.")
    String format;


    @Option(names = "--tokenizer", paramLabel = "tokenizer.json",
            description = "The tokenizer; default: the one stored in the .tsr, else <model>-tokenizer.json or tokenizer.json beside the model.")
    String tokenizer;

    @Option(names = "--pooling", defaultValue = "mean", paramLabel = "mean|cls",
            description = "Mean over real tokens or the [CLS] vector. Default: ${DEFAULT-VALUE}.")
    String pooling;

    @Option(names = "--no-normalize", description = "Keep the vectors' length instead of scaling them to unit length.")
    boolean noNormalize;

    @Option(names = "--exec", defaultValue = "fastest", paramLabel = "stored|fastest|budget:MB",
            description = "Layout each weight runs in, as for ./tersor embed. Default: ${DEFAULT-VALUE}.")
    String exec;


    @Option(names = "--without-spark",
            description = "Embed the file with --threads Java threads and one Embedder, no Spark, writing the same JSON lines: "
                    + "the baseline that measures Spark's overhead.")
    boolean withoutSpark;

    @Option(names = "--tokenize-only",
            description = "With --without-spark: tokenize the lines and write nothing, to measure the tokenizer's share of the time.")
    boolean tokenizeOnly;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
            description = "Threads of --without-spark. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Mixin
    SessionOptions session = new SessionOptions();

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        DriverSession.quietLogging();
        System.exit(commandLine().execute(args));
    }

    /** The command line with one-line errors, also used by tests. */
    static CommandLine commandLine() {
        return DriverSession.commandLine(new SparkEmbed(), "spark-embed");
    }

    @Override
    public Integer call() throws IOException {
        session.check();
        String outputFormat = format.toLowerCase(Locale.ROOT);
        if (!outputFormat.equals("json") && !outputFormat.equals("parquet")) {
            throw new IllegalArgumentException("--format is json or parquet, not '" + format + "'");
        }
        if (tokenizeOnly && !withoutSpark) {
            throw new IllegalArgumentException("--tokenize-only goes with --without-spark");
        }
        ExecutorModel.pooling(pooling);
        checkLocalPaths(withoutSpark || session.local());
        if (withoutSpark) {
            return embedWithoutSpark(outputFormat);
        }
        long sessionStart = System.nanoTime();
        SparkSession spark = session.start("tersor spark-embed");
        try {
            double startSeconds = (System.nanoTime() - sessionStart) / 1e9;
            long start = System.nanoTime();
            ExecutorModel executorModel = ExecutorModel.prepare(spark, model, tokenizer, true, ExecutorModel.pooling(pooling),
                    !noNormalize, session.batch, exec);
            Dataset<Row> lines = spark.read().text(input).withColumnRenamed("value", "text");
            int parts = lines.rdd().getNumPartitions();
            TersorSpark.embed(lines, "text", "embedding", executorModel).write().format(outputFormat).save(output);
            double seconds = (System.nanoTime() - start) / 1e9;
            // Counted after the clock stops, on the input: the output, at about 4.6 KB of JSON a line, costs more to read.
            long count = lines.count();
            spec.commandLine().getOut().printf(Locale.ROOT, "embedded %d lines in %.2f s: %.1f lines/s on %s (%d partition%s, batch %d); "
                            + "Spark session start %.2f s%s; peak resident memory %s; wrote %s as %s%n",
                    count, seconds, count / seconds, spark.sparkContext().master(), parts, parts == 1 ? "" : "s", session.batch, startSeconds,
                    loadNote(), peakResidentMemory(), output, outputFormat);
            return 0;
        } finally {
            spark.stop();
            ExecutorEmbedders.closeAll();
        }
    }

    /**
     * A local model or input that does not exist, or an output that does, is one line before Spark
     * starts. The model is always on the driver's file system (addFile reads a path without a scheme
     * there); the input and output only in local mode, since on a cluster such paths are on the
     * cluster's default file system.
     */
    private void checkLocalPaths(boolean localMode) {
        if (DriverSession.isLocal(model) && !Files.isRegularFile(Path.of(model))) {
            throw new IllegalArgumentException("--model " + model + (Files.isDirectory(Path.of(model))
                    ? " is a folder; spark-embed ships one file: import it into a .tsr (./tersor import)" : " does not exist"));
        }
        if (!localMode) {
            return;
        }
        if (DriverSession.isLocal(input) && !Files.exists(Path.of(input))) {
            throw new IllegalArgumentException("--input " + input + " does not exist");
        }
        if (DriverSession.isLocal(output) && Files.exists(Path.of(output))) {
            throw new IllegalArgumentException("--output " + output + " already exists; give a new folder to write");
        }
    }

    /**
     * The baseline: the same lines embedded by one {@link Embedder} on {@code --threads} threads, a batch
     * of {@code --batch} lines per call, written as one JSON-lines file in the records Spark writes.
     */
    private int embedWithoutSpark(String outputFormat) throws IOException {
        if (!outputFormat.equals("json")) {
            throw new IllegalArgumentException("--without-spark writes json only");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        if (!DriverSession.isLocal(input) || !DriverSession.isLocal(output)) {
            throw new IllegalArgumentException("--without-spark reads and writes local paths only");
        }

        long start = System.nanoTime();
        List<String> lines = readLines(Path.of(input));
        ExecutorModel local = new ExecutorModel(model, tokenizer, false, ExecutorModel.pooling(pooling), !noNormalize, session.batch, exec);
        float[][] vectors = new float[lines.size()][];
        LongAdder tokenCount = new LongAdder();
        String load;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            Embedder embedder = ExecutorEmbedders.get(local);
            List<Future<?>> calls = new ArrayList<>();
            for (int from = 0; from < lines.size(); from += session.batch) {
                int first = from;
                List<String> texts = lines.subList(first, Math.min(lines.size(), first + session.batch));
                calls.add(pool.submit(() -> {
                    if (tokenizeOnly) {
                        TokenBatch tokens = embedder.tokenize(texts.stream().filter(RowBatches::isUnicode).toList());
                        for (int i = 0; i < tokens.size(); i++) {
                            tokenCount.add(tokens.tokens(i));
                        }
                        return;
                    }
                    float[][] computed = RowBatches.embed(embedder, texts);
                    System.arraycopy(computed, 0, vectors, first, computed.length);
                }));
            }
            for (Future<?> call : calls) {
                call.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            load = loadNote();
            ExecutorEmbedders.closeAll();
        }
        if (tokenizeOnly) {
            double seconds = (System.nanoTime() - start) / 1e9;
            spec.commandLine().getOut().printf(Locale.ROOT, "tokenized %d lines in %.2f s: %.1f lines/s without Spark "
                    + "(%d threads, batch %d)%s; %d tokens, %.1f a line (special tokens included, after truncation); "
                    + "nothing written%n", lines.size(), seconds, lines.size() / seconds, threads, session.batch, load, tokenCount.sum(),
                    (double) tokenCount.sum() / Math.max(1, lines.size()));
            return 0;
        }
        Path folder = Files.createDirectories(Path.of(output));
        try (OutputStream file = Files.newOutputStream(folder.resolve("part-00000.json"));
             JsonGenerator g = new JsonFactory().createGenerator(file)) {
            for (int i = 0; i < lines.size(); i++) {
                g.writeStartObject();
                g.writeStringField("text", lines.get(i));
                if (vectors[i] != null) {
                    g.writeArrayFieldStart("embedding");
                    for (float x : vectors[i]) {
                        g.writeNumber(x);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
                g.writeRaw('\n');
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        spec.commandLine().getOut().printf(Locale.ROOT, "embedded %d lines in %.2f s: %.1f lines/s without Spark (%d threads, batch %d)%s; "
                + "peak resident memory %s; wrote %s as json%n", lines.size(), seconds, lines.size() / seconds, threads, session.batch,
                load, peakResidentMemory(), output);
        return 0;
    }

    /** Every line of a file, or of the files of a folder in name order, as Spark's text source reads them. */
    private static List<String> readLines(Path path) throws IOException {
        List<Path> files;
        if (Files.isDirectory(path)) {
            try (Stream<Path> listing = Files.list(path)) {
                files = listing.filter(Files::isRegularFile)
                        .filter(p -> !p.getFileName().toString().startsWith(".") && !p.getFileName().toString().startsWith("_"))
                        .sorted().toList();
            }
        } else {
            files = List.of(path);
        }
        List<String> lines = new ArrayList<>();
        for (Path file : files) {
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                reader.lines().forEach(lines::add);
            }
        }
        return lines;
    }

    /**
     * The model's load time inside the timed run, when it loaded in this JVM (local mode, or without
     * Spark): a cost that does not grow with the input, to subtract when rates of runs are compared.
     */
    private static String loadNote() {
        return ExecutorEmbedders.loads() == 0 ? ""
                : String.format(Locale.ROOT, "; model load %.2f s", ExecutorEmbedders.loadSeconds());
    }

    /** This JVM's peak resident set (Linux's VmHWM); in local mode the executors are this JVM. */
    static String peakResidentMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("VmHWM:")) {
                    long kb = Long.parseLong(line.replaceAll("\\D", ""));
                    return String.format(Locale.ROOT, "%d MB", kb / 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: say so instead of a number
        }
        return "unknown";
    }
}
