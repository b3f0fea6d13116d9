package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.bench.matvec.MatVecHarness;
import dev.tersor.bench.matvec.MatVecHarness.FormatResult;
import dev.tersor.bench.report.Markdown;
import dev.tersor.bench.report.Summary;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Parallelism;
import dev.tersor.synthetic.MatrixGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * {@code tersor bench matvec}: one synthetic layer, every format against OpenBLAS in this JVM. Not
 * JMH: a warm-up, then the median of alternating timed runs.
 */
@Command(name = "matvec", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time every format on one synthetic layer against OpenBLAS sgemv (sgemm for a batch above 1), "
                + "in this JVM: a warm-up, then the median of alternating runs. Not JMH: use ./tersor bench for "
                + "publishable numbers."})
final class BenchMatVecCommand implements Runnable {

    /** Largest batch timed: well past where every kernel has turned into a matrix-matrix product. */
    static final int MAX_BATCH = 4096;

    @Spec
    CommandSpec spec;

    @Mixin
    SyntheticMatrixOptions matrix;

    @Option(names = "--batch", defaultValue = "1", description = "Input vectors per product (B). Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--threads", defaultValue = "1",
            description = "Threads for Tersor and for OpenBLAS alike. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--provider", description = "Kernel provider: scalar, vector or native. Default: the preferred one.")
    String provider;

    @Option(names = "--json", description = "Print one JSON object per format: format, nsPerOp, bytes, speedupVsBlas.")
    boolean json;

    @Override
    public void run() {
        Arguments.inRange("--batch", batch, 1, MAX_BATCH);
        Arguments.inRange("--threads", threads, 1, Parallelism.MAX_THREADS);
        MatrixGenerator generator = matrix.generator();
        String kernels = provider != null ? Kernels.named(provider).name() : Kernels.preferred().name();
        MatVecHarness.Result result = MatVecHarness.run(generator.generate(), batch, threads, kernels,
                MatVecHarness.Settings.DEFAULT);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            printJson(out, result);
        } else {
            printTable(out, generator, result);
        }
        out.flush();
    }


    static void printJson(PrintWriter out, MatVecHarness.Result result) {
        try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
            json.useDefaultPrettyPrinter();
            json.writeStartArray();
            for (FormatResult format : result.formats()) {
                json.writeStartObject();
                json.writeStringField("format", format.format());
                if (format.ok()) {
                    json.writeNumberField("nsPerOp", Math.round(format.time().median() * 10) / 10.0);
                    json.writeNumberField("bytes", format.bytes());
                    json.writeNumberField("speedupVsBlas", Math.round(format.speedUpVsBlas() * 1000) / 1000.0);
                } else {
                    json.writeNullField("nsPerOp");
                    json.writeNullField("bytes");
                    json.writeNullField("speedupVsBlas");
                    json.writeStringField(format.status(), format.message());
                }
                json.writeEndObject();
            }
            json.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println();
    }

    static void printTable(PrintWriter out, MatrixGenerator generator, MatVecHarness.Result result) {
        out.printf(Locale.ROOT, "matrix %s%n", generator);
        out.printf(Locale.ROOT, "batch %d, %d thread%s, kernels %s; medians of alternating runs (interquartile range)%n",
                result.batch(), result.threads(), result.threads() == 1 ? "" : "s", result.provider());
        Summary blas = result.blasTime();
        out.printf(Locale.ROOT, "OpenBLAS %s: %s, %d bytes (%s)%n%n", result.blasRoutine(), Markdown.time(blas),
                result.blasBytes(), result.blasLibrary());
        out.printf(Locale.ROOT, "%-8s %14s %26s %14s %12s%n", "format", "ns/op", "spread (ns)", "bytes", "vs OpenBLAS");
        for (FormatResult format : result.formats()) {
            if (format.ok()) {
                Summary t = format.time();
                out.printf(Locale.ROOT, "%-8s %14.0f %26s %14d %11.2fx%n", format.format(), t.median(),
                        String.format(Locale.ROOT, "%.0f-%.0f", t.p25(), t.p75()), format.bytes(),
                        format.speedUpVsBlas());
            } else {
                out.printf(Locale.ROOT, "%-8s %s: %s%n", format.format(), format.status(), format.message());
            }
        }
    }
}
