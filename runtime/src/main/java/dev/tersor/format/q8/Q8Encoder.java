package dev.tersor.format.q8;

import dev.tersor.format.OffHeap;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.Q8Arrays;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Encodes a matrix into q8 in one pass over its rows: each row's scale is fitted once
 * ({@link RowScales#fit(float[], int[])}, which verifies every value bit for bit and yields its codes) and its codes are written
 * straight off-heap, so a stored weight is decoded once and never held whole as floats. Refuses
 * (returns null, freeing what it wrote) as soon as a row fits no scale or patches stop being rare.
 */
final class Q8Encoder {

    private Q8Encoder() {
    }

    /**
     * The rows {@code rows.apply(0 … rowCount-1)} (each {@code cols} values, read before the next is
     * asked for) as a q8 matrix, or null if they do not fit it exactly.
     */
    static Q8Matrix encode(int rowCount, int cols, IntFunction<float[]> rows, boolean int8Activations) {
        if (cols > Q8Arrays.MAX_COLS) {
            return null;
        }
        long allowed = RowScales.allowedPatches(rowCount, cols);
        int stride = Q8Arrays.stride(cols);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment codes = OffHeap.bytes(arena, Q8Arrays.codeBytes(rowCount, cols));
            MemorySegment rowScale = OffHeap.floats(arena, rowCount);
            MemorySegment rowSum = OffHeap.bytes(arena, 4L * rowCount);
            int[] rowCodes = new int[cols];
            int[] patchStart = new int[rowCount + 1];
            int[] patchCol = new int[16];
            int[] patchDelta = new int[16];
            int patches = 0;
            for (int r = 0; r < rowCount; r++) {
                float[] row = rows.apply(r);
                float scale = RowScales.fit(row, rowCodes);
                if (Float.isNaN(scale)) {
                    arena.close();
                    return null;
                }
                rowScale.setAtIndex(Layouts.F32, r, scale);
                patchStart[r] = patches;
                int sum = 0;
                for (int c = 0; c < cols; c++) {
                    int code = rowCodes[c];
                    int clamped = Math.max(-128, Math.min(127, code));
                    if (clamped != code) {
                        if (patches == allowed) {
                            arena.close();
                            return null;
                        }
                        if (patches == patchCol.length) {
                            patchCol = Arrays.copyOf(patchCol, 2 * patches);
                            patchDelta = Arrays.copyOf(patchDelta, 2 * patches);
                        }
                        patchCol[patches] = c;
                        patchDelta[patches] = code - clamped;
                        patches++;
                    }
                    codes.set(ValueLayout.JAVA_BYTE, Q8Arrays.codeOffset(stride, r, c), (byte) clamped);
                    sum += clamped;
                }
                rowSum.setAtIndex(Layouts.I32, r, sum);
            }
            patchStart[rowCount] = patches;
            IndexArray ptr = OffHeap.indices(arena, rowCount + 1L, patches);
            IndexArray col = OffHeap.indices(arena, patches, Math.max(0, cols - 1));
            MemorySegment delta = OffHeap.bytes(arena, 4L * patches);
            for (int r = 0; r <= rowCount; r++) {
                ptr.width().set(ptr.segment(), r, patchStart[r]);
            }
            for (int p = 0; p < patches; p++) {
                col.width().set(col.segment(), p, patchCol[p]);
                delta.setAtIndex(Layouts.I32, p, patchDelta[p]);
            }
            return new Q8Matrix(new Q8Arrays(rowCount, cols, codes, rowScale, rowSum, ptr, col, delta, int8Activations),
                    arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }
}
