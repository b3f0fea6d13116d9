package dev.tersor.kernels.arrays;

import dev.tersor.kernels.IndexArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * 8-bit integer rows: {@code W[r][j] = (code(r, j) + patch) · rowScale[r]}, codes signed bytes, one
 * float scale per row. Codes lie in panels of {@link #PANEL_ROWS} rows: within a panel, the four codes
 * of columns {@code 4g … 4g+3} of each of its rows come together, row after row, so code {@code (r, j)}
 * is at byte {@link #codeOffset}{@code  = (r / 16)·16·stride + (j / 4)·64 + (r % 16)·4 + j % 4}. One
 * 64-byte load then holds four columns of sixteen rows: an integer dot product against four
 * broadcast activations leaves each row's sum in its own lane, with no horizontal reduction, and the
 * weights stream in one pass. Rows are padded with zero codes to {@link #stride} columns and the last
 * panel with zero rows, so kernels read whole panels and groups. {@code rowSum[r] = Σ_j code(r, j)}
 * (int32) serves the integer kernels' unsigned-offset correction. A rare value beyond the byte range
 * is a patch: its code is clamped to −128 or 127 and the rest, {@code patchDelta[p]} (int32), is
 * added at column {@code patchCol[p]}, for {@code p} in {@code [patchPtr[r], patchPtr[r+1])}
 * ({@link dev.tersor.kernels.q8.Q8Patches}).
 *
 * <p>With {@code int8Activations} the product quantizes each batch column of X to int8 first
 * ({@link dev.tersor.kernels.q8.TokenQuantizer}) and multiplies integers exactly: the result is
 * {@code W·Q(x)}, not {@code W·x}. Without, it is the ordinary product {@code rowScale[r]·Σ_j code·x_j}.
 *
 * @param rows            rows of W
 * @param cols            columns of W, at most {@link #MAX_COLS}
 * @param codes           s8[{@link #codeBytes}(rows, cols)], in panels
 * @param rowScale        f32[rows]
 * @param rowSum          i32[rows]
 * @param patchPtr        [rows+1], each row's first patch
 * @param patchCol        the patches' columns, ascending within a row
 * @param patchDelta      i32, what each patch adds to its clamped code
 * @param int8Activations whether products run on int8-quantized activations
 */
public record Q8Arrays(int rows, int cols, MemorySegment codes, MemorySegment rowScale, MemorySegment rowSum,
                       IndexArray patchPtr, IndexArray patchCol, MemorySegment patchDelta,
                       boolean int8Activations) implements WeightArrays {

    /** Row padding: one 512-bit vector of bytes. */
    public static final int ROW_ALIGNMENT = 64;

    /** Rows of one panel: the int32 lanes of a 512-bit vector. */
    public static final int PANEL_ROWS = 16;

    /** Columns of one group: the byte pairs an integer dot product sums into one int32 lane. */
    public static final int GROUP_COLUMNS = 4;

    /** Bytes of one group of a panel: four codes of each of its rows. */
    public static final int GROUP_BYTES = GROUP_COLUMNS * PANEL_ROWS;

    /**
     * Longest row. An integer product sums at most this many terms of |code·(x+128)| ≤ 128·255, which
     * stays below 2^31, so no int32 accumulator can overflow.
     */
    public static final int MAX_COLS = 65_536;

    public Q8Arrays {
        Checks.shape(rows, cols);
        if (cols > MAX_COLS) {
            throw new IllegalArgumentException(cols + " columns exceed the q8 limit of " + MAX_COLS);
        }
        Checks.requireBytes("codes", codes, codeBytes(rows, cols));
        Checks.requireBytes("rowScale", rowScale, 4L * rows);
        Checks.requireBytes("rowSum", rowSum, 4L * rows);
        long patches = Checks.pointerEnd("patchPtr", patchPtr, rows);
        Checks.requireLength("patchCol", patchCol, patches);
        Checks.requireBytes("patchDelta", patchDelta, 4 * patches);
    }

    /**
     * Columns of a row with its zero padding, {@code cols} rounded up to {@link #ROW_ALIGNMENT}: a
     * panel holds {@code PANEL_ROWS · stride} bytes.
     */
    public static int stride(int cols) {
        return (cols + ROW_ALIGNMENT - 1) / ROW_ALIGNMENT * ROW_ALIGNMENT;
    }

    /** Panels of a matrix of {@code rows} rows, the last one padded with zero rows. */
    public static int panels(int rows) {
        return (rows + PANEL_ROWS - 1) / PANEL_ROWS;
    }

    /** Bytes of the codes of a {@code rows × cols} matrix: whole panels of padded rows. */
    public static long codeBytes(int rows, int cols) {
        return (long) panels(rows) * PANEL_ROWS * stride(cols);
    }

    /** Where code {@code (r, j)} lies in the codes of a matrix of row stride {@code stride}. */
    public static long codeOffset(int stride, int r, int j) {
        return (long) (r / PANEL_ROWS) * PANEL_ROWS * stride + (long) (j / GROUP_COLUMNS) * GROUP_BYTES
                + (r % PANEL_ROWS) * GROUP_COLUMNS + j % GROUP_COLUMNS;
    }

    /** Code {@code (r, j)}. */
    public byte code(int r, int j) {
        return codes.get(ValueLayout.JAVA_BYTE, codeOffset(stride(), r, j));
    }

    /** This matrix's row stride. */
    public int stride() {
        return stride(cols);
    }

    @Override
    public boolean onHeap() {
        return !codes.isNative() || !rowScale.isNative() || !rowSum.isNative() || !patchPtr.segment().isNative()
                || !patchCol.segment().isNative() || !patchDelta.isNative();
    }
}
