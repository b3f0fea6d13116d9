package dev.tersor.kernels.arrays;

import dev.tersor.kernels.IndexArray;

import java.lang.foreign.MemorySegment;

/**
 * 8-bit integer rows: {@code W[r][j] = (codes[r·stride + j] + patch) · rowScale[r]}, codes signed
 * bytes, one float scale per row. Each row is padded with zero codes to {@link #stride} bytes, so that
 * vector kernels read whole blocks without a tail. {@code rowSum[r] = Σ_j codes[r][j]} (int32) serves
 * the integer kernels' unsigned-offset correction. A rare value beyond the byte range is a patch: its
 * code is clamped to −128 or 127 and the rest, {@code patchDelta[p]} (int32), is added at column
 * {@code patchCol[p]}, for {@code p} in {@code [patchPtr[r], patchPtr[r+1])}
 * ({@link dev.tersor.kernels.q8.Q8Patches}).
 *
 * <p>With {@code int8Activations} the product quantizes each batch column of X to int8 first
 * ({@link dev.tersor.kernels.q8.TokenQuantizer}) and multiplies integers exactly: the result is
 * {@code W·Q(x)}, not {@code W·x}. Without, it is the ordinary product {@code rowScale[r]·Σ_j code·x_j}.
 *
 * @param rows            rows of W
 * @param cols            columns of W, at most {@link #MAX_COLS}
 * @param codes           s8[rows · stride(cols)]
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
        Checks.requireBytes("codes", codes, (long) rows * stride(cols));
        Checks.requireBytes("rowScale", rowScale, 4L * rows);
        Checks.requireBytes("rowSum", rowSum, 4L * rows);
        long patches = Checks.pointerEnd("patchPtr", patchPtr, rows);
        Checks.requireLength("patchCol", patchCol, patches);
        Checks.requireBytes("patchDelta", patchDelta, 4 * patches);
    }

    /** Bytes from one row's codes to the next: {@code cols} rounded up to {@link #ROW_ALIGNMENT}. */
    public static int stride(int cols) {
        return (cols + ROW_ALIGNMENT - 1) / ROW_ALIGNMENT * ROW_ALIGNMENT;
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
