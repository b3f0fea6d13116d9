package dev.tersor.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.IntStream;

/**
 * Dynamic batching: worker threads feed the model, and the requests that arrive while they are busy
 * are run together in their next calls. An idle worker takes a window of up to {@code maxBatchRequests}
 * waiting requests in arrival order; their sequences are sorted by length and cut into model calls of
 * at most {@code maxBatchTokens} padded tokens (texts × longest, since a call pads to its longest
 * text), a call also ending where padding would pass a fifth of its tokens, so that similar lengths
 * share a call. A request whose own sequences exceed the budget is split over several calls. The
 * calls of a window go to whichever worker is idle, in order, and a new window is only taken once they
 * have all started. Every request gets back exactly its own vectors, in its own order, as soon as its
 * own calls have finished. Nothing waits for a batch to fill: an idle worker takes the first request
 * at once.
 *
 * <p>Why calls, not windows, are shared out: with a window per worker, a worker that took the whole
 * queue held every client until its last call had run, while the other worker had nothing to do; and
 * when the answers came back together, the two workers split the next arrivals between them. Measured
 * with 32 clients on two cores (fp32 MiniLM), that kept calls at about 4 sentences and one core often
 * idle.
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
        void batchRan(int sequences, long paddedTokens, double seconds);
    }

    private final Model model;
    private final BatchListener listener;
    private final int maxBatchTokens;
    private final int maxBatchRequests;
    private final int capacity;
    private final List<Thread> workers;
    /** Guards everything below; {@link #work} is signalled when a request or a call waits, or on close. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    /** Requests not yet in a window, in arrival order. */
    private final ArrayDeque<Job> arrivals = new ArrayDeque<>();
    /** The calls of the current window that no worker has started, in order. */
    private final ArrayDeque<List<Item>> calls = new ArrayDeque<>();
    /** Requests none of whose sequences has reached the model. */
    private int waiting;
    private boolean accepting = true;

    /**
     * @param workers  model calls run at once, each on its own thread
     * @param capacity most requests waiting outside a window at once; one more is refused as overloaded
     */
    Batcher(Model model, BatchListener listener, int maxBatchTokens, int maxBatchRequests, int workers, int capacity) {
        this.model = model;
        this.listener = listener;
        this.maxBatchTokens = maxBatchTokens;
        this.maxBatchRequests = maxBatchRequests;
        this.capacity = capacity;
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
        Job job = new Job(List.copyOf(sequences));
        lock.lock();
        try {
            if (!accepting) {
                throw new ApiException(ErrorKind.UNHEALTHY, null, "the server is shutting down");
            }
            if (arrivals.size() >= capacity) {
                throw new ApiException(ErrorKind.OVERLOADED, null, "the queue is full; try again later");
            }
            if (job.sequences.isEmpty()) {
                job.result.complete(job.vectors);
                return job.result;
            }
            arrivals.add(job);
            waiting++;
            work.signal();
        } finally {
            lock.unlock();
        }
        return job.result;
    }

    /** Requests waiting for the model: none of their sequences has reached it yet. */
    int queued() {
        lock.lock();
        try {
            return waiting;
        } finally {
            lock.unlock();
        }
    }

    /** Refuses new requests, finishes the queued ones, then stops the workers. */
    @Override
    public void close() {
        lock.lock();
        try {
            accepting = false;
            work.signalAll();
        } finally {
            lock.unlock();
        }
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
            for (List<Item> call; (call = nextCall()) != null; ) {
                call(call);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // Anything left (only after an interrupt) is told so rather than left waiting.
            lock.lock();
            try {
                ApiException closing = new ApiException(ErrorKind.UNHEALTHY, null, "the server is shutting down");
                calls.forEach(call -> call.forEach(item -> item.job.result.completeExceptionally(closing)));
                arrivals.forEach(job -> job.result.completeExceptionally(closing));
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * The next call of the current window, or the first of a new window of the waiting requests;
     * {@code null} once closed with nothing left.
     */
    private List<Item> nextCall() throws InterruptedException {
        lock.lock();
        try {
            while (calls.isEmpty() && arrivals.isEmpty()) {
                if (!accepting) {
                    return null;
                }
                work.await();
            }
            if (calls.isEmpty()) {
                cutWindow();
            }
            List<Item> call = calls.poll();
            for (Item item : call) {
                if (!item.job.started) {
                    item.job.started = true;
                    waiting--;
                }
            }
            if (!calls.isEmpty()) {
                work.signal();
            }
            return call;
        } finally {
            lock.unlock();
        }
    }

    /** Takes a window of waiting requests and cuts it into {@link #calls}. */
    private void cutWindow() {
        List<Item> items = new ArrayList<>();
        for (int taken = 0; taken < maxBatchRequests && !arrivals.isEmpty(); taken++) {
            Job job = arrivals.poll();
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
            calls.add(List.copyOf(items.subList(start, end)));
            start = end;
        }
    }

    private void call(List<Item> batch) {
        List<long[]> sequences = batch.stream().map(Item::ids).toList();
        float[][] vectors;
        long start = System.nanoTime();
        try {
            vectors = model.embed(sequences);
        } catch (RuntimeException | Error e) {
            // One failing call fails its requests, not the server: the next call runs as usual.
            for (Item item : batch) {
                item.job.result.completeExceptionally(new ApiException(ErrorKind.BACKEND, null,
                        "the model failed: " + e, e));
            }
            return;
        }
        listener.batchRan(batch.size(), (long) batch.size() * batch.getLast().ids.length, (System.nanoTime() - start) / 1e9);
        for (int i = 0; i < batch.size(); i++) {
            Item item = batch.get(i);
            item.job.vectors[item.index] = vectors[i];
            // The decrement that reaches zero sees every other worker's writes to this job's vectors.
            if (item.job.unfinished.decrementAndGet() == 0) {
                item.job.result.complete(item.job.vectors);
            }
        }
    }

    /** One request's sequences, the vectors found so far, and its caller's future. */
    private static final class Job {
        final List<long[]> sequences;
        final float[][] vectors;
        final AtomicInteger unfinished;
        final CompletableFuture<float[][]> result = new CompletableFuture<>();
        /** Whether one of its calls has started; guarded by the batcher's lock. */
        boolean started;

        Job(List<long[]> sequences) {
            this.sequences = sequences;
            this.vectors = new float[sequences.size()][];
            this.unfinished = new AtomicInteger(sequences.size());
        }
    }

    /** Sequence {@code index} of {@code job}. */
    private record Item(Job job, int index, long[] ids) {
    }
}
