package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.synthetic.MatrixGenerator;
import dev.tersor.synthetic.ValueDistribution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Generates a synthetic matrix, encodes it in every format, and reports sizes and the round trip. */
@Command(name = "matrix", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate a synthetic weight matrix, encode it in every format and check the round trip.")
final class MatrixCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Option(names = "--rows", required = true, description = "Rows (outputs).")
    int rows;

    @Option(names = "--cols", required = true, description = "Columns (inputs).")
    int cols;

    @Option(names = "--density", required = true, description = "Fraction of non-zero entries, 0 to 1.")
    double density;

    @Option(names = "--values", required = true, description = "Number K of distinct non-zero values.")
    int values;

    @Option(names = "--distribution", defaultValue = "uniform",
            description = "How the K values are distributed: uniform or peaked (Laplace-like). Default: ${DEFAULT-VALUE}.")
    String distribution;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "Print one JSON object per format instead of a table.")
    boolean json;

    /** One format's outcome. */
    record Row(String format, long bytes, double bitsPerWeight, double ratio, boolean roundTrip, double encodeMillis) {
    }

    @Override
    public void run() {
        MatrixGenerator generator = MatrixGenerator.builder().rows(rows).cols(cols).density(density)
                .distinctValues(values).distribution(parseDistribution(distribution)).seed(seed).build();
        QuantizedMatrix source = generator.generate();
        float[] expected = source.toDense();
        long denseBytes = WeightMatrix.HEADER_BYTES + 4L * rows * cols;

        List<Row> results = new ArrayList<>();
        for (MatrixFormat format : MatrixFormats.all()) {
            long start = System.nanoTime();
            try (WeightMatrix matrix = format.encode(source)) {
                double millis = (System.nanoTime() - start) / 1e6;
                boolean roundTrip = sameBits(expected, matrix.toDense());
                results.add(new Row(format.name(), matrix.byteSize(), matrix.bitsPerWeight(),
                        (double) denseBytes / matrix.byteSize(), roundTrip, millis));
            }
        }

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            printJson(out, results);
        } else {
            printTable(out, generator, source, results);
        }
        out.flush();
        if (results.stream().anyMatch(r -> !r.roundTrip())) {
            throw new IllegalStateException("round trip failed for "
                    + results.stream().filter(r -> !r.roundTrip()).map(Row::format).toList());
        }
    }

    static boolean sameBits(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                return false;
            }
        }
        return true;
    }

    private static ValueDistribution parseDistribution(String name) {
        try {
            return ValueDistribution.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown distribution '" + name + "'; expected uniform or peaked");
        }
    }

    private static void printJson(PrintWriter out, List<Row> results) {
        try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
            json.useDefaultPrettyPrinter();
            json.writeStartArray();
            for (Row row : results) {
                json.writeStartObject();
                json.writeStringField("format", row.format());
                json.writeNumberField("bytes", row.bytes());
                json.writeNumberField("bitsPerWeight", round(row.bitsPerWeight(), 4));
                json.writeNumberField("ratio", round(row.ratio(), 4));
                json.writeBooleanField("roundTrip", row.roundTrip());
                json.writeEndObject();
            }
            json.writeEndArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        out.println();
    }

    private static double round(double value, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }

    private static void printTable(PrintWriter out, MatrixGenerator generator, QuantizedMatrix source, List<Row> results) {
        long[] counts = source.codeCounts();
        long nonZeros = (long) source.rows() * source.cols() - counts[0];
        out.printf(Locale.ROOT, "matrix %s%n", generator);
        out.printf(Locale.ROOT, "       %d non-zeros, entropy %.3f bits/entry%n%n", nonZeros, source.entropyBits());
        out.printf(Locale.ROOT, "%-8s %14s %12s %10s %10s %12s%n", "format", "bytes", "bits/weight", "ratio", "round trip",
                "encode ms");
        for (Row row : results) {
            out.printf(Locale.ROOT, "%-8s %14d %12.3f %9.2fx %10s %12.1f%n", row.format(), row.bytes(), row.bitsPerWeight(),
                    row.ratio(), row.roundTrip() ? "ok" : "FAILED", row.encodeMillis());
        }
    }
}
