package dev.tersor.kernels.arrays;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.huffman.DecodeTable;

import java.lang.foreign.MemorySegment;

/** The constant-time checks the records' constructors share. */
final class Checks {

    private Checks() {
    }

    static void shape(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
    }

    static void requireBytes(String name, MemorySegment segment, long bytes) {
        if (segment.byteSize() < bytes) {
            throw new IndexOutOfBoundsException(name + " holds " + segment.byteSize() + " bytes, needs " + bytes);
        }
    }

    static void requireLength(String name, IndexArray array, long length) {
        if (array.length() < length) {
            throw new IndexOutOfBoundsException(name + " holds " + array.length() + " elements, needs " + length);
        }
    }

    /** Checks a pointer array of {@code count + 1} entries and returns its last entry. */
    static long pointerEnd(String name, IndexArray pointers, long count) {
        requireLength(name, pointers, count + 1);
        long end = pointers.get(count);
        if (end < 0) {
            throw new IllegalArgumentException(name + "[" + count + "] = " + end + " is negative");
        }
        return end;
    }

    /** An optional per-row scale: empty, or one float per row. */
    static void rowScale(int rows, MemorySegment rowScale) {
        if (rowScale.byteSize() != 0) {
            requireBytes("rowScale", rowScale, 4L * rows);
        }
    }

    /** {@link MemorySegment#NULL} for an empty scale segment: what native code reads as "no row scales". */
    static MemorySegment noScales(MemorySegment rowScale) {
        return rowScale.byteSize() == 0 ? MemorySegment.NULL : rowScale;
    }

    /** The Huffman stream, its row offsets and its decode table, shared by HAM and sHAM. */
    static void huffman(int rows, boolean needsSymbols, MemorySegment stream, IndexArray rowBit,
                        MemorySegment symbols, MemorySegment decodeTable, MemorySegment rowScale) {
        requireBytes("stream", stream, (pointerEnd("rowBit", rowBit, rows) + 7) / 8);
        requireBytes("decodeTable", decodeTable, 8);
        int maxLength = DecodeTable.maxLength(decodeTable);
        if (maxLength < 0 || maxLength > DecodeTable.MAX_CODE_LENGTH) {
            throw new IllegalArgumentException("decodeTable has a maximum code length of " + maxLength);
        }
        requireBytes("decodeTable", decodeTable, 4L * DecodeTable.size(maxLength));
        if (needsSymbols) {
            requireBytes("symbols", symbols, 4);
        }
        rowScale(rows, rowScale);
    }
}
