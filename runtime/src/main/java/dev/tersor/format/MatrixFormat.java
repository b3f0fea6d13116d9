package dev.tersor.format;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One weight format as one row of facts, the way ggml's {@code type_traits} describes a type: its
 * name, what it stores, which matrices it can hold, its encoder and the validating reader of its
 * layouts, the rule that rates its speed, how its energy is counted, and whether loading may
 * transcode a weight into it. Each format declares its row beside its matrix class
 * ({@code FooMatrix.FORMAT}) and {@link MatrixFormats} lists the rows once, so no other code keeps a
 * fact about a format under its name. {@link Builder#build()} refuses a row that lacks a fact.
 */
public final class MatrixFormat {

    /** Reads an untrusted layout: {@link #fromLayout}. */
    @FunctionalInterface
    public interface Reader {
        WeightMatrix fromLayout(Layout layout, Arena owner);
    }

    /** Encodes with the format's tuning parameters ({@link #parameters()}); absent ones take their defaults. */
    @FunctionalInterface
    public interface Encoder {
        WeightMatrix encode(QuantizedMatrix source, Map<String, Long> settings);
    }

    /**
     * Relative time of one matrix-vector product from the matrix's statistics, in units comparable
     * between formats (a streamed dense multiply-add is 1): the rule of thumb
     * {@link FormatCostModel#ruleOfThumb()} uses until a measured model exists.
     */
    @FunctionalInterface
    public interface CostRule {
        double cost(MatrixStatistics stats);
    }

    /** Whether loading may re-encode a weight into this format to run it faster (methods.md Decision 11). */
    @FunctionalInterface
    public interface LoadTarget {
        /** Never: the format decodes on every product, so it is only worth storing. */
        LoadTarget NEVER = (stored, stats) -> false;
        /** Any matrix. */
        LoadTarget ALWAYS = (stored, stats) -> true;

        /**
         * Whether loading should try {@link #transcode}: a screen from the statistics, exact unless a
         * target can only tell by encoding (then {@code transcode} refuses what does not fit).
         */
        boolean canHold(WeightMatrix stored, MatrixStatistics stats);

        /** The encoder settings loading uses for this target ({@link #encodeToRun}); none by default. */
        default Map<String, Long> settings() {
            return Map.of();
        }

        /**
         * {@code stored} re-encoded losslessly to run in this format, or null if its values turn out
         * not to fit. By default decodes it row by row into off-heap floats (nothing on the heap) and
         * encodes those with {@code encoder} and {@link #settings()}.
         */
        default WeightMatrix transcode(WeightMatrix stored, DenseEncoder encoder) {
            try (Arena arena = Arena.ofConfined()) {
                return encoder.encode(stored.decode(arena), settings());
            }
        }
    }

    /** Encodes a plain float matrix with tuning settings (a format's own, already filtered). */
    @FunctionalInterface
    public interface DenseEncoder {
        WeightMatrix encode(DenseMatrixView source, Map<String, Long> settings);
    }

    private final String name;
    private final String description;
    private final Predicate<QuantizedMatrix> accepts;
    private final String refusalHint;
    private final Encoder encoder;
    private final DenseEncoder denseEncoder;
    private final Reader reader;
    private final Reader gatherReader;
    private final CostRule cost;
    private final EnergyClass energy;
    private final LoadTarget loadTarget;
    private final Map<String, String> parameters;

    private MatrixFormat(Builder b) {
        this.name = b.name;
        this.description = b.description;
        this.accepts = b.accepts;
        this.refusalHint = b.refusalHint;
        this.encoder = b.encoder;
        this.denseEncoder = b.denseEncoder != null ? b.denseEncoder
                : (view, settings) -> b.encoder.encode(QuantizedMatrix.fromDense(view), settings);
        this.reader = b.reader;
        this.gatherReader = b.gatherReader != null ? b.gatherReader : b.reader;
        this.cost = b.cost;
        this.energy = b.energy;
        this.loadTarget = b.loadTarget;
        this.parameters = Map.copyOf(b.parameters);
    }

    /** A row under construction for the format called {@code name}. */
    public static Builder named(String name) {
        return new Builder(name);
    }

    /** Short name, e.g. {@code "cser"}; also the {@link Layout#format()} of its layouts. */
    public String name() {
        return name;
    }

    /** One line on what the format stores. */
    public String description() {
        return description;
    }

    /**
     * Whether {@link #encode(QuantizedMatrix)} can represent {@code source} exactly. Most formats
     * hold any matrix; a format with a restricted value set (the bit-packed one: integers times a
     * power of two per row) says no for the rest, and its encoder then throws. Generic tests run
     * every format on every input it accepts, and on inputs built so that all formats accept them.
     */
    public boolean accepts(QuantizedMatrix source) {
        return accepts.test(source);
    }

    /** What a refused matrix needs, for the user (e.g. which quantizer makes it acceptable); empty if the format holds every matrix. */
    public String refusalHint() {
        return refusalHint;
    }

    /**
     * Encodes {@code source} losslessly: decoding gives {@code source.value(r, c)} bit for bit.
     *
     * @throws IllegalArgumentException if the format cannot represent it ({@link #accepts} is false)
     */
    public WeightMatrix encode(QuantizedMatrix source) {
        return encoder.encode(source, Map.of());
    }

    /**
     * As {@link #encode(QuantizedMatrix)} with tuning parameters; settings for parameters this format
     * does not have are ignored, so one settings map can serve every format.
     */
    public WeightMatrix encode(QuantizedMatrix source, Map<String, Long> settings) {
        Map<String, Long> mine = new LinkedHashMap<>();
        settings.forEach((key, value) -> {
            if (parameters.containsKey(key)) {
                mine.put(key, value);
            }
        });
        return encoder.encode(source, mine);
    }

    /** Encodes a plain float matrix losslessly (values compared by their bits). */
    public WeightMatrix encode(DenseMatrixView source) {
        return denseEncoder.encode(source, Map.of());
    }

    /**
     * Encodes floats the way loading runs this format when it transcodes for speed: losslessly, with
     * the settings of this format's load target (q8 runs on int8 activations).
     */
    public WeightMatrix encodeToRun(DenseMatrixView source) {
        return denseEncoder.encode(source, loadTarget.settings());
    }

    /** {@link #encodeToRun(DenseMatrixView)} from a quantized matrix: what benchmarks time, a format as models run it. */
    public WeightMatrix encodeToRun(QuantizedMatrix source) {
        return encode(source, loadTarget.settings());
    }

    /**
     * A matrix over an untrusted layout, after checking every invariant the kernels rely on. Throws
     * {@link InvalidLayoutException} with a message naming the broken invariant.
     *
     * @param owner arena to close with the matrix, or {@code null} if the memory belongs to the caller
     */
    public WeightMatrix fromLayout(Layout layout, Arena owner) {
        return reader.fromLayout(layout, owner);
    }

    /**
     * {@link #fromLayout} for a table the graph only gathers rows from (an embedding table). A format
     * whose rows are checked as they are decoded may leave its deep checks to the first row decoded or
     * the first product (which then checks all of it before any kernel runs); by default the same
     * checks as {@code fromLayout}.
     */
    public WeightMatrix fromLayoutForGathering(Layout layout, Arena owner) {
        return gatherReader.fromLayout(layout, owner);
    }

    /** This format's rule-of-thumb cost of one product of a matrix with statistics {@code stats}. */
    public double ruleOfThumbCost(MatrixStatistics stats) {
        return cost.cost(stats);
    }

    /** How {@link EnergyEstimate} counts this format's operations. */
    public EnergyClass energy() {
        return energy;
    }

    /**
     * Whether loading may try to transcode {@code stored} into this format ({@link #transcodeToRun}
     * has the last word for a target that can only tell by encoding, as q8).
     */
    public boolean canRunFrom(WeightMatrix stored, MatrixStatistics stats) {
        return loadTarget.canHold(stored, stats);
    }

    /**
     * {@code stored} re-encoded losslessly in this format the way loading runs it (with the load
     * target's settings), or null if its values do not fit this format.
     */
    public WeightMatrix transcodeToRun(WeightMatrix stored) {
        return loadTarget.transcode(stored, denseEncoder);
    }

    /** The encoder's tuning parameters, name → what it sets (empty for most formats). */
    public Map<String, String> parameters() {
        return parameters;
    }

    @Override
    public String toString() {
        return name;
    }

    /** Collects a row's facts; {@link #build()} names any that is missing. */
    public static final class Builder {
        private final String name;
        private String description;
        private Predicate<QuantizedMatrix> accepts = source -> true;
        private String refusalHint = "";
        private Encoder encoder;
        private DenseEncoder denseEncoder;
        private Reader reader;
        private Reader gatherReader;
        private CostRule cost;
        private EnergyClass energy;
        private LoadTarget loadTarget;
        private final Map<String, String> parameters = new LinkedHashMap<>();

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder description(String text) {
            this.description = text;
            return this;
        }

        /** Restricts the matrices the format holds; {@code hint} tells a user what a refused matrix needs. */
        public Builder accepts(Predicate<QuantizedMatrix> test, String hint) {
            this.accepts = Objects.requireNonNull(test, "test");
            this.refusalHint = Objects.requireNonNull(hint, "hint");
            return this;
        }

        public Builder encoder(Function<QuantizedMatrix, ? extends WeightMatrix> encode) {
            Objects.requireNonNull(encode, "encode");
            this.encoder = (source, settings) -> encode.apply(source);
            return this;
        }

        /** An encoder with tuning parameters, each named with what it sets. */
        public Builder encoder(Encoder encode, Map<String, String> tuning) {
            this.encoder = Objects.requireNonNull(encode, "encode");
            this.parameters.putAll(tuning);
            return this;
        }

        /** A direct encoder of float matrices, for formats that need no codebook (otherwise the values are counted first). */
        public Builder denseEncoder(Function<DenseMatrixView, ? extends WeightMatrix> encode) {
            Objects.requireNonNull(encode, "encode");
            this.denseEncoder = (source, settings) -> encode.apply(source);
            return this;
        }

        /** A direct encoder of float matrices that takes the format's tuning settings. */
        public Builder denseEncoder(DenseEncoder encode) {
            this.denseEncoder = Objects.requireNonNull(encode, "encode");
            return this;
        }

        public Builder reader(Reader read) {
            this.reader = read;
            return this;
        }

        /** Optional: the reader of {@link #fromLayoutForGathering}; the {@link #reader} by default. */
        public Builder gatherReader(Reader read) {
            this.gatherReader = Objects.requireNonNull(read, "read");
            return this;
        }

        public Builder cost(CostRule rule) {
            this.cost = rule;
            return this;
        }

        public Builder energy(EnergyClass counting) {
            this.energy = counting;
            return this;
        }

        public Builder loadTarget(LoadTarget target) {
            this.loadTarget = target;
            return this;
        }

        public MatrixFormat build() {
            if (name.isBlank() || !name.equals(name.strip())) {
                throw new IllegalStateException("format name '" + name + "' is blank or padded");
            }
            require(description != null && !description.isBlank(), "a description");
            require(encoder != null, "an encoder");
            require(reader != null, "a layout reader");
            require(cost != null, "a cost rule");
            require(energy != null, "an energy class");
            require(loadTarget != null, "a load-target rule");
            return new MatrixFormat(this);
        }

        private void require(boolean present, String fact) {
            if (!present) {
                throw new IllegalStateException("format '" + name + "' lacks " + fact);
            }
        }
    }
}
