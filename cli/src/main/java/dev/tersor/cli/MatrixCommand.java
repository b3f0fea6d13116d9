package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.synthetic.MatrixGenerator;
import dev.tersor.synthetic.UniformLevels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Generates a synthetic matrix, encodes it in every format, and reports sizes and the round trip. */
@Command(name = "matrix", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate a synthetic weight matrix, encode it in every format and check the round trip.")
final class MatrixCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Mixin
    SyntheticMatrixOptions matrix;

    @Option(names = "--bits", paramLabel = "Q",
            description = "Requantize the non-zero values to 2^Q uniform levels before encoding. Default: the K of --values.")
    Integer bits;

    @Option(names = "--format", paramLabel = "NAME", description = "Run only this format.")
    String formatName;

    @Option(names = "--xor-in", paramLabel = "N_IN",
            description = "XOR format: encrypted word width N_in (1-32). Default: chosen by measurement per matrix.")
    int xorIn;

    @Option(names = "--xor-out", paramLabel = "N_OUT", defaultValue = "64",
            description = "XOR format: slice width N_out (1-64). Default: ${DEFAULT-VALUE}.")
    int xorOut;

    @Option(names = "--json", description = "Print one JSON object per format instead of a table.")
    boolean json;

    /**
     * One format's outcome; {@code accepted} is false for a format that cannot represent the matrix
     * (the bit-packed one, for values that are no integers times a power of two).
     */
    record Row(String format, boolean accepted, long bytes, double bitsPerWeight, double ratio, boolean roundTrip,
               double encodeMillis, Map<String, Double> details) {
    }

    @Override
    public void run() {
        MatrixGenerator generator = matrix.generator();
        QuantizedMatrix source = generator.generate();
        if (bits != null) {
            if (bits < 0 || bits > 24) {
                throw new IllegalArgumentException("--bits must be 0..24, got " + bits);
            }
            source = UniformLevels.requantize(source, 1 << bits);
        }
        float[] expected = source.toDense();
        long denseBytes = WeightMatrix.HEADER_BYTES + 4L * matrix.rows * matrix.cols;
        double nonZeroEntropy = nonZeroEntropy(source);
        List<MatrixFormat> formats = formatName == null ? MatrixFormats.all() : List.of(MatrixFormats.named(formatName));

        List<Row> results = new ArrayList<>();
        for (MatrixFormat format : formats) {
            if (!format.accepts(source)) {
                results.add(new Row(format.name(), false, 0, 0, 0, false, 0, Map.of()));
                continue;
            }
            long start = System.nanoTime();
            try (WeightMatrix matrix = encode(format, source)) {
                double millis = (System.nanoTime() - start) / 1e6;
                boolean roundTrip = sameBits(expected, matrix.toDense());
                Map<String, Double> details = new LinkedHashMap<>(matrix.details());
                if (details.containsKey("streamBitsPerNonZero")) {
                    // the bound to check an entropy-coded stream of the non-zeros against: H ≤ L̄ < H + 1
                    details.put("nonZeroEntropy", nonZeroEntropy);
                }
                results.add(new Row(format.name(), true, matrix.byteSize(), matrix.bitsPerWeight(),
                        (double) denseBytes / matrix.byteSize(), roundTrip, millis, details));
            }
        }

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            printJson(out, results);
        } else {
            printTable(out, generator, source, results);
        }
        out.flush();
        List<String> failed = results.stream().filter(r -> r.accepted() && !r.roundTrip()).map(Row::format).toList();
        if (!failed.isEmpty()) {
            throw new IllegalStateException("round trip failed for " + failed);
        }
    }

    /** Encodes with the tuning options; a format uses those of its {@link MatrixFormat#parameters()}. */
    private WeightMatrix encode(MatrixFormat format, QuantizedMatrix source) {
        return format.encode(source, Map.of("wordBits", (long) xorIn, "sliceBits", (long) xorOut));
    }

    /** Entropy in bits of the values of the entries that are not zero (by code). */
    static double nonZeroEntropy(QuantizedMatrix source) {
        long[] counts = source.codeCounts();
        long total = 0;
        for (int k = 0; k < counts.length; k++) {
            if (source.codebookValue(k) != 0f) {
                total += counts[k];
            }
        }
        double h = 0;
        for (int k = 0; k < counts.length; k++) {
            if (source.codebookValue(k) != 0f && counts[k] > 0) {
                double p = (double) counts[k] / total;
                h -= p * Math.log(p) / Math.log(2);
            }
        }
        return h;
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


    private static void printJson(PrintWriter out, List<Row> results) {
        try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
            json.useDefaultPrettyPrinter();
            json.writeStartArray();
            for (Row row : results) {
                json.writeStartObject();
                json.writeStringField("format", row.format());
                if (!row.accepted()) {
                    json.writeBooleanField("accepted", false);
                    json.writeEndObject();
                    continue;
                }
                json.writeNumberField("bytes", row.bytes());
                json.writeNumberField("bitsPerWeight", round(row.bitsPerWeight(), 4));
                json.writeNumberField("ratio", round(row.ratio(), 4));
                json.writeBooleanField("roundTrip", row.roundTrip());
                for (Map.Entry<String, Double> detail : row.details().entrySet()) {
                    json.writeNumberField(detail.getKey(), round(detail.getValue(), 4));
                }
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

    private void printTable(PrintWriter out, MatrixGenerator generator, QuantizedMatrix source, List<Row> results) {
        long[] counts = source.codeCounts();
        long nonZeros = 0;
        for (int k = 0; k < counts.length; k++) {
            nonZeros += source.codebookValue(k) != 0f ? counts[k] : 0;
        }
        out.printf(Locale.ROOT, "matrix %s%s%n", generator, bits == null ? "" : ", requantized to 2^" + bits + " levels");
        out.printf(Locale.ROOT, "       %d non-zeros, entropy %.3f bits/entry, entropy of the non-zero values %.3f bits%n%n",
                nonZeros, source.entropyBits(), nonZeroEntropy(source));
        out.printf(Locale.ROOT, "%-8s %14s %12s %10s %10s %10s  %s%n", "format", "bytes", "bits/weight", "ratio",
                "round trip", "encode ms", "details");
        for (Row row : results) {
            if (!row.accepted()) {
                out.printf(Locale.ROOT, "%-8s %s%n", row.format(), "cannot represent this matrix exactly");
                continue;
            }
            StringBuilder details = new StringBuilder();
            for (Map.Entry<String, Double> detail : row.details().entrySet()) {
                details.append(details.isEmpty() ? "" : ", ").append(detail.getKey()).append(' ')
                        .append(String.format(Locale.ROOT, "%.4g", detail.getValue()));
            }
            out.printf(Locale.ROOT, "%-8s %14d %12.3f %9.2fx %10s %10.1f  %s%n", row.format(), row.bytes(),
                    row.bitsPerWeight(), row.ratio(), row.roundTrip() ? "ok" : "FAILED", row.encodeMillis(), details);
        }
    }
}
