package dev.tersor.graph.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Assigns each activation buffer an offset in one arena so that buffers whose lifetimes overlap never
 * share bytes, and others reuse them: greedy by decreasing size, each at the lowest 64-byte-aligned
 * offset that clears every overlapping buffer already placed. Lifetimes are inclusive step ranges; a
 * step's inputs live through it, so no kernel ever writes over its own inputs.
 */
final class BufferPlanner {

    static final long ALIGNMENT = 64;

    /** One buffer to place: bytes and the steps from its definition to its last use. */
    record Request(long bytes, int first, int last) {
    }

    private BufferPlanner() {
    }

    /** Offsets for {@code requests}, in order; {@code total[0]} receives the arena size. */
    static long[] place(List<Request> requests, long[] total) {
        int n = requests.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.comparingLong((Integer i) -> -requests.get(i).bytes()).thenComparing(i -> i));
        long[] offsets = new long[n];
        List<Integer> placed = new ArrayList<>();
        long end = 0;
        for (int idx : order) {
            Request r = requests.get(idx);
            long size = align(r.bytes());
            List<long[]> busy = new ArrayList<>();
            for (int p : placed) {
                Request q = requests.get(p);
                if (q.first() <= r.last() && r.first() <= q.last()) {
                    busy.add(new long[]{offsets[p], offsets[p] + align(q.bytes())});
                }
            }
            busy.sort(Comparator.comparingLong(b -> b[0]));
            long offset = 0;
            for (long[] b : busy) {
                if (offset + size <= b[0]) {
                    break;
                }
                offset = Math.max(offset, b[1]);
            }
            offsets[idx] = offset;
            placed.add(idx);
            end = Math.max(end, offset + size);
        }
        total[0] = end;
        return offsets;
    }

    static long align(long bytes) {
        return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }
}
