package dev.tersor.kernels.sham;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Scratch;
import dev.tersor.kernels.huffman.CanonicalDecoder;
import dev.tersor.kernels.huffman.DecodeTable;

import java.lang.foreign.MemorySegment;

/**
 * Decodes the rows of one sHAM matrix, one at a time, into this thread's scratch buffers: the
 * columns of a row's stored entries ({@link ShamRows}) and their codebook indices (Huffman). The
 * scalar and the vector kernel decode alike and differ only in the product they form.
 */
final class ShamRowDecoder {
    private final MemorySegment stream;
    private final IndexArray rowBit;
    private final int[] table;
    private final IndexArray colGap;
    private final IndexArray rowPtr;
    private int[] columns;
    private int[] symbols;

    ShamRowDecoder(MemorySegment stream, IndexArray rowBit, MemorySegment decodeTable, IndexArray colGap,
                   IndexArray rowPtr) {
        this.stream = stream;
        this.rowBit = rowBit;
        this.table = DecodeTable.load(decodeTable);
        this.colGap = colGap;
        this.rowPtr = rowPtr;
    }

    /** Decodes row {@code r} and returns its number of stored entries. */
    int decode(int r) {
        int start = rowPtr.get(r);
        int end = rowPtr.get(r + 1);
        columns = Scratch.columns(end - start);
        int m = ShamRows.columns(colGap, start, end, columns);
        symbols = Scratch.symbols(m);
        CanonicalDecoder.decode(stream, table, Integer.toUnsignedLong(rowBit.get(r)), m, symbols, 0);
        return m;
    }

    /** The last decoded row's columns, until the next {@link #decode}. */
    int[] columns() {
        return columns;
    }

    /** The last decoded row's codebook indices, until the next {@link #decode}. */
    int[] symbols() {
        return symbols;
    }
}
