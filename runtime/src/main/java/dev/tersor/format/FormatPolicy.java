package dev.tersor.format;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one rule that decides which format holds a weight, wherever a weight is placed: at import
 * (every plain matrix the compile passes leave), at compression (every quantized matrix), and at
 * load ({@link #fasterToRun}, when an execution policy may transcode). A policy either names a
 * format, used as is, or is automatic: it encodes the matrix in every registered format that
 * accepts it and keeps the one with the least objective, exact {@link WeightMatrix#byteSize} under
 * {@link Objective#SIZE} or cost under {@link Objective#SPEED}, ties to the earlier format. All
 * costs come from one interface, {@link FormatCostModel}.
 */
public final class FormatPolicy {

    /** What {@code --format} and a plan's layer settings call the automatic choice. */
    public static final String AUTO = "auto";

    /**
     * A placed matrix and what every candidate took.
     *
     * @param matrix     the encoded matrix (the caller owns it)
     * @param candidates format name → exact bytes, for every format that was tried
     */
    public record Placed(WeightMatrix matrix, Map<String, Long> candidates) {
    }

    private final MatrixFormat format;
    private final Objective objective;
    private final FormatCostModel costs;

    private FormatPolicy(MatrixFormat format, Objective objective, FormatCostModel costs) {
        this.format = format;
        this.objective = objective;
        this.costs = costs;
    }

    /** Every matrix in {@code format}. */
    public static FormatPolicy fixed(MatrixFormat format) {
        return new FormatPolicy(Objects.requireNonNull(format, "format"), Objective.SIZE, null);
    }

    /**
     * The format of least {@code objective} for each matrix.
     *
     * @param costs the cost model for {@link Objective#SPEED}; may be null under {@link Objective#SIZE}
     */
    public static FormatPolicy automatic(Objective objective, FormatCostModel costs) {
        Objects.requireNonNull(objective, "objective");
        if (objective == Objective.SPEED && costs == null) {
            throw new IllegalArgumentException("the speed objective needs a cost model");
        }
        return new FormatPolicy(null, objective, costs);
    }

    /** {@link #automatic} for {@value #AUTO}, otherwise {@link #fixed} in the format of that name. */
    public static FormatPolicy of(String formatOrAuto, Objective objective, FormatCostModel costs) {
        return formatOrAuto.equals(AUTO) ? automatic(objective, costs) : fixed(MatrixFormats.named(formatOrAuto));
    }

    /** Encodes a plain float matrix; a fixed format encodes it directly, without counting its values first. */
    public WeightMatrix place(DenseMatrixView weights) {
        return format != null ? format.encode(weights) : place(QuantizedMatrix.fromDense(weights)).matrix();
    }

    /**
     * Encodes a quantized matrix in the policy's format.
     *
     * @throws IllegalArgumentException if a fixed format cannot hold it exactly
     */
    public Placed place(QuantizedMatrix q) {
        if (format != null) {
            if (!format.accepts(q)) {
                String hint = format.refusalHint();
                throw new IllegalArgumentException("format " + format.name() + " cannot hold this matrix exactly"
                        + (hint.isEmpty() ? "" : " (" + hint + ")"));
            }
            WeightMatrix m = format.encode(q);
            return new Placed(m, Map.of(format.name(), m.byteSize()));
        }
        Map<String, Long> candidates = new LinkedHashMap<>();
        MatrixStatistics stats = null;
        WeightMatrix best = null;
        double bestScore = Double.POSITIVE_INFINITY;
        try {
            for (MatrixFormat f : MatrixFormats.all()) {
                if (!f.accepts(q)) {
                    continue;
                }
                WeightMatrix m = f.encode(q);
                candidates.put(f.name(), m.byteSize());
                if (objective == Objective.SPEED && stats == null) {
                    stats = MatrixStatistics.of(m); // the same for every encoding of q
                }
                double score = objective == Objective.SIZE ? m.byteSize() : costs.cost(f, stats);
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
        } catch (RuntimeException | Error e) {
            if (best != null) {
                best.close();
            }
            throw e;
        }
        if (best == null) {
            throw new IllegalStateException("no registered format accepts the matrix");
        }
        return new Placed(best, candidates);
    }

    /**
     * The formats loading may try to run {@code stored} in, cheapest first: those its rows allow
     * ({@link MatrixFormat#canRunFrom}) that cost less than the format it is stored in (which wins
     * ties, so it is never listed). Empty when the stored format is the fastest.
     */
    public static List<MatrixFormat> fasterToRun(WeightMatrix stored, MatrixStatistics stats, FormatCostModel costs) {
        MatrixFormat current = MatrixFormats.named(stored.formatName());
        double storedCost = costs.cost(current, stats);
        record Rated(MatrixFormat format, double cost) {
        }
        List<Rated> faster = new ArrayList<>();
        for (MatrixFormat candidate : MatrixFormats.all()) {
            if (candidate != current && candidate.canRunFrom(stored, stats)) {
                double c = costs.cost(candidate, stats);
                if (c < storedCost) {
                    faster.add(new Rated(candidate, c));
                }
            }
        }
        faster.sort(Comparator.comparingDouble(Rated::cost));
        return faster.stream().map(Rated::format).toList();
    }

    @Override
    public String toString() {
        return format != null ? format.name() : AUTO + " (" + objective.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
