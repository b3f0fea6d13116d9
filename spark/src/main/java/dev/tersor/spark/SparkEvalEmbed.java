package dev.tersor.spark;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.embed.Pooling;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./tersor spark-eval-embed}: {@code eval-embed}'s comparison of a model with its reference over
 * a corpus on Spark ({@link TersorSpark#compare}): the cosine figures over every line, the neighbour
 * overlap over a sample.
 */
@Command(name = "spark-eval-embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compare a model's sentence embeddings with a reference model's over a text corpus (one sentence a "
                + "line) with Apache Spark: mean, minimum and first-percentile cosine over every line, and the top-10 "
                + "neighbour overlap over the first --sample distinct lines.")
public final class SparkEvalEmbed implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "The model to evaluate: a .tsr file or an ONNX file with its tokenizer beside it.")
    String model;

    @Option(names = "--reference", required = true, paramLabel = "MODEL", description = "The reference model, e.g. the fp32 original.")
    String reference;

    @Option(names = "--input", required = true, paramLabel = "FILE|DIR",
            description = "A UTF-8 text file, one sentence a line, or a folder of them; any path Spark reads.")
    String input;

    @Option(names = "--sample", defaultValue = "1000", paramLabel = "N",
            description = "Distinct lines the neighbour overlap is computed over (0: none; at most 100,000, as eval-embed). "
                    + "Default: ${DEFAULT-VALUE}.")
    int sample;




    @Option(names = "--exec", defaultValue = "fastest", paramLabel = "stored|fastest|budget:MB",
            description = "Layout each weight runs in, for both models. Default: ${DEFAULT-VALUE}.")
    String exec;


    @Option(names = "--json", description = "Print JSON: corpus, sentences, meanCosine, minCosine, p1Cosine, neighbourSample, "
            + "top10Overlap (null without a sample).")
    boolean json;

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
        return DriverSession.commandLine(new SparkEvalEmbed(), "spark-eval-embed");
    }

    @Override
    public Integer call() throws IOException {
        session.check();
        if (sample < 0 || sample > 100_000) {
            throw new IllegalArgumentException("--sample must be between 0 and 100000, got " + sample);
        }
        for (String[] file : new String[][]{{"--model", model}, {"--reference", reference}}) {
            if (DriverSession.isLocal(file[1]) && !Files.isRegularFile(Path.of(file[1]))) {
                throw new IllegalArgumentException(file[0] + " " + file[1] + " does not exist");
            }
        }
        if (session.local() && DriverSession.isLocal(input)
                && !Files.exists(Path.of(input))) {
            throw new IllegalArgumentException("--input " + input + " does not exist");
        }
        SparkSession spark = session.start("tersor spark-eval-embed");
        try {
            long start = System.nanoTime();
            Dataset<Row> lines = spark.read().text(input);
            CorpusComparison c = TersorSpark.compare(lines, "value",
                    ExecutorModel.prepare(spark, model, null, true, Pooling.MEAN, true, session.batch, exec),
                    ExecutorModel.prepare(spark, reference, null, true, Pooling.MEAN, true, session.batch, exec),
                    sample);
            double seconds = (System.nanoTime() - start) / 1e9;
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                printJson(out, c);
            } else {
                out.printf(Locale.ROOT, "%s against %s over %s, on %s in %.1f s%n", model, reference, input,
                        spark.sparkContext().master(), seconds);
                out.printf(Locale.ROOT, "%12s %9s %9s %9s %8s%n", "sentences", "mean cos", "min cos", "1% cos",
                        "top-10");
                out.printf(Locale.ROOT, "%12d %9.5f %9.5f %9.5f %8s%n", c.sentences(), c.meanCosine(), c.minCosine(),
                        c.p1Cosine(), c.neighbourSample() == 0 ? "-" : String.format(Locale.ROOT, "%.4f", c.top10Overlap()));
                if (c.neighbourSample() > 0) {
                    out.printf(Locale.ROOT, "top-10 overlap over the first %d distinct lines%n", c.neighbourSample());
                }
            }
            return 0;
        } finally {
            spark.stop();
            ExecutorEmbedders.closeAll();
        }
    }

    private void printJson(PrintWriter out, CorpusComparison c) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("corpus", input);
            g.writeNumberField("sentences", c.sentences());
            g.writeNumberField("meanCosine", c.meanCosine());
            g.writeNumberField("minCosine", c.minCosine());
            g.writeNumberField("p1Cosine", c.p1Cosine());
            g.writeNumberField("neighbourSample", c.neighbourSample());
            if (c.neighbourSample() == 0) {
                g.writeNullField("top10Overlap");
            } else {
                g.writeNumberField("top10Overlap", c.top10Overlap());
            }
            g.writeEndObject();
        }
        out.println();
    }
}
