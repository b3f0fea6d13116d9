package dev.tersor.compress.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * Named plans, and the textual form of pins: {@code PATTERN=QUANT;PATTERN=QUANT;...}, where QUANT
 * is a {@link QuantSpec}, {@code float} for float32 values, and PATTERN {@code *} sets the default.
 */
public final class Presets {

    /**
     * The default preset for BERT-style sentence encoders: entropy-coded uniform steps per row
     * (α × the row's RMS), error-compensated where calibration statistics exist, each layer in the
     * format with the fewest bytes. The steps are what {@link BudgetSearch} chose for
     * all-MiniLM-L6-v2 at a mean cosine of 0.99 (+0.001 margin) on 64 calibration sentences from the
     * second half of raw_sentences.txt (docs/compression-frontier.md), written per layer role: the
     * second FFN matrix and the query projections are the most robust, the value projections of the
     * later layers the most sensitive, and the word embedding takes about 3 bits.
     */
    public static final String MINILM = String.join(";",
            "token_type_embeddings=float",
            "word_embeddings=uq@0.5",
            "position_embeddings=uq@0.25",
            "attention/self/query=uq@0.7",
            "layer\\.[013]/attention/self/key=uq@0.7",
            "attention/self/key=uq@0.5",
            "layer\\.0/attention/self/value=uq@0.7",
            "layer\\.1/attention/self/value=uq@0.5",
            "layer\\.[23]/attention/self/value=uq@0.35",
            "attention/self/value=uq@0.25",
            "layer\\.0/attention/output=uq@0.7",
            "layer\\.1/attention/output=uq@0.35",
            "attention/output=uq@0.5",
            "layer\\.[05]/intermediate=uq@0.5",
            "intermediate=uq@0.35",
            "output/dense=uq@0.7",
            "*=uq@0.35");

    private Presets() {
    }

    /** The default plan: {@link #MINILM} with compensation on, formats chosen by exact bytes. */
    public static CompressionPlan defaults() {
        return parse(MINILM, new LayerSettings(0, QuantSpec.uniform(QuantSpec.DEFAULT_UQ_STEP), LayerSettings.AUTO, true));
    }

    /**
     * Parses pins over {@code base} (whose sparsity, format and compensation every pin keeps).
     *
     * @throws IllegalArgumentException naming the broken entry
     */
    public static CompressionPlan parse(String text, LayerSettings base) {
        LayerSettings defaults = base;
        List<CompressionPlan.Pin> pins = new ArrayList<>();
        for (String entry : text.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("pin '" + entry + "' is not PATTERN=QUANT");
            }
            String pattern = entry.substring(0, eq).trim();
            String q = entry.substring(eq + 1).trim();
            LayerSettings s = base.withQuant(q.equals("float") ? null : QuantSpec.parse(q));
            if (pattern.equals("*")) {
                defaults = s;
            } else {
                pins.add(CompressionPlan.Pin.of(pattern, s));
            }
        }
        return new CompressionPlan(defaults, pins, Objective.SIZE, 0);
    }
}
