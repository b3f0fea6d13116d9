package dev.tersor.format.huffman;

import java.util.Arrays;

/**
 * Code lengths of an optimal prefix code for given symbol frequencies, optionally limited in
 * length. Without a binding limit these are Huffman's lengths (two-queue construction over the
 * sorted frequencies), so the average length satisfies {@code H ≤ L̄ < H + 1}. When Huffman's
 * longest code would exceed the limit, the package-merge algorithm (Larmore and Hirschberg) gives
 * the optimal lengths among those within the limit.
 *
 * <p>Ties between equal frequencies are broken by the caller's order, so the result is
 * deterministic. A single symbol gets length 0: it needs no bits at all.
 */
public final class CodeLengths {

    private CodeLengths() {
    }

    /**
     * Lengths for {@code frequencies} (all positive), each at most {@code limit}.
     *
     * @throws IllegalArgumentException if {@code 2^limit} codewords cannot hold the alphabet
     */
    public static int[] of(long[] frequencies, int limit) {
        int n = frequencies.length;
        for (long f : frequencies) {
            if (f <= 0) {
                throw new IllegalArgumentException("frequencies must be positive, got " + f);
            }
        }
        if (n <= 1) {
            return new int[n];
        }
        if (limit < 1 || limit < 64 - Long.numberOfLeadingZeros(n - 1)) {
            throw new IllegalArgumentException(n + " symbols do not fit codes of at most " + limit + " bits");
        }
        // Ascending frequency; on ties the symbol listed later comes first (it is the lighter one).
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> {
            int c = Long.compare(frequencies[a], frequencies[b]);
            return c != 0 ? c : Integer.compare(b, a);
        });
        int[] order = new int[n];
        long[] sorted = new long[n];
        for (int i = 0; i < n; i++) {
            order[i] = boxed[i];
            sorted[i] = frequencies[order[i]];
        }
        int[] sortedLengths = huffman(sorted);
        int longest = 0;
        for (int length : sortedLengths) {
            longest = Math.max(longest, length);
        }
        if (longest > limit) {
            sortedLengths = packageMerge(sorted, limit);
        }
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            lengths[order[i]] = sortedLengths[i];
        }
        return lengths;
    }

    /** Huffman depths of ascending weights: two queues, leaves and internal nodes, both ascending. */
    private static int[] huffman(long[] w) {
        int n = w.length;
        long[] internal = new long[n - 1];
        int[] leafParent = new int[n];
        int[] internalParent = new int[n - 1];
        int leaf = 0;
        int head = 0;
        for (int node = 0; node < n - 1; node++) {
            long sum = 0;
            for (int pick = 0; pick < 2; pick++) {
                if (leaf < n && (head >= node || w[leaf] <= internal[head])) {
                    sum += w[leaf];
                    leafParent[leaf++] = node;
                } else {
                    sum += internal[head];
                    internalParent[head++] = node;
                }
            }
            internal[node] = sum;
        }
        int[] depth = new int[n - 1];
        depth[n - 2] = 0;
        for (int node = n - 3; node >= 0; node--) {
            depth[node] = depth[internalParent[node]] + 1;
        }
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = depth[leafParent[i]] + 1;
        }
        return lengths;
    }

    /**
     * Package-merge for ascending weights and a length limit: the first {@code 2n − 2} items of the
     * top list, traced back through the packages, give every leaf its length.
     */
    private static int[] packageMerge(long[] w, int limit) {
        int n = w.length;
        // lists[d] flags, in merged order, which items of the list for depth d are leaves.
        boolean[][] isLeaf = new boolean[limit + 1][];
        long[] previous = w.clone();
        isLeaf[limit] = filled(n);
        for (int d = limit - 1; d >= 1; d--) {
            int packages = previous.length / 2;
            long[] merged = new long[n + packages];
            boolean[] leafFlags = new boolean[n + packages];
            int a = 0;
            int b = 0;
            for (int k = 0; k < merged.length; k++) {
                long packageWeight = b < packages ? previous[2 * b] + previous[2 * b + 1] : Long.MAX_VALUE;
                if (a < n && w[a] <= packageWeight) {
                    merged[k] = w[a++];
                    leafFlags[k] = true;
                } else {
                    merged[k] = packageWeight;
                    b++;
                }
            }
            previous = merged;
            isLeaf[d] = leafFlags;
        }
        int[] lengths = new int[n];
        int take = 2 * n - 2;
        for (int d = 1; d <= limit && take > 0; d++) {
            int leaves = 0;
            for (int k = 0; k < take; k++) {
                if (isLeaf[d][k]) {
                    leaves++;
                }
            }
            for (int i = 0; i < leaves; i++) {
                lengths[i]++;
            }
            take = 2 * (take - leaves);
        }
        return lengths;
    }

    private static boolean[] filled(int n) {
        boolean[] flags = new boolean[n];
        Arrays.fill(flags, true);
        return flags;
    }
}
