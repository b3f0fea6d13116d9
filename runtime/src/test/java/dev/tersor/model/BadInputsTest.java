package dev.tersor.model;

import dev.tersor.format.Execution;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Inputs an embedding model cannot take: typed errors that say what is wrong in the user's terms. */
class BadInputsTest {

    static Model miniLm;

    @BeforeAll
    static void load() throws Exception {
        miniLm = Model.importOnnx(TestModels.miniLm(), ImportOptions.defaults(), Execution.defaults());
    }

    @AfterAll
    static void close() {
        miniLm.close();
    }

    private static Map<String, Tensor> inputs(long[] ids) {
        long[] ones = new long[ids.length];
        Arrays.fill(ones, 1);
        return Map.of("input_ids", Tensor.ofLongs(ids, 1, ids.length),
                "attention_mask", Tensor.ofLongs(ones, 1, ids.length),
                "token_type_ids", Tensor.ofLongs(new long[ids.length], 1, ids.length));
    }

    @Test
    void tokenIdsOutsideTheEmbeddingTableNameTheTable() {
        assertThatThrownBy(() -> miniLm.run(inputs(new long[]{101, 30522, 102})))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageStartingWith("id 30522 is out of range [-30522, 30522) of embedding table 'embeddings.word_embeddings.weight'");
    }

    @Test
    void inputsThatDoNotFitSayWhatWasGivenFirst() {
        Map<String, Tensor> mismatched = Map.of("input_ids", Tensor.ofLongs(new long[]{101, 7592, 102}, 1, 3),
                "attention_mask", Tensor.ofLongs(new long[]{1, 1}, 1, 2),
                "token_type_ids", Tensor.ofLongs(new long[3], 1, 3));
        assertThatThrownBy(() -> miniLm.run(mismatched))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageStartingWith("inputs input_ids [1, 3], attention_mask [1, 2], token_type_ids [1, 3] do not fit this model: ");
        long[] ids = new long[600];
        Arrays.fill(ids, 1996);
        assertThatThrownBy(() -> miniLm.run(inputs(ids)))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageStartingWith("inputs input_ids [1, 600], attention_mask [1, 600], token_type_ids [1, 600] do not fit this model: ");
    }
}
