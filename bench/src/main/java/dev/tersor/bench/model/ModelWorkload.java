package dev.tersor.bench.model;

import java.util.List;

/**
 * The inputs of a model trial: {@code batch} sequences of {@code tokens} token ids each, all
 * attended, one segment. Ids are fixed ({@code [CLS] w … w [SEP]} with ordinary word-piece ids that
 * differ per sequence; a one-token sequence is {@code [CLS]} alone), so every fork and both runtimes
 * see the same input.
 */
public record ModelWorkload(int batch, int tokens) {

    /** Batch 1, 11 tokens: the length of data.md's golden sentence. */
    public static final ModelWorkload SHORT = new ModelWorkload(1, 11);
    /** Batch 1, 128 tokens: a paragraph. */
    public static final ModelWorkload LONG = new ModelWorkload(1, 128);
    /** Batch 32 of short sequences: throughput. */
    public static final ModelWorkload BATCH = new ModelWorkload(32, 11);

    public static final List<ModelWorkload> ALL = List.of(SHORT, LONG, BATCH);

    /** The longest sequence a BERT-style model takes (its position table's length). */
    public static final int MAX_TOKENS = 512;

    /** The inputs a workload supplies, by the names BERT-style ONNX models give them. */
    public static final List<String> INPUT_NAMES = List.of("input_ids", "attention_mask", "token_type_ids");

    private static final long CLS = 101;
    private static final long SEP = 102;

    public ModelWorkload {
        if (batch < 1 || tokens < 1 || tokens > MAX_TOKENS) {
            throw new IllegalArgumentException("a workload needs batch ≥ 1 and 1 to " + MAX_TOKENS + " tokens, got "
                    + batch + "×" + tokens);
        }
    }

    /** {@code b1-t11}: the JMH parameter value. */
    public String id() {
        return "b" + batch + "-t" + tokens;
    }

    public static ModelWorkload parse(String id) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("b(\\d{1,4})-t(\\d{1,4})").matcher(id);
        if (!m.matches()) {
            throw new IllegalArgumentException("a workload is 'b<batch>-t<tokens>', got '" + id + "'");
        }
        return new ModelWorkload(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** {@code input_ids}, {@code [batch][tokens]} row-major. */
    public long[] inputIds() {
        long[] ids = new long[batch * tokens];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < tokens; t++) {
                ids[b * tokens + t] = 2000 + ((t + 1) * 7919L + b * 104729L) % 20000;
            }
            ids[b * tokens + tokens - 1] = SEP;
            ids[b * tokens] = CLS;
        }
        return ids;
    }

    /**
     * The input named {@code name} ({@link #INPUT_NAMES}), {@code [batch][tokens]} row-major.
     *
     * @throws IllegalArgumentException for any other name: a model that takes it is no token-id model
     */
    public long[] input(String name) {
        return switch (name) {
            case "input_ids" -> inputIds();
            case "attention_mask" -> attentionMask();
            case "token_type_ids" -> tokenTypes();
            default -> throw new IllegalArgumentException("the model takes an input '" + name
                    + "', which a token-id workload does not supply (it supplies " + String.join(", ", INPUT_NAMES) + ")");
        };
    }

    /** {@code attention_mask}: all ones. */
    public long[] attentionMask() {
        long[] mask = new long[batch * tokens];
        java.util.Arrays.fill(mask, 1);
        return mask;
    }

    /** {@code token_type_ids}: all zeros. */
    public long[] tokenTypes() {
        return new long[batch * tokens];
    }

    /** Sentences per call; a batch-32 time divided by it is the time per sentence. */
    public boolean isThroughput() {
        return batch > 1;
    }
}
