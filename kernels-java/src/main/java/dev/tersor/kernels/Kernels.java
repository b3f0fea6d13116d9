package dev.tersor.kernels;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The kernels every weight format calls: one implementation per provider (scalar reference, Vector
 * API, native), chosen once at startup by {@link #preferred()}.
 *
 * <p>Every kernel computes {@code Y = W·X} for the output rows {@code [rowStart, rowEnd)}, with
 * {@code W} stored {@code [rows, cols]} in the kernel's format, {@code X} laid out
 * {@code [cols][batch]} and {@code Y} laid out {@code [rows][batch]} (batch innermost). A batch of one
 * is the matrix-vector product. Rows outside the range are left untouched, so threads can share
 * {@code Y}. Kernels are pure functions of their arguments and keep no state between calls.
 *
 * <p>The public methods check their arguments in constant time (dimensions, segment sizes, the end
 * of each pointer array), then call the trusting {@code …K} method of the provider. They do not
 * re-check the inner structure of a layout (monotone pointers, indices in range); the formats'
 * validators do that once, before a layout can reach a kernel. Java providers still fail with an
 * exception on a bad layout, since segment access is bounds-checked; native providers would not.
 */
public abstract class Kernels {

    /** System property that forces a provider: {@code scalar}, {@code vector} or {@code native}. */
    public static final String PROVIDER_PROPERTY = "tersor.kernels";

    protected Kernels() {
    }

    /** The provider chosen at startup; the choice is logged once. */
    public static Kernels preferred() {
        return KernelLookup.preferred();
    }

    /** A provider by name ({@code scalar}, {@code vector}, {@code native}), or an exception saying why not. */
    public static Kernels named(String name) {
        return KernelLookup.named(name);
    }

    /** Every provider that can run in this JVM, scalar first. */
    public static List<Kernels> available() {
        return KernelLookup.available();
    }

    /** Short provider name: {@code scalar}, {@code vector} or {@code native}. */
    public abstract String name();

    /** The instruction-set path this provider runs, e.g. {@code "Vector API, 256-bit"}. */
    public abstract String isa();

    /** Width of the float vectors this provider computes with, in bits; 32 for scalar code. */
    public int vectorBits() {
        return 32;
    }

    @Override
    public String toString() {
        return name() + " (" + isa() + ")";
    }

    // ---------------------------------------------------------------------------------------------
    // Dense float32, row-major [rows][cols].

    /** {@code Y = W·X} for a dense row-major float32 {@code w}. */
    public final void denseMatMul(int rows, int cols, int batch, MemorySegment w,
                                  MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        checkShape(rows, cols, batch, x, y, rowStart, rowEnd);
        requireBytes("w", w, 4L * rows * cols);
        denseMatMulK(rows, cols, batch, w, x, y, rowStart, rowEnd);
    }

    protected abstract void denseMatMulK(int rows, int cols, int batch, MemorySegment w,
                                         MemorySegment x, MemorySegment y, int rowStart, int rowEnd);

    // ---------------------------------------------------------------------------------------------
    // CSR: values f32[nnz], colIdx[nnz], rowPtr[rows+1]; the implicit value is 0.

    /** {@code Y = W·X} for a CSR matrix. */
    public final void csrMatMul(int rows, int cols, int batch, MemorySegment values, IndexArray colIdx,
                                IndexArray rowPtr, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        checkShape(rows, cols, batch, x, y, rowStart, rowEnd);
        long nnz = pointerEnd("rowPtr", rowPtr, rows);
        requireLength("colIdx", colIdx, nnz);
        requireBytes("values", values, 4L * nnz);
        csrMatMulK(rows, cols, batch, values, colIdx, rowPtr, x, y, rowStart, rowEnd);
    }

    protected abstract void csrMatMulK(int rows, int cols, int batch, MemorySegment values, IndexArray colIdx,
                                       IndexArray rowPtr, MemorySegment x, MemorySegment y, int rowStart, int rowEnd);

    // ---------------------------------------------------------------------------------------------
    // CER: omega f32[K] (omega[0] implicit), colIdx[nnz], groupPtr[G+1], rowPtr[rows+1],
    // rowScale f32[rows] or empty. The t-th group of a row holds omega[t+1].

    /** {@code Y = W·X} for a CER matrix; {@code rowScale} is empty when the matrix has no per-row scales. */
    public final void cerMatMul(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                                IndexArray groupPtr, IndexArray rowPtr, MemorySegment rowScale,
                                MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        checkGrouped(rows, cols, batch, omega, colIdx, groupPtr, rowPtr, rowScale, x, y, rowStart, rowEnd);
        cerMatMulK(rows, cols, batch, omega, colIdx, groupPtr, rowPtr, rowScale, x, y, rowStart, rowEnd);
    }

    protected abstract void cerMatMulK(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                                       IndexArray groupPtr, IndexArray rowPtr, MemorySegment rowScale,
                                       MemorySegment x, MemorySegment y, int rowStart, int rowEnd);

    // ---------------------------------------------------------------------------------------------
    // CSER: as CER, plus groupValue[G], the omega index of each group.

    /** {@code Y = W·X} for a CSER matrix; {@code rowScale} is empty when the matrix has no per-row scales. */
    public final void cserMatMul(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                                 IndexArray groupValue, IndexArray groupPtr, IndexArray rowPtr,
                                 MemorySegment rowScale, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        long groups = checkGrouped(rows, cols, batch, omega, colIdx, groupPtr, rowPtr, rowScale, x, y, rowStart, rowEnd);
        requireLength("groupValue", groupValue, groups);
        cserMatMulK(rows, cols, batch, omega, colIdx, groupValue, groupPtr, rowPtr, rowScale, x, y, rowStart, rowEnd);
    }

    protected abstract void cserMatMulK(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                                        IndexArray groupValue, IndexArray groupPtr, IndexArray rowPtr,
                                        MemorySegment rowScale, MemorySegment x, MemorySegment y,
                                        int rowStart, int rowEnd);

    // ---------------------------------------------------------------------------------------------
    // HAM: every entry a canonical Huffman codeword. stream u32 words MSB-first, rowBit[rows+1] the
    // start bit of each row, symbols f32 in canonical order, decodeTable a huffman.DecodeTable (i32),
    // rowScale f32[rows] or empty.

    /** {@code Y = W·X} for a HAM matrix; see {@link dev.tersor.kernels.ham.HamScalarKernel}. */
    public final void hamMatMul(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                                MemorySegment symbols, MemorySegment decodeTable, MemorySegment rowScale,
                                MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        checkShape(rows, cols, batch, x, y, rowStart, rowEnd);
        checkHuffman(rows, (long) rows * cols > 0, stream, rowBit, symbols, decodeTable, rowScale);
        hamMatMulK(rows, cols, batch, stream, rowBit, symbols, decodeTable, rowScale, x, y, rowStart, rowEnd);
    }

    protected abstract void hamMatMulK(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                                       MemorySegment symbols, MemorySegment decodeTable, MemorySegment rowScale,
                                       MemorySegment x, MemorySegment y, int rowStart, int rowEnd);

    // ---------------------------------------------------------------------------------------------
    // sHAM: as HAM for the entries that differ from the implicit value, whose columns are gaps in
    // colGap (see sham.ShamRows), rowPtr[rows+1] the start of each row there.

    /** {@code Y = W·X} for a sHAM matrix; see {@link dev.tersor.kernels.sham.ShamScalarKernel}. */
    public final void shamMatMul(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                                 MemorySegment symbols, MemorySegment decodeTable, float implicit, IndexArray colGap,
                                 IndexArray rowPtr, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                                 int rowStart, int rowEnd) {
        checkShape(rows, cols, batch, x, y, rowStart, rowEnd);
        checkHuffman(rows, false, stream, rowBit, symbols, decodeTable, rowScale);
        requireLength("colGap", colGap, pointerEnd("rowPtr", rowPtr, rows));
        shamMatMulK(rows, cols, batch, stream, rowBit, symbols, decodeTable, implicit, colGap, rowPtr, rowScale,
                x, y, rowStart, rowEnd);
    }

    protected abstract void shamMatMulK(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                                        MemorySegment symbols, MemorySegment decodeTable, float implicit,
                                        IndexArray colGap, IndexArray rowPtr, MemorySegment rowScale,
                                        MemorySegment x, MemorySegment y, int rowStart, int rowEnd);

    // ---------------------------------------------------------------------------------------------
    // XOR-encrypted: q = planes bit-planes of the care entries' codebook indices, N_in = wordBits-bit
    // encrypted words expanding to N_out = sliceBits-bit slices through the network whose byte tables
    // are decodeTable (i64), patches per row, the pruning mask Rice-coded (see xor.XorRows).

    /** {@code Y = W·X} for an XOR-encrypted matrix; see {@link dev.tersor.kernels.xor.XorScalarKernel}. */
    public final void xorMatMul(int rows, int cols, int batch, int planes, int wordBits, int sliceBits,
                                MemorySegment decodeTable, MemorySegment words, MemorySegment omega,
                                IndexArray patchPtr, IndexArray patches, MemorySegment mask, IndexArray maskRowBit,
                                int riceBits, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                                int rowStart, int rowEnd) {
        checkShape(rows, cols, batch, x, y, rowStart, rowEnd);
        if (planes < 0 || planes > 24) {
            throw new IllegalArgumentException("planes must be 0..24, got " + planes);
        }
        dev.tersor.kernels.xor.XorNetwork.checkShape(wordBits, sliceBits);
        if (riceBits < 0 || riceBits > dev.tersor.kernels.xor.RiceMask.MAX_RICE_BITS) {
            throw new IllegalArgumentException("riceBits must be 0.." + dev.tersor.kernels.xor.RiceMask.MAX_RICE_BITS
                    + ", got " + riceBits);
        }
        requireBytes("decodeTable", decodeTable, 8L * 256 * dev.tersor.kernels.xor.XorNetwork.tables(wordBits));
        long slices = ((long) cols + sliceBits - 1) / sliceBits;
        long wordBytes = 8 * ((Math.multiplyExact((long) rows * planes * slices, (long) wordBits) + 63) / 64);
        requireBytes("words", words, wordBytes);
        requireBytes("omega", omega, 4L * (planes == 0 ? 1 : 2 + (1L << (planes - 1))));
        requireLength("patches", patches, pointerEnd("patchPtr", patchPtr, rows));
        requireBytes("mask", mask, (pointerEnd("maskRowBit", maskRowBit, rows) + 7) / 8);
        checkRowScale(rows, rowScale);
        xorMatMulK(rows, cols, batch, planes, wordBits, sliceBits, decodeTable, words, omega, patchPtr, patches,
                mask, maskRowBit, riceBits, rowScale, x, y, rowStart, rowEnd);
    }

    protected abstract void xorMatMulK(int rows, int cols, int batch, int planes, int wordBits, int sliceBits,
                                       MemorySegment decodeTable, MemorySegment words, MemorySegment omega,
                                       IndexArray patchPtr, IndexArray patches, MemorySegment mask,
                                       IndexArray maskRowBit, int riceBits, MemorySegment rowScale,
                                       MemorySegment x, MemorySegment y, int rowStart, int rowEnd);

    // ---------------------------------------------------------------------------------------------
    // Per-channel bit-packed: rowBits u8[rows] (0..16), rowScale f32[rows] (powers of two),
    // rowPtr[rows+1] the first u32 word of each row in data (layout in bitpack.BitpackRows).

    /** {@code Y = W·X} for a bit-packed matrix; see {@link dev.tersor.kernels.bitpack.BitpackScalarKernel}. */
    public final void bitpackMatMul(int rows, int cols, int batch, MemorySegment rowBits, MemorySegment rowScale,
                                    IndexArray rowPtr, MemorySegment data, MemorySegment x, MemorySegment y,
                                    int rowStart, int rowEnd) {
        checkShape(rows, cols, batch, x, y, rowStart, rowEnd);
        requireBytes("rowBits", rowBits, rows);
        requireBytes("rowScale", rowScale, 4L * rows);
        requireBytes("data", data, 4 * pointerEnd("rowPtr", rowPtr, rows));
        bitpackMatMulK(rows, cols, batch, rowBits, rowScale, rowPtr, data, x, y, rowStart, rowEnd);
    }

    protected abstract void bitpackMatMulK(int rows, int cols, int batch, MemorySegment rowBits,
                                           MemorySegment rowScale, IndexArray rowPtr, MemorySegment data,
                                           MemorySegment x, MemorySegment y, int rowStart, int rowEnd);

    // ---------------------------------------------------------------------------------------------
    // Constant-time argument checks shared by the public entry points.

    private static long checkGrouped(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                                     IndexArray groupPtr, IndexArray rowPtr, MemorySegment rowScale,
                                     MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        checkShape(rows, cols, batch, x, y, rowStart, rowEnd);
        long groups = pointerEnd("rowPtr", rowPtr, rows);
        long nnz = pointerEnd("groupPtr", groupPtr, groups);
        requireLength("colIdx", colIdx, nnz);
        if (omega.byteSize() < 4) {
            throw new IllegalArgumentException("omega must hold at least the implicit value");
        }
        if (rowScale.byteSize() != 0) {
            requireBytes("rowScale", rowScale, 4L * rows);
        }
        return groups;
    }

    private static void checkHuffman(int rows, boolean needsSymbols, MemorySegment stream, IndexArray rowBit,
                                     MemorySegment symbols, MemorySegment decodeTable, MemorySegment rowScale) {
        requireBytes("stream", stream, (pointerEnd("rowBit", rowBit, rows) + 7) / 8);
        requireBytes("decodeTable", decodeTable, 8);
        int maxLength = dev.tersor.kernels.huffman.DecodeTable.maxLength(decodeTable);
        if (maxLength < 0 || maxLength > dev.tersor.kernels.huffman.DecodeTable.MAX_CODE_LENGTH) {
            throw new IllegalArgumentException("decodeTable has a maximum code length of " + maxLength);
        }
        requireBytes("decodeTable", decodeTable, 4L * dev.tersor.kernels.huffman.DecodeTable.size(maxLength));
        if (needsSymbols) {
            requireBytes("symbols", symbols, 4);
        }
        checkRowScale(rows, rowScale);
    }

    private static void checkRowScale(int rows, MemorySegment rowScale) {
        if (rowScale.byteSize() != 0) {
            requireBytes("rowScale", rowScale, 4L * rows);
        }
    }

    protected static void checkShape(int rows, int cols, int batch, MemorySegment x, MemorySegment y,
                                     int rowStart, int rowEnd) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        if (rowStart < 0 || rowStart > rowEnd || rowEnd > rows) {
            throw new IndexOutOfBoundsException("row range [" + rowStart + ", " + rowEnd + ") outside [0, " + rows + ")");
        }
        requireBytes("x", x, 4L * cols * batch);
        requireBytes("y", y, 4L * rows * batch);
    }

    protected static void requireBytes(String name, MemorySegment segment, long bytes) {
        if (segment.byteSize() < bytes) {
            throw new IndexOutOfBoundsException(name + " holds " + segment.byteSize() + " bytes, needs " + bytes);
        }
    }

    protected static void requireLength(String name, IndexArray array, long length) {
        if (array.length() < length) {
            throw new IndexOutOfBoundsException(name + " holds " + array.length() + " elements, needs " + length);
        }
    }

    /** Checks a pointer array of {@code count + 1} entries and returns its last entry. */
    protected static long pointerEnd(String name, IndexArray pointers, long count) {
        requireLength(name, pointers, count + 1);
        long end = pointers.get(count);
        if (end < 0) {
            throw new IllegalArgumentException(name + "[" + count + "] = " + end + " is negative");
        }
        return end;
    }
}
