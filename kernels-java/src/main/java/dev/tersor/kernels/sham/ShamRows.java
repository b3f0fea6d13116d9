package dev.tersor.kernels.sham;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Column positions of sHAM rows. A row's columns are stored as gaps in a narrow unsigned array:
 * an entry {@code e} below the width's maximum {@code M} means "the next stored entry is {@code e + 1}
 * columns after the previous one" (the first is {@code e} columns after column −1, i.e. at {@code e}),
 * and an entry equal to {@code M} is a filler that only advances the position by {@code M} columns.
 * Fillers let u8 gaps span any distance; they carry no value and no codeword.
 */
public final class ShamRows {

    private ShamRows() {
    }

    /**
     * Writes the columns of the gap entries {@code [start, end)} to {@code columns} and returns how
     * many there are (the entries minus the fillers).
     */
    public static int columns(IndexArray colGap, int start, int end, int[] columns) {
        int escape = (int) colGap.width().maxValue();
        // u8, the usual width, is read here: a width switch per gap costs as much as the rest of the
        // loop. The test does not change inside the loop, so the JIT gives each width a loop of its own.
        boolean bytes = colGap.width() == IndexWidth.U8;
        MemorySegment gaps = colGap.segment();
        int col = -1;
        int m = 0;
        for (int p = start; p < end; p++) {
            int e = bytes ? gaps.get(ValueLayout.JAVA_BYTE, p) & 0xFF : colGap.get(p);
            if (e == escape) {
                col += escape;
            } else {
                col += e + 1;
                columns[m++] = col;
            }
        }
        return m;
    }
}
