package dev.tersor.compress.pipeline;

import dev.tersor.format.Objective;

import java.util.ArrayList;
import java.util.List;

/**
 * Named plans, and the textual form of pins: {@code PATTERN=QUANT;PATTERN=QUANT;...}, where QUANT
 * is a {@link QuantSpec}, {@code float} for float32 values, and PATTERN {@code *} sets the default.
 */
public final class Presets {

    /**
     * The default preset for BERT-style sentence encoders (tuned on all-MiniLM-L6-v2): entropy-coded
     * uniform steps per row, step per layer role from measured sensitivity (data.md: value
     * projections most sensitive, then FFN, attention output; query and key robust; the word
     * embedding tolerates about 3 bits; layer 4 fragile), error compensation where calibration
     * statistics exist, and the smallest exact format. The word embedding's and the second FFN
     * matrices' steps were coarsened until the mean cosine on 1,200 sentences of the fortunes' and
     * package descriptions' calibration shares (text no evaluation uses) had spent most of the
     * headroom above 0.99: of the steps tried there, they cost the least fidelity per byte (3 KB per
     * 0.00001 of mean cosine, against 1.5 KB for the first FFN matrices and for queries and keys).
     * Measured on all-MiniLM-L6-v2 with 1,000 broad calibration sentences: 10.65 MB (tokenizer
     * included), mean cosine 0.9906 to 0.9923 on three broad held-out corpora
     * (docs/compression-frontier.md).
     */
    public static final String MINILM = String.join(";",
            "token_type_embeddings=float",
            "word_embeddings=uq@0.55",
            "position_embeddings=uq@0.2",
            "layer\\.4/attention/self/value=uq@0.12",
            "layer\\.4/=uq@0.2",
            "attention/self/value=uq@0.14",
            "attention/self/(query|key)=uq@0.35",
            "attention/output=uq@0.22",
            "intermediate/dense=uq@0.2",
            "output/dense=uq@0.25",
            "*=uq@0.15");

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
