package dev.tersor.graph.ops;

import dev.tersor.kernels.Parallelism;

/**
 * Element-wise work shared out over a pass's threads in spans of whole {@link #BLOCK}s. A block is a
 * multiple of every vector length and of the kernels' own chunks, so each element takes the same path
 * (vector lanes or scalar tail) however a call is split: the bits do not depend on the thread count.
 */
final class ElementSpans {

    /** Elements per block. */
    static final int BLOCK = 1024;
    /**
     * Fewest elements worth a thread of their own: below about 16 k, a span takes no longer than
     * waking a worker for it.
     */
    static final long MIN_SPAN = 1 << 14;

    /** Work on elements {@code [from, from + length)}. */
    @FunctionalInterface
    interface Span {
        void run(long from, int length);
    }

    private ElementSpans() {
    }

    /** Runs {@code span} over {@code [0, n)} in spans of whole blocks, on the caller alone when n is small. */
    static void run(Parallelism parallelism, int n, Span span) {
        if (n == 0) {
            return;
        }
        int blocks = Math.ceilDiv(n, BLOCK);
        parallelism.forEachRange(blocks, b -> b * BLOCK, MIN_SPAN, (start, end) -> {
            long from = (long) start * BLOCK;
            span.run(from, (int) (Math.min((long) end * BLOCK, n) - from));
        });
    }
}
