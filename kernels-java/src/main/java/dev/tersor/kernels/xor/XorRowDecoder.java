package dev.tersor.kernels.xor;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Scratch;

import java.lang.foreign.MemorySegment;

/**
 * Decodes the rows of one XOR-encrypted matrix, one at a time, with {@link XorRows#decode}: holds
 * the matrix's arguments, its loaded decode tables and the buffers that every row reuses. The scalar
 * and the vector kernel decode alike and differ only in the product they form.
 */
final class XorRowDecoder {
    private final int cols;
    private final int planes;
    private final int wordBits;
    private final int sliceBits;
    private final long[] table;
    private final MemorySegment words;
    private final IndexArray patchPtr;
    private final IndexArray patches;
    private final MemorySegment mask;
    private final IndexArray maskRowBit;
    private final int riceBits;
    private final int[] columns;
    private final int[] indices;
    private final long[] planeBits;

    XorRowDecoder(int cols, int planes, int wordBits, int sliceBits, MemorySegment decodeTable, MemorySegment words,
                  IndexArray patchPtr, IndexArray patches, MemorySegment mask, IndexArray maskRowBit, int riceBits) {
        this.cols = cols;
        this.planes = planes;
        this.wordBits = wordBits;
        this.sliceBits = sliceBits;
        this.table = XorNetwork.load(decodeTable);
        this.words = words;
        this.patchPtr = patchPtr;
        this.patches = patches;
        this.mask = mask;
        this.maskRowBit = maskRowBit;
        this.riceBits = riceBits;
        this.columns = Scratch.columns(cols);
        this.indices = Scratch.symbols(cols);
        this.planeBits = new long[Math.max(1, planes)];
    }

    /** Decodes row {@code r} and returns its number of care entries, as {@link XorRows#decode} does. */
    int decode(int r) {
        return XorRows.decode(r, cols, planes, wordBits, sliceBits, table, words, patchPtr, patches, mask,
                maskRowBit, riceBits, columns, indices, planeBits);
    }

    /** The last decoded row's care columns, until the next {@link #decode}. */
    int[] columns() {
        return columns;
    }

    /** The last decoded row's codebook indices, until the next {@link #decode}. */
    int[] indices() {
        return indices;
    }
}
