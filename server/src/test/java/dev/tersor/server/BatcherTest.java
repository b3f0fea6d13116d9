package dev.tersor.server;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The batcher over a stand-in model whose first call waits for the test to let it go, so that the
 * requests submitted meanwhile are queued for the next window. The stand-in's vector of a sequence is
 * {@code {first id, length}}, so every answer shows whose sequence it came from.
 */
class BatcherTest {

    /** Records each call's sequence lengths; its first call waits until {@link #release()}. */
    static final class StandIn implements Batcher.Model {
        final List<List<Integer>> calls = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch released = new CountDownLatch(1);

        @Override
        public float[][] embed(List<long[]> sequences) {
            calls.add(sequences.stream().map(s -> s.length).toList());
            entered.countDown();
            try {
                if (!released.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            float[][] vectors = new float[sequences.size()][];
            for (int i = 0; i < vectors.length; i++) {
                long[] s = sequences.get(i);
                if (s[0] < 0) {
                    throw new IllegalArgumentException("a sequence the stand-in refuses");
                }
                vectors[i] = new float[]{s[0], s.length};
            }
            return vectors;
        }

        void release() {
            released.countDown();
        }
    }

    static final class Batches implements Batcher.BatchListener {
        final List<long[]> calls = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void batchRan(int sequences, long paddedTokens, double seconds) {
            calls.add(new long[]{sequences, paddedTokens});
        }
    }

    static long[] sequence(long id, int length) {
        long[] s = new long[length];
        java.util.Arrays.fill(s, id);
        return s;
    }

    static void assertOwn(CompletableFuture<float[][]> result, long[]... sequences) throws Exception {
        float[][] vectors = result.get(10, TimeUnit.SECONDS);
        assertThat(vectors).hasNumberOfRows(sequences.length);
        for (int i = 0; i < sequences.length; i++) {
            assertThat(vectors[i]).containsExactly(sequences[i][0], sequences[i].length);
        }
    }

    @Test
    void requestsQueuedWhileTheModelIsBusyShareOneCallSortedByLength() throws Exception {
        StandIn model = new StandIn();
        Batches batches = new Batches();
        try (Batcher batcher = new Batcher(model, batches, 1000, 100, 1, 10)) {
            CompletableFuture<float[][]> first = batcher.submit(List.of(sequence(1, 3)));
            assertThat(model.entered.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<float[][]> a = batcher.submit(List.of(sequence(2, 10), sequence(3, 8)));
            CompletableFuture<float[][]> b = batcher.submit(List.of(sequence(4, 9)));
            CompletableFuture<float[][]> c = batcher.submit(List.of(sequence(5, 8), sequence(6, 10), sequence(7, 9)));
            assertThat(batcher.queued()).isEqualTo(3);
            model.release();
            assertOwn(first, sequence(1, 3));
            assertOwn(a, sequence(2, 10), sequence(3, 8));
            assertOwn(b, sequence(4, 9));
            assertOwn(c, sequence(5, 8), sequence(6, 10), sequence(7, 9));
        }
        assertThat(model.calls).containsExactly(List.of(3), List.of(8, 8, 9, 9, 10, 10));
        assertThat(batches.calls.get(1)).containsExactly(6, 6 * 10);
    }

    @Test
    void aWindowIsCutIntoCallsWithinTheTokenBudget() throws Exception {
        StandIn model = new StandIn();
        Batches batches = new Batches();
        int budget = 20;
        try (Batcher batcher = new Batcher(model, batches, budget, 100, 1, 10)) {
            CompletableFuture<float[][]> first = batcher.submit(List.of(sequence(1, 2)));
            assertThat(model.entered.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<float[][]> a = batcher.submit(List.of(sequence(2, 8), sequence(3, 2)));
            CompletableFuture<float[][]> b = batcher.submit(List.of(sequence(4, 2), sequence(5, 3), sequence(6, 2)));
            CompletableFuture<float[][]> c = batcher.submit(List.of(sequence(7, 6)));
            // Longer than the budget by itself: split over calls.
            CompletableFuture<float[][]> d = batcher.submit(List.of(sequence(8, 12), sequence(9, 12)));
            model.release();
            assertOwn(first, sequence(1, 2));
            assertOwn(a, sequence(2, 8), sequence(3, 2));
            assertOwn(b, sequence(4, 2), sequence(5, 3), sequence(6, 2));
            assertOwn(c, sequence(7, 6));
            assertOwn(d, sequence(8, 12), sequence(9, 12));
        }
        // One window, sorted: 2 2 2 | 3 | 6 8 | 12 | 12: each call at most 20 padded tokens, and padding at most
        // a fifth of them (2 2 2 3 would pad 3 of 12, 3 6 pads 3 of 12).
        assertThat(model.calls).containsExactly(List.of(2), List.of(2, 2, 2), List.of(3), List.of(6, 8), List.of(12), List.of(12));
        for (long[] call : batches.calls) {
            assertThat(call[1]).isLessThanOrEqualTo(budget);
        }
    }

    @Test
    void oneRequestPerWindowWhenMergingIsOff() throws Exception {
        StandIn model = new StandIn();
        try (Batcher batcher = new Batcher(model, new Batches(), 1000, 1, 1, 10)) {
            CompletableFuture<float[][]> first = batcher.submit(List.of(sequence(1, 3)));
            assertThat(model.entered.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<float[][]> a = batcher.submit(List.of(sequence(2, 4)));
            CompletableFuture<float[][]> b = batcher.submit(List.of(sequence(3, 5), sequence(4, 1)));
            model.release();
            assertOwn(first, sequence(1, 3));
            assertOwn(a, sequence(2, 4));
            assertOwn(b, sequence(3, 5), sequence(4, 1));
        }
        // 1 and 5 would pad 4 of 10 tokens: two calls.
        assertThat(model.calls).containsExactly(List.of(3), List.of(4), List.of(1), List.of(5));
    }

    @Test
    void twoWorkersRunTwoCallsAtOnce() throws Exception {
        StandIn model = new StandIn();
        try (Batcher batcher = new Batcher(model, new Batches(), 1000, 100, 2, 10)) {
            CompletableFuture<float[][]> first = batcher.submit(List.of(sequence(1, 3)));
            assertThat(model.entered.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<float[][]> second = batcher.submit(List.of(sequence(2, 4)));
            // The second worker takes it while the first is still held in the model.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (model.calls.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(model.calls).containsExactlyInAnyOrder(List.of(3), List.of(4));
            model.release();
            assertOwn(first, sequence(1, 3));
            assertOwn(second, sequence(2, 4));
        }
    }

    /** A stand-in whose calls holding a sequence with a held first id wait until that id is let go. */
    static final class Holding implements Batcher.Model {
        final Map<Long, CountDownLatch> held = new ConcurrentHashMap<>();
        final Map<Long, CountDownLatch> entered = new ConcurrentHashMap<>();

        Holding(long... ids) {
            for (long id : ids) {
                held.put(id, new CountDownLatch(1));
                entered.put(id, new CountDownLatch(1));
            }
        }

        @Override
        public float[][] embed(List<long[]> sequences) {
            float[][] vectors = new float[sequences.size()][];
            for (int i = 0; i < vectors.length; i++) {
                long[] s = sequences.get(i);
                vectors[i] = new float[]{s[0], s.length};
                if (held.containsKey(s[0])) {
                    entered.get(s[0]).countDown();
                    try {
                        if (!held.get(s[0]).await(10, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("never let go");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            return vectors;
        }

        void awaitEntered(long id) throws InterruptedException {
            assertThat(entered.get(id).await(10, TimeUnit.SECONDS)).as("call of %d started", id).isTrue();
        }

        void letGo(long id) {
            held.get(id).countDown();
        }
    }

    @Test
    void theCallsOfOneWindowGoToIdleWorkersAndEachRequestIsAnsweredWhenItsOwnCallsFinish() throws Exception {
        Holding model = new Holding(1, 2, 3);
        try (Batcher batcher = new Batcher(model, new Batches(), 1000, 100, 2, 10)) {
            CompletableFuture<float[][]> first = batcher.submit(List.of(sequence(1, 2)));
            model.awaitEntered(1);
            CompletableFuture<float[][]> second = batcher.submit(List.of(sequence(2, 2)));
            model.awaitEntered(2);
            // Both workers busy: these two wait, and form one window of two calls (4 and 40 tokens pad too much).
            CompletableFuture<float[][]> shortOne = batcher.submit(List.of(sequence(3, 4)));
            CompletableFuture<float[][]> longOne = batcher.submit(List.of(sequence(4, 40)));
            model.letGo(1);
            // The freed worker takes the window and runs its first call, which is held...
            model.awaitEntered(3);
            model.letGo(2);
            // ...so the window's second call goes to the other worker, and its request is answered meanwhile.
            assertOwn(longOne, sequence(4, 40));
            assertThat(shortOne).isNotDone();
            model.letGo(3);
            assertOwn(shortOne, sequence(3, 4));
            assertOwn(first, sequence(1, 2));
            assertOwn(second, sequence(2, 2));
        }
    }

    @Test
    void aFailingCallFailsItsRequestsAndTheNextWindowRuns() throws Exception {
        StandIn model = new StandIn();
        model.release();
        try (Batcher batcher = new Batcher(model, new Batches(), 1000, 100, 1, 10)) {
            CompletableFuture<float[][]> bad = batcher.submit(List.of(sequence(-1, 3)));
            assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(((ApiException) e).kind()).isEqualTo(ErrorKind.BACKEND));
            assertOwn(batcher.submit(List.of(sequence(5, 2))), sequence(5, 2));
        }
    }

    @Test
    void aFullQueueIsOverloadedAndClosingFinishesTheQueuedRequests() throws Exception {
        StandIn model = new StandIn();
        Batcher batcher = new Batcher(model, new Batches(), 1000, 100, 1, 2);
        CompletableFuture<float[][]> first = batcher.submit(List.of(sequence(1, 1)));
        assertThat(model.entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<float[][]> a = batcher.submit(List.of(sequence(2, 1)));
        CompletableFuture<float[][]> b = batcher.submit(List.of(sequence(3, 1)));
        assertThatThrownBy(() -> batcher.submit(List.of(sequence(4, 1))))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.OVERLOADED));
        CompletableFuture<Void> closing = CompletableFuture.runAsync(batcher::close);
        model.release();
        closing.get(10, TimeUnit.SECONDS);
        assertOwn(first, sequence(1, 1));
        assertOwn(a, sequence(2, 1));
        assertOwn(b, sequence(3, 1));
        assertThatThrownBy(() -> batcher.submit(List.of(sequence(5, 1))))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNHEALTHY));
    }
}
