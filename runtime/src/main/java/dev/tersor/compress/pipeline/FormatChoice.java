package dev.tersor.compress.pipeline;

import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Picks and encodes the format of one quantized matrix. A named format is used as is (its encoder
 * refuses matrices it cannot hold). {@code auto} encodes the matrix in every registered format that
 * accepts it and keeps the one with the least objective: exact {@link WeightMatrix#byteSize} under
 * {@link Objective#SIZE}, predicted time under {@link Objective#SPEED}, ties to the earlier format.
 */
public final class FormatChoice {

    /**
     * The chosen, encoded matrix and what every candidate scored.
     *
     * @param matrix     the encoded matrix (the caller owns it)
     * @param candidates format name → exact bytes, for every format that accepted the matrix
     */
    public record Result(WeightMatrix matrix, Map<String, Long> candidates) {
    }

    private FormatChoice() {
    }

    public static Result encode(QuantizedMatrix q, String format, Objective objective, CostModel costs) {
        if (!format.equals(LayerSettings.AUTO)) {
            MatrixFormat f = MatrixFormats.named(format);
            if (!f.accepts(q)) {
                throw new IllegalArgumentException("format " + format + " cannot hold this matrix exactly"
                        + (format.equals("bitpack") ? " (use --quant perchannel for bitpack)" : ""));
            }
            WeightMatrix m = f.encode(q);
            return new Result(m, Map.of(format, m.byteSize()));
        }
        long nonZeros = nonZeros(q);
        Map<String, Long> candidates = new LinkedHashMap<>();
        WeightMatrix best = null;
        double bestScore = Double.POSITIVE_INFINITY;
        for (MatrixFormat f : MatrixFormats.all()) {
            if (!f.accepts(q)) {
                continue;
            }
            WeightMatrix m = f.encode(q);
            candidates.put(f.name(), m.byteSize());
            double score = objective == Objective.SIZE ? m.byteSize()
                    : costs.predictNanos(f.name(), q.rows(), q.cols(), nonZeros);
            if (score < bestScore) {
                if (best != null) {
                    best.close();
                }
                best = m;
                bestScore = score;
            } else {
                m.close();
            }
        }
        if (best == null) {
            throw new IllegalStateException("no registered format accepts the matrix");
        }
        return new Result(best, candidates);
    }

    static long nonZeros(QuantizedMatrix q) {
        long[] counts = q.codeCounts();
        long n = 0;
        for (int c = 0; c < counts.length; c++) {
            if (q.codebookValue(c) != 0f) {
                n += counts[c];
            }
        }
        return n;
    }
}
