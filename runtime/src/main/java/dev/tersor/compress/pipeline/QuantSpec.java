package dev.tersor.compress.pipeline;

import dev.tersor.compress.quant.EntropyConstrainedQuantizer;
import dev.tersor.compress.quant.KMeansQuantizer;
import dev.tersor.compress.quant.ProbabilisticQuantizer;
import dev.tersor.compress.quant.Quantizer;
import dev.tersor.compress.quant.Scope;
import dev.tersor.compress.quant.UniformQuantizer;

import java.util.Locale;

/**
 * A quantizer setting as the CLI and pins spell it: {@code KIND[:K][@PARAM][/row|/matrix|/tokens:R[xM]]}.
 *
 * <ul>
 * <li>{@code uq@α}: uniform step α × the RMS of each row (or matrix); {@code uq:K}: at most K levels,
 * symmetric and clamped;</li>
 * <li>{@code cws:K}: k-means weight sharing; {@code pws:K}: probabilistic weight sharing;</li>
 * <li>{@code ecsq:K@λ}: entropy-constrained, λ relative to the variance;</li>
 * <li>{@code perchannel:K@ε}: a power-of-two step per row, each row the fewest bits (at most
 * log2 K) whose relative error is within ε, for the bit-packed format.</li>
 * </ul>
 * Scope defaults to per row (Decision 10). {@code /tokens:R[xM]} is per row too, for a word-embedding
 * table under {@code uq@α}: each row's step is scaled by its token's rarity ({@link TokenFrequencies},
 * reference rank R, at most M times, 4 by default). Immutable.
 *
 * @param kind  uq, cws, pws, ecsq or perchannel
 * @param k     levels, or 0 when the kind's parameter decides alone (uq with a step)
 * @param param α for uq, λ for ecsq, ε for perchannel; NaN for the kind's default
 * @param scope per row or per matrix
 * @param seed  seed of the randomized quantizers
 * @param tokenSteps token-frequency steps, or null for none
 */
public record QuantSpec(String kind, int k, double param, Scope scope, long seed, TokenSteps tokenSteps) {

    /**
     * Row steps that follow token frequency: rows rarer than id {@code referenceRank} get steps up to
     * {@code maxFactor} times coarser ({@link TokenFrequencies#stepFactors}).
     */
    public record TokenSteps(int referenceRank, double maxFactor) {

        /** The factor ceiling when the spelling gives none. */
        public static final double DEFAULT_MAX_FACTOR = 4;

        public TokenSteps {
            if (referenceRank < 1 || !(maxFactor >= 1) || Double.isInfinite(maxFactor)) {
                throw new IllegalArgumentException("token steps need a reference rank ≥ 1 and a factor ceiling ≥ 1, got "
                        + referenceRank + " and " + maxFactor);
            }
        }

        @Override
        public String toString() {
            return "tokens:" + referenceRank + (maxFactor == DEFAULT_MAX_FACTOR ? "" : "x" + maxFactor);
        }
    }

    public static final double DEFAULT_UQ_STEP = 0.1;
    public static final double DEFAULT_ECSQ_LAMBDA = 0.01;
    public static final double DEFAULT_PERCHANNEL_ERROR = 0.05;
    private static final int DEFAULT_K = 16;

    public QuantSpec {
        kind = kind.toLowerCase(Locale.ROOT);
        switch (kind) {
            case "uq", "cws", "pws", "ecsq", "perchannel" -> {
            }
            default -> throw new IllegalArgumentException("unknown quantizer '" + kind + "'; known: uq, cws, pws, ecsq, perchannel");
        }
        if (k < 0 || (k == 0 && !kind.equals("uq"))) {
            throw new IllegalArgumentException(kind + " needs K ≥ 1, got " + k);
        }
        if (!Double.isNaN(param) && !(param >= 0 && param < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("quantizer parameter must be finite and ≥ 0, got " + param);
        }
        if (tokenSteps != null && !(kind.equals("uq") && k == 0 && scope == Scope.ROW)) {
            throw new IllegalArgumentException("token-frequency steps (/" + tokenSteps + ") need uq@α per row, not "
                    + kind + (k > 0 ? ":" + k : ""));
        }
    }

    /** Uniform step α × RMS per row. */
    public static QuantSpec uniform(double alpha) {
        return new QuantSpec("uq", 0, alpha, Scope.ROW, 0, null);
    }

    /** Parses {@code KIND[:K][@PARAM][/row|/matrix|/tokens:R[xM]]}. */
    public static QuantSpec parse(String text) {
        String s = text.trim();
        Scope scope = Scope.ROW;
        TokenSteps tokenSteps = null;
        int slash = s.indexOf('/');
        if (slash >= 0) {
            String sc = s.substring(slash + 1);
            if (sc.startsWith("tokens:")) {
                String[] fields = sc.substring("tokens:".length()).split("x", -1);
                double rank = number(fields[0], text);
                double max = fields.length > 1 ? number(fields[1], text) : TokenSteps.DEFAULT_MAX_FACTOR;
                if (fields.length > 2 || rank != Math.rint(rank) || rank < 1 || rank > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("token steps are tokens:R or tokens:RxM, R a positive integer, in '"
                            + text + "'");
                }
                tokenSteps = new TokenSteps((int) rank, max);
            } else {
                scope = switch (sc) {
                    case "row" -> Scope.ROW;
                    case "matrix" -> Scope.MATRIX;
                    default -> throw new IllegalArgumentException("scope must be row, matrix or tokens:R, got '" + sc
                            + "' in '" + text + "'");
                };
            }
            s = s.substring(0, slash);
        }
        double param = Double.NaN;
        int at = s.indexOf('@');
        if (at >= 0) {
            param = number(s.substring(at + 1), text);
            s = s.substring(0, at);
        }
        int k = 0;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            double kk = number(s.substring(colon + 1), text);
            if (kk != Math.rint(kk) || kk < 1 || kk > KMeansQuantizer.MAX_K) {
                throw new IllegalArgumentException("K must be an integer in [1, " + KMeansQuantizer.MAX_K + "] in '" + text + "'");
            }
            k = (int) kk;
            s = s.substring(0, colon);
        }
        String kind = s.toLowerCase(Locale.ROOT);
        if (k == 0 && !kind.equals("uq")) {
            k = DEFAULT_K;
        }
        return new QuantSpec(kind, k, param, scope, 0, tokenSteps);
    }

    private static double number(String s, String text) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a number in quantizer '" + text + "'");
        }
    }

    /** The quantizer this setting names. */
    public Quantizer quantizer() {
        return switch (kind) {
            case "uq" -> k > 0 && Double.isNaN(param) ? UniformQuantizer.levels(k, scope)
                    : UniformQuantizer.relativeStep(Double.isNaN(param) ? DEFAULT_UQ_STEP : param, scope);
            case "cws" -> KMeansQuantizer.of(k, scope, seed).withMaxIterations(50);
            case "pws" -> new ProbabilisticQuantizer(Math.max(2, k), scope, seed);
            case "ecsq" -> EntropyConstrainedQuantizer.of(k, Double.isNaN(param) ? DEFAULT_ECSQ_LAMBDA : param, scope);
            case "perchannel" -> new PerChannelQuantizer(k, Double.isNaN(param) ? DEFAULT_PERCHANNEL_ERROR : param);
            default -> throw new AssertionError(kind);
        };
    }

    /** The step α of a uniform setting (its default when unset); NaN for other kinds. */
    public double alpha() {
        return kind.equals("uq") && k == 0 ? (Double.isNaN(param) ? DEFAULT_UQ_STEP : param) : Double.NaN;
    }

    /**
     * This setting with its relative step α times {@code factor} (coarser when above 1); settings
     * without a relative step (levels, codebooks) are returned as they are.
     */
    public QuantSpec withStepScaled(double factor) {
        if (!(factor > 0 && factor < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("a step factor must be positive and finite, got " + factor);
        }
        double alpha = alpha();
        return Double.isNaN(alpha) ? this : new QuantSpec(kind, k, alpha * factor, scope, seed, tokenSteps);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(kind);
        if (k > 0) {
            b.append(':').append(k);
        }
        if (!Double.isNaN(param)) {
            b.append('@').append(param);
        }
        if (scope == Scope.MATRIX) {
            b.append("/matrix");
        }
        if (tokenSteps != null) {
            b.append('/').append(tokenSteps);
        }
        return b.toString();
    }
}
