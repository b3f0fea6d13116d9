package dev.tersor.format.bitpack;

import dev.tersor.kernels.bitpack.BitpackRows;

/**
 * A row's exact bit-packed representation, if it has one: every value an integer {@code q} of at
 * most {@value BitpackRows#MAX_BITS} bits (two's complement) times {@code 2^e}. The exponent is the
 * smallest power of two among the values' lowest set bits, so {@code q} is as small as possible and
 * {@code B} is the fewest bits that hold every {@code q}. A row of zeros has {@code B = 0}.
 *
 * <p>Zeros keep their sign: a row whose zeros are all −0.0 (what a negative per-row scale makes of
 * a zero code) takes the scale {@code −2^e}, and its integers are the values divided by that. A row
 * holding both +0.0 and −0.0 cannot be represented.
 *
 * @param bits     B, 0 to 16, or −1 if the row cannot be represented
 * @param exponent e, with {@code 2^e} a float ({@code −149 ≤ e ≤ 127})
 * @param negative whether the scale is {@code −2^e}
 */
record RowFormat(int bits, int exponent, boolean negative) {

    static final RowFormat UNREPRESENTABLE = new RowFormat(-1, 0, false);

    boolean representable() {
        return bits >= 0;
    }

    /** The exact format of a row of float bit patterns. */
    static RowFormat of(int[] valueBits, int n) {
        int exponent = Integer.MAX_VALUE;
        boolean positiveZero = false;
        boolean negativeZero = false;
        for (int i = 0; i < n; i++) {
            int v = valueBits[i];
            if (v == 0 || v == 0x8000_0000) {
                positiveZero |= v == 0;
                negativeZero |= v != 0;
                continue;
            }
            int biased = (v >>> 23) & 0xFF;
            int mantissa = v & 0x7F_FFFF;
            if (biased == 0xFF) {
                return UNREPRESENTABLE; // NaN and infinities are no integer times a power of two
            }
            exponent = Math.min(exponent, lowestBitExponent(biased, mantissa));
        }
        if (positiveZero && negativeZero) {
            return UNREPRESENTABLE;
        }
        if (exponent == Integer.MAX_VALUE) {
            return new RowFormat(0, 0, negativeZero);
        }
        int bits = 1;
        for (int i = 0; i < n; i++) {
            long q = integer(valueBits[i], exponent, negativeZero);
            if (q < -(1L << (BitpackRows.MAX_BITS - 1)) || q >= 1L << (BitpackRows.MAX_BITS - 1)) {
                return UNREPRESENTABLE;
            }
            bits = Math.max(bits, bitsFor((int) q));
        }
        return new RowFormat(bits, exponent, negativeZero);
    }

    /** k such that the value is an odd integer times 2^k. */
    private static int lowestBitExponent(int biased, int mantissa) {
        if (biased == 0) {
            return -149 + Integer.numberOfTrailingZeros(mantissa);
        }
        int significand = mantissa | 0x80_0000;
        return biased - 150 + Integer.numberOfTrailingZeros(significand);
    }

    /** The row's scale, {@code ±2^e}. */
    float scale() {
        float scale = Math.scalb(1f, exponent);
        return negative ? -scale : scale;
    }

    /**
     * The value divided by {@code ±2^exponent}, exactly, or a magnitude beyond 16 bits when the
     * quotient would be too large to matter.
     */
    static long integer(int valueBits, int exponent, boolean negative) {
        if ((valueBits & 0x7FFF_FFFF) == 0) {
            return 0;
        }
        int biased = (valueBits >>> 23) & 0xFF;
        int mantissa = valueBits & 0x7F_FFFF;
        long significand = biased == 0 ? mantissa : mantissa | 0x80_0000;
        int k = biased == 0 ? -149 : biased - 150; // value = significand · 2^k
        int shift = k - exponent;
        long magnitude;
        if (shift >= 0) {
            magnitude = shift > 40 ? Long.MAX_VALUE / 4 : significand << shift;
        } else {
            magnitude = significand >> -shift;
        }
        return (valueBits < 0) != negative ? -magnitude : magnitude;
    }

    /** Fewest two's-complement bits holding {@code q}. */
    static int bitsFor(int q) {
        return 33 - Integer.numberOfLeadingZeros(q ^ (q >> 31));
    }
}
