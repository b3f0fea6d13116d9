package dev.tersor.format;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;

/**
 * Writes a decoded row into a dense f32 row, for the formats that decode to (column, value bits)
 * pairs: HAM, sHAM and XOR. An optional per-row scale multiplies every value, implicit or stored.
 * Without a scale the bits are copied as they are, so that a decoded row is bit-identical to the
 * values that were encoded (a NaN payload or a negative zero survives).
 */
public final class DecodedRowWriter {

    private DecodedRowWriter() {
    }

    /**
     * Fills {@code dst[0 .. cols)} with the implicit value, then writes value {@code valueBits[i]} at
     * column {@code columns[i]} for {@code i < m}.
     *
     * @param rowScale one f32 per row, or an empty segment when the format stores no scale
     */
    public static void sparse(MemorySegment dst, int cols, float implicit, MemorySegment rowScale, int row,
                              int[] columns, int[] valueBits, int m) {
        boolean scaled = rowScale.byteSize() != 0;
        float scale = scaled ? rowScale.getAtIndex(Layouts.F32, row) : 1f;
        int implicitBits = Float.floatToRawIntBits(scaled ? implicit * scale : implicit);
        for (int c = 0; c < cols; c++) {
            dst.setAtIndex(Layouts.I32, c, implicitBits);
        }
        for (int i = 0; i < m; i++) {
            put(dst, columns[i], valueBits[i], scaled, scale);
        }
    }

    /**
     * Writes value {@code valueBits[c]} at column {@code c} for every {@code c < cols}.
     *
     * @param rowScale one f32 per row, or an empty segment when the format stores no scale
     */
    public static void dense(MemorySegment dst, int cols, MemorySegment rowScale, int row, int[] valueBits) {
        boolean scaled = rowScale.byteSize() != 0;
        float scale = scaled ? rowScale.getAtIndex(Layouts.F32, row) : 1f;
        for (int c = 0; c < cols; c++) {
            put(dst, c, valueBits[c], scaled, scale);
        }
    }

    private static void put(MemorySegment dst, int col, int bits, boolean scaled, float scale) {
        if (scaled) {
            dst.setAtIndex(Layouts.F32, col, Float.intBitsToFloat(bits) * scale);
        } else {
            dst.setAtIndex(Layouts.I32, col, bits);
        }
    }
}
