package dev.tersor.kernels;

import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongUnaryOperator;

/**
 * Row-parallel execution on a fixed number of threads. One thread, the default, runs everything on
 * the caller with no hand-off, which is what latency-bound inference wants. With {@code n} threads the
 * caller and {@code n − 1} pooled daemon workers share the ranges of a call; instances are shared per
 * thread count, so workers are created once.
 *
 * <p>A forward pass makes dozens of products of a few to a few hundred microseconds each, so the
 * hand-off must cost far less than that: idle workers spin for {@link #SPIN_NANOS} before they park,
 * the caller claims ranges itself like any worker (a call never waits for a worker that has not
 * started), and it spins before it parks while the last ranges finish. Calls too small to pay for a
 * hand-off run on the caller alone ({@code minPartWork}).
 */
public final class Parallelism {

    /** Work on one contiguous range of rows. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /**
     * Most threads one product may use. Row ranges beyond a few per core only add hand-offs, and a
     * typo such as 10000 must not start ten thousand threads.
     */
    public static final int MAX_THREADS = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());

    /** How long an idle worker, or a caller waiting for its last ranges, spins before it parks. */
    static final long SPIN_NANOS = 50_000;

    private static final Parallelism SINGLE = new Parallelism(1);
    private static final ConcurrentHashMap<Integer, Parallelism> SHARED = new ConcurrentHashMap<>();

    private final int threads;
    private final Queue<Call> calls = new ConcurrentLinkedQueue<>();
    private final Worker[] workers;

    private Parallelism(int threads) {
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker();
            Thread thread = new Thread(workers[i], "tersor-rows-" + threads + "-" + (i + 1));
            thread.setDaemon(true);
            workers[i].thread = thread;
            thread.start();
        }
    }

    /** Runs everything on the calling thread. */
    public static Parallelism single() {
        return SINGLE;
    }

    /** Shared parallelism of {@code threads} threads, 1 to {@link #MAX_THREADS}. */
    public static Parallelism of(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be between 1 and " + MAX_THREADS
                    + " (4 per core of this machine, at least 16), got " + threads);
        }
        if (threads == 1) {
            return SINGLE;
        }
        return SHARED.computeIfAbsent(threads, Parallelism::new);
    }

    public int threads() {
        return threads;
    }

    /**
     * Splits {@code [0, rows)} into at most {@link #threads()} ranges of about equal work and runs
     * {@code task} on each, returning when all are done. {@code workBefore(r)} is the cumulative work
     * of rows {@code [0, r)}: non-decreasing, with {@code workBefore(0) == 0}.
     */
    public void forEachRange(int rows, LongUnaryOperator workBefore, RangeTask task) {
        forEachRange(rows, workBefore, 1, task);
    }

    /**
     * {@link #forEachRange(int, LongUnaryOperator, RangeTask)} with no range of less than about
     * {@code minPartWork} units of work: fewer ranges, down to one on the caller, when the whole call
     * is smaller than a hand-off is worth.
     */
    public void forEachRange(int rows, LongUnaryOperator workBefore, long minPartWork, RangeTask task) {
        if (minPartWork < 1) {
            throw new IllegalArgumentException("minPartWork must be positive, got " + minPartWork);
        }
        if (threads == 1 || rows < 2) {
            task.run(0, rows);
            return;
        }
        long total = workBefore.applyAsLong(rows) + rows;
        int parts = (int) Math.min(threads, Math.max(1, total / minPartWork));
        if (parts == 1) {
            task.run(0, rows);
            return;
        }
        int[] bounds = balance(rows, parts, workBefore);
        if (bounds.length == 2) {
            task.run(0, rows);
            return;
        }
        Call call = new Call(task, bounds, Thread.currentThread());
        for (int i = 1; i < bounds.length - 1; i++) {
            calls.offer(call);
        }
        wakeIdleWorkers(bounds.length - 2);
        while (call.runOne()) {
            // the caller takes ranges like any worker
        }
        call.awaitDone();
        Throwable t = call.failure.get();
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    private void wakeIdleWorkers(int wanted) {
        for (int i = 0; i < workers.length && wanted > 0; i++) {
            Worker worker = workers[i];
            if (worker.parked) {
                LockSupport.unpark(worker.thread);
                wanted--;
            }
        }
    }

    /** The ranges of one call, claimed one at a time by the caller and the workers. */
    private static final class Call {
        final RangeTask task;
        final int[] bounds;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger unfinished;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Call(RangeTask task, int[] bounds, Thread caller) {
            this.task = task;
            this.bounds = bounds;
            this.caller = caller;
            this.unfinished = new AtomicInteger(bounds.length - 1);
        }

        /** Runs the next unclaimed range; false once every range has been claimed. */
        boolean runOne() {
            int i = next.getAndIncrement();
            if (i >= bounds.length - 1) {
                return false;
            }
            try {
                task.run(bounds[i], bounds[i + 1]);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                if (unfinished.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
            return true;
        }

        /** Spins, then parks, until every range has finished; interrupts are kept for the caller. */
        void awaitDone() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (unfinished.get() > 0 && System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            }
            boolean interrupted = false;
            while (unfinished.get() > 0) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A pooled thread: runs queued calls' ranges, spins a while when there are none, then parks. */
    private final class Worker implements Runnable {
        Thread thread;
        volatile boolean parked;

        @Override
        public void run() {
            while (true) {
                Call call = calls.poll();
                if (call != null) {
                    while (call.runOne()) {
                        // ranges of this call until none is left
                    }
                    continue;
                }
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while (calls.isEmpty() && System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                }
                if (!calls.isEmpty()) {
                    continue;
                }
                // publish "parked" before the last look, so a caller that queues after it sees the flag
                parked = true;
                if (calls.isEmpty()) {
                    LockSupport.park(this);
                }
                parked = false;
                Thread.interrupted(); // a stray interrupt must not turn park into a busy loop
            }
        }
    }

    /**
     * Cuts {@code [0, rows)} into at most {@code parts} non-empty ranges with about equal work each,
     * plus one unit per row so that rows without work still count. Returns the boundaries, first 0 and
     * last {@code rows}.
     */
    public static int[] balance(int rows, int parts, LongUnaryOperator workBefore) {
        parts = Math.max(1, Math.min(parts, rows));
        long total = workBefore.applyAsLong(rows) + rows;
        int[] bounds = new int[parts + 1];
        int count = 1;
        for (int i = 1; i < parts; i++) {
            long target = total * i / parts;
            int lo = bounds[count - 1] + 1;
            int hi = rows - 1;
            // smallest r in [lo, hi] whose cumulative work reaches the target
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (workBefore.applyAsLong(mid) + mid >= target) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            if (lo < rows && lo > bounds[count - 1]) {
                bounds[count++] = lo;
            }
        }
        bounds[count++] = rows;
        return count == bounds.length ? bounds : java.util.Arrays.copyOf(bounds, count);
    }

    @Override
    public String toString() {
        return threads == 1 ? "1 thread" : threads + " threads";
    }
}
