package dev.tersor.kernels.xor;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;

/**
 * Reads the pruning mask of the XOR-encrypted format: per row, the gaps between its care (kept)
 * columns, Golomb–Rice coded with one parameter {@code k} for the whole matrix, MSB-first in u32
 * words. A care column {@code c} after the previous one {@code p} (−1 before the first) has gap
 * {@code g = c − p − 1}, written as {@code g >>> k} zero bits, a one bit, then the low {@code k} bits
 * of {@code g}. A row's codes run from its start bit to the next row's; nothing marks the end of a
 * row but that offset.
 *
 * <p>Unary runs are read a 64-bit window at a time with {@code numberOfLeadingZeros}, never bit by
 * bit. Reading is safe on any input: it stops at the row's end offset and reports malformed rows.
 */
public final class RiceMask {

    /** Largest Rice parameter. */
    public static final int MAX_RICE_BITS = 30;

    private RiceMask() {
    }

    /**
     * Decodes the care columns of the row coded in bits {@code [start, end)} into {@code out} and
     * returns how many there are, or −1 if the codes are malformed: a code runs past {@code end},
     * or a column reaches {@code cols}. {@code out} needs room for {@code cols} columns.
     */
    public static int columns(MemorySegment mask, long start, long end, int riceBits, int cols, int[] out) {
        long words = mask.byteSize() >>> 2;
        long pos = start;
        long col = -1;
        int m = 0;
        // A left-aligned buffer of n ≥ 32 valid bits serves codes that fit in it; a unary run longer
        // than the buffer (a gap of more than about 2^k·30 columns) goes through the window path.
        long w = start >>> 5;
        long buf = peek(mask, words, start);
        int n = 64 - (int) (start & 31);
        w += 2;
        while (pos < end) {
            if (n < 32) {
                buf |= word(mask, words, w++) << (32 - n);
                n += 32;
            }
            int zeros = Long.numberOfLeadingZeros(buf);
            long gap;
            int length = zeros + 1 + riceBits;
            if (length <= n && length < 64) {
                long remainder = riceBits == 0 ? 0 : (buf << (zeros + 1)) >>> (64 - riceBits);
                gap = (long) zeros << riceBits | remainder;
                buf <<= length;
                n -= length;
                pos += length;
            } else {
                long quotient = 0;
                while (true) {
                    long window = peek(mask, words, pos);
                    int run = Long.numberOfLeadingZeros(window);
                    quotient += run;
                    pos += run;
                    if (run < 64) {
                        break;
                    }
                    if (pos >= end) {
                        return -1;
                    }
                }
                pos++; // the terminating one bit
                long remainder = riceBits == 0 ? 0 : peek(mask, words, pos) >>> (64 - riceBits);
                pos += riceBits;
                if (quotient > cols) {
                    return -1;
                }
                gap = quotient << riceBits | remainder;
                w = pos >>> 5;
                buf = peek(mask, words, pos);
                n = 64 - (int) (pos & 31);
                w += 2;
            }
            if (pos > end) {
                return -1;
            }
            col += gap + 1;
            if (col >= cols) {
                return -1;
            }
            out[m++] = (int) col;
        }
        return pos == end ? m : -1;
    }

    /** 64 bits of the stream from bit {@code pos}, MSB-first; zeros past the end. */
    static long peek(MemorySegment mask, long words, long pos) {
        long w = pos >>> 5;
        int skip = (int) (pos & 31);
        long hi = word(mask, words, w) << 32 | word(mask, words, w + 1);
        if (skip == 0) {
            return hi;
        }
        return hi << skip | word(mask, words, w + 2) >>> (32 - skip);
    }

    private static long word(MemorySegment mask, long words, long index) {
        return index < words ? mask.getAtIndex(Layouts.I32, index) & 0xFFFF_FFFFL : 0L;
    }
}
