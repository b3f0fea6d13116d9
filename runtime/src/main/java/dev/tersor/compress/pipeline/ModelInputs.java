package dev.tersor.compress.pipeline;

import dev.tersor.graph.Tensor;
import dev.tersor.graph.ValueInfo;
import dev.tersor.model.Model;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** Inputs of a BERT-style encoder for one tokenized sentence, batch 1. */
public final class ModelInputs {

    private ModelInputs() {
    }

    /**
     * {@code input_ids}, an all-ones {@code attention_mask} and zero {@code token_type_ids}, each
     * {@code [1, n]} int64, for the ones among them that {@code model} takes.
     */
    public static Map<String, Tensor> of(Model model, long[] ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("a sentence needs at least one token");
        }
        long[] ones = new long[ids.length];
        Arrays.fill(ones, 1);
        Map<String, Tensor> inputs = new HashMap<>();
        for (ValueInfo input : model.inputs()) {
            switch (input.name()) {
                case "input_ids" -> inputs.put("input_ids", Tensor.ofLongs(ids, 1, ids.length));
                case "attention_mask" -> inputs.put("attention_mask", Tensor.ofLongs(ones, 1, ids.length));
                case "token_type_ids" -> inputs.put("token_type_ids", Tensor.ofLongs(new long[ids.length], 1, ids.length));
                default -> throw new IllegalArgumentException("model input '" + input.name()
                        + "' is not one of input_ids, attention_mask, token_type_ids");
            }
        }
        return inputs;
    }
}
