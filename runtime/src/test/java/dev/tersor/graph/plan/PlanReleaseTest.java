package dev.tersor.graph.plan;

import dev.tersor.format.Execution;
import dev.tersor.graph.Tensor;
import dev.tersor.model.ImportOptions;
import dev.tersor.model.Model;
import dev.tersor.model.TestModels;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A model frees the buffers of the plans it evicts and, when closed, of all its plans, instead of
 * leaving them to the garbage collector: a service with a quiet heap grew by hundreds of MiB of such
 * buffers under 64 threads. An evicted plan still runs, allocating and freeing per call.
 */
class PlanReleaseTest {

    private static Map<String, Tensor> inputs(int tokens) {
        long[] ids = new long[tokens];
        long[] ones = new long[tokens];
        for (int i = 0; i < tokens; i++) {
            ids[i] = 1000 + 7 * i;
            ones[i] = 1;
        }
        return Map.of("input_ids", Tensor.ofLongs(ids, 1, tokens),
                "attention_mask", Tensor.ofLongs(ones, 1, tokens),
                "token_type_ids", Tensor.ofLongs(new long[tokens], 1, tokens));
    }

    private static Map<String, int[]> shapes(int tokens) {
        return Map.of("input_ids", new int[]{1, tokens}, "attention_mask", new int[]{1, tokens},
                "token_type_ids", new int[]{1, tokens});
    }

    @Test
    void evictedAndClosedPlansFreeTheirBuffers() throws Exception {
        Model model = Model.importOnnx(TestModels.miniLm(), ImportOptions.defaults(), Execution.defaults());
        Plan last;
        try (model) {
            Plan first = model.plan(shapes(3));
            float[] expected = model.run(inputs(3)).get("last_hidden_state").toFloatArray();
            assertThat(first.pooledContexts()).isEqualTo(1);
            for (int tokens = 4; tokens <= 3 + 64; tokens++) { // 64 more shapes evict the first plan
                model.run(inputs(tokens));
            }
            assertThat(first.pooledContexts()).isZero();
            // it still runs, and gives nothing back to its released pool
            assertThat(first.run(inputs(3)).get("last_hidden_state").toFloatArray()).isEqualTo(expected);
            assertThat(first.pooledContexts()).isZero();
            last = model.plan(shapes(3 + 64));
            assertThat(last.pooledContexts()).isEqualTo(1);
        }
        assertThat(last.pooledContexts()).isZero();
    }
}
