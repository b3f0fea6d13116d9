package dev.tersor.kernels;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongUnaryOperator;

/**
 * Row-parallel execution on a fixed number of threads. One thread, the default, runs everything on
 * the caller with no hand-off, which is what latency-bound inference wants. With {@code n} threads the
 * caller runs the first range itself and {@code n − 1} pooled daemon threads run the rest; instances
 * are shared per thread count, so pools are created once.
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

    private static final Parallelism SINGLE = new Parallelism(1, null);
    private static final ConcurrentHashMap<Integer, Parallelism> SHARED = new ConcurrentHashMap<>();

    private final int threads;
    private final ExecutorService pool;

    private Parallelism(int threads, ExecutorService pool) {
        this.threads = threads;
        this.pool = pool;
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
        return SHARED.computeIfAbsent(threads, n -> new Parallelism(n, Executors.newFixedThreadPool(n - 1, daemons(n))));
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
        if (threads == 1 || rows < 2) {
            task.run(0, rows);
            return;
        }
        int[] bounds = balance(rows, threads, workBefore);
        int parts = bounds.length - 1;
        if (parts == 1) {
            task.run(0, rows);
            return;
        }
        CountDownLatch done = new CountDownLatch(parts - 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 1; i < parts; i++) {
            int start = bounds[i];
            int end = bounds[i + 1];
            pool.execute(() -> {
                try {
                    task.run(start, end);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            task.run(bounds[0], bounds[1]);
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
        awaitUninterruptibly(done);
        Throwable t = failure.get();
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

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemons(int n) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "tersor-rows-" + n + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public String toString() {
        return threads == 1 ? "1 thread" : threads + " threads";
    }
}
