package dev.tersor.kernels.xor;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;

/**
 * Decodes one row of the XOR-encrypted format into its care columns and their codebook indices.
 *
 * <p>The arrays, flat so that native code can take the same:
 * <ul>
 *   <li>{@code words}: u64, the encrypted words as one LSB-first bit stream, {@code N_in} bits each.
 *       Row {@code r}, plane {@code p}, slice {@code s} is word {@code (r·q + p)·S + s}, with
 *       {@code S = ⌈cols/N_out⌉} slices per row; slice s covers columns {@code s·N_out ..}.
 *   <li>{@code patchPtr[rows+1]}, {@code patches}: per row, ascending entries {@code col·q + plane},
 *       each a care bit whose decoded value must be flipped.
 *   <li>{@code mask}, {@code maskRowBit[rows+1]}, {@code riceBits}: the pruning mask ({@link RiceMask}).
 * </ul>
 * The index of a care entry is {@code Σ_p bit_p·2^p} over the q planes, after patches.
 */
public final class XorRows {

    private XorRows() {
    }

    /**
     * Writes row {@code r}'s care columns to {@code columns} and their indices to {@code indices}
     * (both with room for {@code cols}) and returns how many there are, or −1 if the mask is malformed.
     *
     * @param table     byte-sliced decode tables ({@link XorNetwork#decodeTable})
     * @param planeBits scratch of at least {@code planes} longs
     */
    public static int decode(int r, int cols, int planes, int wordBits, int sliceBits, long[] table,
                             MemorySegment words, IndexArray patchPtr, IndexArray patches, MemorySegment mask,
                             IndexArray maskRowBit, int riceBits, int[] columns, int[] indices, long[] planeBits) {
        int m = RiceMask.columns(mask, Integer.toUnsignedLong(maskRowBit.get(r)),
                Integer.toUnsignedLong(maskRowBit.get(r + 1)), riceBits, cols, columns);
        if (m <= 0 || planes == 0) {
            if (m > 0) {
                java.util.Arrays.fill(indices, 0, m, 0);
            }
            return m;
        }
        int slices = (cols + sliceBits - 1) / sliceBits;
        long wordMask = (1L << wordBits) - 1;
        long rowWord = (long) r * planes * slices;
        int pp = patchPtr.get(r);
        int patchEnd = patchPtr.get(r + 1);
        long nextPatch = pp < patchEnd ? Integer.toUnsignedLong(patches.get(pp)) : Long.MAX_VALUE;
        // Columns ascend, so the slice changes only at a slice boundary: one division per slice, not per entry.
        int sliceStart = 0;
        int sliceEnd = 0;
        for (int i = 0; i < m; i++) {
            int c = columns[i];
            if (c >= sliceEnd) {
                int s = c / sliceBits;
                sliceStart = s * sliceBits;
                sliceEnd = sliceStart + sliceBits;
                for (int p = 0; p < planes; p++) {
                    long bit = (rowWord + (long) p * slices + s) * wordBits;
                    long li = bit >>> 6;
                    int sh = (int) (bit & 63);
                    long v = words.getAtIndex(Layouts.I64, li) >>> sh;
                    if (sh + wordBits > 64) {
                        v |= words.getAtIndex(Layouts.I64, li + 1) << (64 - sh);
                    }
                    planeBits[p] = XorNetwork.expand(table, (int) (v & wordMask));
                }
            }
            int bit = c - sliceStart;
            int index = 0;
            for (int p = 0; p < planes; p++) {
                index |= (int) ((planeBits[p] >>> bit) & 1) << p;
            }
            long first = (long) c * planes;
            while (nextPatch < first + planes) {
                if (nextPatch >= first) {
                    index ^= 1 << (int) (nextPatch - first);
                }
                pp++;
                nextPatch = pp < patchEnd ? Integer.toUnsignedLong(patches.get(pp)) : Long.MAX_VALUE;
            }
            indices[i] = index;
        }
        return m;
    }
}
