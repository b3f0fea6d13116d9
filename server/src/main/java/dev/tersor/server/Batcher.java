package dev.tersor.server;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Dynamic batching: worker threads feed the model, and the requests that arrive while they are busy
 * are run together in their next calls. A worker takes a window of up to {@code maxBatchRequests}
 * queued requests in arrival order; their sequences are sorted by length and cut into model calls of
 * at most {@code maxBatchTokens} padded tokens (texts × longest, since a call pads to its longest
 * text), a call also ending where padding would pass a fifth of its tokens, so that similar lengths
 * share a call. A request whose own sequences exceed the budget is split over several calls. Every
 * request gets back exactly its own vectors, in its own order. Nothing waits for a batch to fill: an
 * idle worker takes the first request at once.
 *
 * <p>The budget bounds each call, not the window: on a CPU a call is fastest per text at a few
 * hundred tokens (its activations stay in cache), while a larger window sorts more texts together.
 * Tersor runs one model call on one thread by default, so more than one worker is what puts a
 * second core to use.
 */
final class Batcher implements AutoCloseable {

    /** What runs the model: one vector per sequence, in order. */
    @FunctionalInterface
    interface Model {
        float[][] embed(List<long[]> sequences);
    }

    /** What a batcher reports of each model call. */
    @FunctionalInterface
    interface BatchListener {
        void batchRan(int sequences, long paddedTokens);
    }

    private final Model model;
    private final BatchListener listener;
    private final int maxBatchTokens;
    private final int maxBatchRequests;
    private final BlockingQueue<Job> queue;
    private final List<Thread> workers;
    private volatile boolean accepting = true;

    /**
     * @param workers  model calls run at once, each on its own thread
     * @param capacity most requests queued at once; one more is refused as overloaded
     */
    Batcher(Model model, BatchListener listener, int maxBatchTokens, int maxBatchRequests, int workers, int capacity) {
        this.model = model;
        this.listener = listener;
        this.maxBatchTokens = maxBatchTokens;
        this.maxBatchRequests = maxBatchRequests;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.workers = IntStream.range(0, workers)
                .mapToObj(i -> Thread.ofPlatform().name("tersor-batcher-" + i).daemon().start(this::work)).toList();
    }

    /**
     * Queues {@code sequences} (token ids of one request) for the model.
     *
     * @return the vectors, in the order of {@code sequences}, once computed; a failure of the model
     *         completes it with an {@link ApiException} of kind {@link ErrorKind#BACKEND}
     * @throws ApiException {@link ErrorKind#OVERLOADED} when the queue is full, {@link ErrorKind#UNHEALTHY} once closed
     */
    CompletableFuture<float[][]> submit(List<long[]> sequences) {
        if (!accepting) {
            throw new ApiException(ErrorKind.UNHEALTHY, null, "the server is shutting down");
        }
        Job job = new Job(List.copyOf(sequences));
        if (!queue.offer(job)) {
            throw new ApiException(ErrorKind.OVERLOADED, null, "the queue is full; try again later");
        }
        return job.result;
    }

    /** Requests waiting for the model. */
    int queued() {
        return queue.size();
    }

    /** Refuses new requests, finishes the queued ones, then stops the workers. */
    @Override
    public void close() {
        accepting = false;
        try {
            for (Thread worker : workers) {
                worker.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void work() {
        try {
            while (accepting || !queue.isEmpty()) {
                Job first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first != null) {
                    run(window(first));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // Anything left (only after an interrupt) is told so rather than left waiting.
            for (Job job; (job = queue.poll()) != null; ) {
                job.result.completeExceptionally(new ApiException(ErrorKind.UNHEALTHY, null, "the server is shutting down"));
            }
        }
    }

    /** {@code first} and the requests queued after it, {@code maxBatchRequests} in all at most. */
    private List<Job> window(Job first) {
        List<Job> window = new ArrayList<>();
        window.add(first);
        for (Job next; window.size() < maxBatchRequests && (next = queue.poll()) != null; ) {
            window.add(next);
        }
        return window;
    }

    private void run(List<Job> window) {
        List<Item> items = new ArrayList<>();
        for (Job job : window) {
            for (int i = 0; i < job.sequences.size(); i++) {
                items.add(new Item(job, i, job.sequences.get(i)));
            }
        }
        items.sort(Comparator.comparingInt(item -> item.ids.length));
        int start = 0;
        while (start < items.size()) {
            int end = start + 1;
            long real = items.get(start).ids.length;
            while (end < items.size()) {
                // Sorted ascending, so the item being added is the longest so far.
                int longest = items.get(end).ids.length;
                long padded = (long) (end + 1 - start) * longest;
                if (padded > maxBatchTokens || 4 * padded > 5 * (real + longest)) {
                    break;
                }
                real += longest;
                end++;
            }
            call(items.subList(start, end));
            start = end;
        }
        for (Job job : window) {
            job.result.complete(job.vectors);
        }
    }

    private void call(List<Item> batch) {
        List<long[]> sequences = batch.stream().map(Item::ids).toList();
        float[][] vectors;
        try {
            vectors = model.embed(sequences);
        } catch (RuntimeException | Error e) {
            // One failing call fails its requests, not the server: the next window runs as usual.
            for (Item item : batch) {
                item.job.result.completeExceptionally(new ApiException(ErrorKind.BACKEND, null,
                        "the model failed: " + e, e));
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Item item = batch.get(i);
            item.job.vectors[item.index] = vectors[i];
        }
        listener.batchRan(batch.size(), (long) batch.size() * batch.getLast().ids.length);
    }

    /** One request's sequences, the vectors found so far, and its caller's future. */
    private static final class Job {
        final List<long[]> sequences;
        final float[][] vectors;
        final CompletableFuture<float[][]> result = new CompletableFuture<>();

        Job(List<long[]> sequences) {
            this.sequences = sequences;
            this.vectors = new float[sequences.size()][];
        }
    }

    /** Sequence {@code index} of {@code job}. */
    private record Item(Job job, int index, long[] ids) {
    }
}
