package dev.tersor.format.xor;

import dev.tersor.format.ElementType;
import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.xor.RiceMask;
import dev.tersor.kernels.xor.XorNetwork;
import dev.tersor.kernels.xor.XorRows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** The validating reader of {@link XorMatrix} layouts: every check runs before a kernel sees the arrays. */
final class XorLayout {

    private XorLayout() {
    }

    /**
     * A matrix over an untrusted layout. Checks the parameters (N_in ≤ min(32, N_out) ≤ 64, Rice
     * parameter ≤ 30), that the seed regenerates the network the check value describes, that
     * {@code words} holds exactly the bits the shape and {@code omega} call for, the offsets of
     * the mask and the patches (narrowest widths, from 0, never decreasing, ending at their array's
     * end), every patch in range, ascending within its row and on a care entry, every row's mask
     * ending exactly at the next row's offset with columns below {@code cols}, and every care entry
     * decoding to an index inside {@code omega}.
     */
    static XorMatrix fromLayout(Layout layout, Arena owner) {
        layout.requireFormat(XorMatrix.NAME);
        int rows = layout.rows();
        int cols = layout.cols();
        int wordBits = smallParam(layout, "wordBits");
        int sliceBits = smallParam(layout, "sliceBits");
        int riceBits = smallParam(layout, "riceBits");
        long seed = layout.param("seed");
        long check = layout.param("networkCheck");
        try {
            XorNetwork.checkShape(wordBits, sliceBits);
        } catch (IllegalArgumentException e) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": " + e.getMessage());
        }
        if (riceBits > RiceMask.MAX_RICE_BITS) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": riceBits = " + riceBits + ", beyond " + RiceMask.MAX_RICE_BITS);
        }
        long[] columns = XorNetwork.columns(seed, wordBits, sliceBits);
        if (XorNetwork.check(columns, sliceBits) != check) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": seed " + seed + " does not regenerate the " + sliceBits + "x"
                    + wordBits + " network the layout was encoded with (networkCheck mismatch)");
        }
        MemorySegment omega = layout.f32("omega");
        long careValues = omega.byteSize() / 4 - 1;
        if (careValues < 0) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": omega is empty; it must hold at least the implicit value");
        }
        int planes = XorMatrix.planesFor(careValues);
        if (planes > XorMatrix.MAX_PLANES) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": " + careValues + " care values need more than " + XorMatrix.MAX_PLANES
                    + " planes");
        }
        LayoutArray wordArray = layout.array("words");
        if (wordArray.type() != ElementType.U64 || wordArray.byteSize() % 8 != 0) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": words must be whole u64 elements, got " + wordArray.byteSize()
                    + " bytes of " + wordArray.type());
        }
        long slices = ((long) cols + sliceBits - 1) / sliceBits;
        long wordLongs = ((long) rows * planes * slices * wordBits + 63) / 64;
        if (wordArray.byteSize() != 8 * wordLongs) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": words holds " + wordArray.byteSize() / 8 + " u64, but " + rows + "x"
                    + cols + " with " + planes + " planes of " + slices + " slices of " + wordBits + " bits needs "
                    + wordLongs + " (shape mismatch)");
        }

        LayoutArray maskArray = layout.array("mask");
        if (maskArray.type() != ElementType.U32 || maskArray.byteSize() % 4 != 0) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": mask must be whole u32 words, got " + maskArray.byteSize()
                    + " bytes of " + maskArray.type());
        }
        LayoutArray maskRowArray = layout.array("maskRowBit");
        if (!maskRowArray.type().isIndex()) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": maskRowBit must be an unsigned index array");
        }
        layout.requireLength("maskRowBit", maskRowArray, rows + 1L);
        IndexArray maskRowBit = new IndexArray(maskRowArray.data(), maskRowArray.type().indexWidth());
        long maskBits = Integer.toUnsignedLong(maskRowBit.get(rows));
        long longestRow = layout.pointers("maskRowBit", maskRowBit, rows, maskBits, 8 * maskArray.byteSize(), "mask");
        if (maskArray.byteSize() / 4 != (maskBits + 31) / 32) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": mask has " + maskArray.byteSize() / 4 + " words but its codes end at bit "
                    + maskBits);
        }
        if (maskRowBit.width() != IndexWidth.forMaxValue(maskBits)) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": maskRowBit is " + maskRowArray.type() + " but offsets up to "
                    + maskBits + " need exactly " + IndexWidth.forMaxValue(maskBits));
        }

        LayoutArray patchArray = layout.array("patches");
        long patchCount = patchArray.length();
        IndexArray patches = layout.indices("patches", Math.max(0, (long) planes * cols - 1));
        IndexArray patchPtr = layout.indices("patchPtr", patchCount);
        layout.requireLength("patchPtr", layout.array("patchPtr"), rows + 1L);
        layout.pointers("patchPtr", patchPtr, rows, patchCount, patchCount, "patches");
        if (planes == 0 && patchCount > 0) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": " + patchCount + " patches but no bit-planes to patch");
        }
        MemorySegment rowScale = layout.has("rowScale") ? layout.f32("rowScale", rows) : MemorySegment.NULL;

        EncodedMask mask = EncodedMask.of(maskArray.data(), maskRowBit, riceBits);
        long[] table = XorNetwork.decodeTable(columns);
        long care = checkRows(rows, cols, planes, wordBits, sliceBits, table, wordArray.data(), patchPtr, patches, mask,
                longestRow, careValues);
        return new XorMatrix(rows, cols, planes, wordBits, sliceBits, seed, check, table, wordArray.data(), omega,
                patchPtr, patches, mask, rowScale, care, owner);
    }

    /** Decodes every row as the kernels will, checking masks, patches and indices; returns the care entries. */
    private static long checkRows(int rows, int cols, int planes, int wordBits, int sliceBits, long[] table,
                                  MemorySegment words, IndexArray patchPtr, IndexArray patches, EncodedMask mask,
                                  long longestRow, long careValues) {
        // a row has at most one care column per mask bit, so the buffers are bounded by the data, not the shape
        int capacity = (int) Math.min(cols, longestRow);
        int[] columns = new int[capacity];
        int[] indices = new int[capacity];
        long[] planeBits = new long[Math.max(1, planes)];
        long care = 0;
        long planeCols = (long) planes * cols;
        for (int r = 0; r < rows; r++) {
            long start = Integer.toUnsignedLong(mask.rowBit.get(r));
            long end = Integer.toUnsignedLong(mask.rowBit.get(r + 1));
            int m = RiceMask.columns(mask.words, start, end, mask.riceBits, cols, columns);
            if (m < 0) {
                throw new InvalidLayoutException(XorMatrix.NAME + ": the mask of row " + r + " is malformed (a code runs past the row's"
                        + " end or reaches column " + cols + ")");
            }
            care += m;
            int p0 = patchPtr.get(r);
            int p1 = patchPtr.get(r + 1);
            long previous = -1;
            int at = 0;
            for (int p = p0; p < p1; p++) {
                long entry = Integer.toUnsignedLong(patches.get(p));
                if (entry >= planeCols) {
                    throw new InvalidLayoutException(XorMatrix.NAME + ": patches[" + p + "] = " + entry + " is out of range (planes × cols = "
                            + planeCols + ")");
                }
                if (entry <= previous) {
                    throw new InvalidLayoutException(XorMatrix.NAME + ": patches[" + p + "] = " + entry + " does not ascend in row " + r);
                }
                previous = entry;
                long col = entry / planes;
                while (at < m && columns[at] < col) {
                    at++;
                }
                if (at == m || columns[at] != col) {
                    throw new InvalidLayoutException(XorMatrix.NAME + ": patches[" + p + "] patches column " + col + " of row " + r
                            + ", which the mask prunes");
                }
            }
            if (planes > 0) {
                XorRows.decode(r, cols, planes, wordBits, sliceBits, table, words, patchPtr, patches, mask.words,
                        mask.rowBit, mask.riceBits, columns, indices, planeBits);
                for (int i = 0; i < m; i++) {
                    if (indices[i] >= careValues) {
                        throw new InvalidLayoutException(XorMatrix.NAME + ": row " + r + ", column " + columns[i] + " decodes to index "
                                + indices[i] + ", outside omega's " + careValues + " care values");
                    }
                }
            }
        }
        return care;
    }

    private static int smallParam(Layout layout, String name) {
        long value = layout.param(name);
        if (value < 0 || value > 64) {
            throw new InvalidLayoutException(XorMatrix.NAME + ": parameter " + name + " = " + value + " is out of range");
        }
        return (int) value;
    }
}
