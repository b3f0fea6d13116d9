package dev.tersor.graph.plan;

import dev.tersor.format.Execution;
import dev.tersor.graph.Tensor;
import dev.tersor.model.ImportOptions;
import dev.tersor.model.Model;
import dev.tersor.model.TestModels;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The plans of one model (one per input shape) share its working memory: many threads over many
 * shapes keep no more blocks than passes may run at once, allocate nothing once the largest shape has
 * run, and still give the bits of one thread. Closing frees the blocks after in-flight and waiting
 * passes. Uses the fp32 MiniLM the build fetches.
 */
class SharedWorkingMemoryTest {

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

    private static Model miniLm(int concurrentPasses) throws Exception {
        return Model.importOnnx(TestModels.miniLm(), ImportOptions.defaults(),
                Execution.defaults().withConcurrentPasses(concurrentPasses));
    }

    private static Tensor hidden(Model model, int tokens) {
        return model.run(inputs(tokens)).get("last_hidden_state");
    }

    @Test
    void manyThreadsOverManyShapesShareABoundedSetOfBlocks() throws Exception {
        int shapes = 12;
        try (Model model = miniLm(3)) {
            List<Tensor> expected = new ArrayList<>();
            for (int s = 0; s < shapes; s++) {
                expected.add(hidden(model, 2 + 3 * s));
            }
            WorkingMemory memory = model.plan(shapes(2)).workingMemory();
            long afterOneThread = memory.allocations();
            ExecutorService threads = Executors.newFixedThreadPool(12);
            try {
                List<Future<Integer>> mismatches = new ArrayList<>();
                for (int t = 0; t < 12; t++) {
                    long seed = t;
                    mismatches.add(threads.submit(() -> {
                        SplittableRandom random = new SplittableRandom(seed);
                        int wrong = 0;
                        for (int call = 0; call < 25; call++) {
                            int s = random.nextInt(shapes);
                            wrong += hidden(model, 2 + 3 * s).contentEquals(expected.get(s)) ? 0 : 1;
                        }
                        return wrong;
                    }));
                }
                for (Future<Integer> f : mismatches) {
                    assertThat(f.get(5, TimeUnit.MINUTES)).isZero();
                }
            } finally {
                threads.shutdownNow();
            }
            assertThat(memory.mostPassesInside()).isBetween(1, 3);
            assertThat(memory.liveBlocks()).isBetween(1, 3);
            // every shape ran on one thread first, the largest last: a later block is allocated once, at that size
            assertThat(memory.allocations() - afterOneThread).isBetween(0L, 2L);
        }
    }

    @Test
    void evictedPlansStillRunAndClosingFreesTheBlocks() throws Exception {
        Model model = miniLm(2);
        Plan first;
        try (model) {
            first = model.plan(shapes(3));
            float[] expected = hidden(model, 3).toFloatArray();
            for (int tokens = 4; tokens <= 3 + 64; tokens++) { // 64 more shapes evict the first plan
                hidden(model, tokens);
            }
            assertThat(model.plan(shapes(3))).isNotSameAs(first);
            assertThat(first.run(inputs(3)).get("last_hidden_state").toFloatArray()).isEqualTo(expected);
            assertThat(first.workingMemory().liveBlocks()).isEqualTo(1);
        }
        assertThat(first.workingMemory().liveBlocks()).isZero();
        assertThatThrownBy(() -> first.run(inputs(3))).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void closeWaitsForPassesWaitingForATurn() throws Exception {
        Model model = miniLm(1);
        Tensor expected = hidden(model, 5);
        WorkingMemory memory = model.plan(shapes(5)).workingMemory();
        WorkingMemory.Block turn = memory.borrow(1); // the only turn: the passes below must wait
        List<Tensor> results = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> passes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Thread pass = new Thread(() -> results.add(hidden(model, 5)));
            pass.start();
            passes.add(pass);
        }
        for (Thread pass : passes) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (pass.getState() != Thread.State.WAITING) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.onSpinWait();
            }
        }
        Thread closer = new Thread(model::close);
        closer.start();
        closer.join(200);
        assertThat(closer.isAlive()).as("close waits for the waiting passes").isTrue();
        assertThat(model.isClosed()).isFalse();
        memory.giveBack(turn);
        closer.join(TimeUnit.MINUTES.toMillis(2));
        for (Thread pass : passes) {
            pass.join(TimeUnit.MINUTES.toMillis(2));
        }
        assertThat(model.isClosed()).isTrue();
        assertThat(results).hasSize(3).allSatisfy(result -> assertThat(result.contentEquals(expected)).isTrue());
        assertThat(memory.liveBlocks()).isZero();
        assertThatThrownBy(() -> hidden(model, 5)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
