package dev.tersor.model;

import dev.tersor.embed.Tokenizer;
import dev.tersor.format.Execution;
import dev.tersor.graph.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One shared model, 8 threads × 200 calls over sentences of different lengths (so several plans and
 * their context pools are in use at once): every result is bit-identical to the single-threaded one.
 * Uses the fp32 MiniLM the build fetches.
 */
class ConcurrencyTest {

    @Test
    void eightThreadsGiveTheSingleThreadedResults() throws Exception {
        Tokenizer tokenizer = Tokenizer.load(TestModels.miniLmTokenizer());
        List<String> sentences = List.of("a", "short one", "a somewhat longer sentence than the others here",
                "the quick brown fox jumps over the lazy dog", "zebras", "Tersor runs compressed networks.");
        try (Model model = Model.importOnnx(TestModels.miniLm(), ImportOptions.defaults(), Execution.defaults())) {
            List<Map<String, Tensor>> inputs = new ArrayList<>();
            List<Tensor> expected = new ArrayList<>();
            for (String s : sentences) {
                Map<String, Tensor> in = Embeddings.inputs(tokenizer.encode(s));
                inputs.add(in);
                expected.add(model.run(in).get("last_hidden_state"));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        int mismatches = 0;
                        for (int call = 0; call < 200; call++) {
                            int k = (thread * 7 + call) % inputs.size();
                            Tensor out = model.run(inputs.get(k)).get("last_hidden_state");
                            if (!out.contentEquals(expected.get(k))) {
                                mismatches++;
                            }
                        }
                        return mismatches;
                    }));
                }
                for (Future<Integer> f : futures) {
                    assertThat(f.get(5, TimeUnit.MINUTES)).isZero();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
