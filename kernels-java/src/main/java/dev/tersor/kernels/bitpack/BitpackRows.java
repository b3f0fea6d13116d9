package dev.tersor.kernels.bitpack;

/**
 * Where the values of a bit-packed row live. A row of {@code n} values, each a {@code B}-bit two's
 * complement integer, is cut into blocks of {@value #BLOCK} values (the last block may be shorter).
 * Inside a block of {@code m} values the values are dealt round-robin to {@value #LANES} lanes:
 * value {@code 8t + l} is the t-th value of lane {@code l}. Each lane packs its
 * {@code P = ⌈m/8⌉} values least significant bit first into {@code W = ⌈P·B/32⌉} u32 words, and the
 * lanes are interleaved word by word: word {@code k} of lane {@code l} is word {@code 8k + l} of the
 * block. Positions past the end of a short block are zero.
 *
 * <p>Why this layout: one 8-lane vector load at word {@code 8k} of a block holds word {@code k} of
 * every lane, so shifting all lanes by the same amount unpacks 8 consecutive values at once, with no
 * gather and no shuffle (the "vertical" layout of SIMD bit-packing). Values {@code 8t .. 8t+7} come
 * out in order and meet 8 consecutive inputs. The layout depends only on {@code B} and the row
 * length, never on the machine's vector width.
 */
public final class BitpackRows {

    /** Lanes a block is dealt to. */
    public static final int LANES = 8;
    /** Values per full block: 32 per lane, so a full lane fills exactly B words. */
    public static final int BLOCK = 32 * LANES;
    /** Widest value, in bits. */
    public static final int MAX_BITS = 16;

    private BitpackRows() {
    }

    /** Words per lane of a block holding {@code m} values of {@code bits} bits. */
    public static int laneWords(int m, int bits) {
        int positions = (m + LANES - 1) / LANES;
        return (positions * bits + 31) >>> 5;
    }

    /** u32 words of a whole row of {@code cols} values of {@code bits} bits. */
    public static long rowWords(int cols, int bits) {
        if (bits == 0) {
            return 0;
        }
        long full = cols / BLOCK;
        int rest = cols % BLOCK;
        return full * LANES * bits + (long) LANES * laneWords(rest, bits);
    }

    /** Word (relative to the row) holding the first bit of value {@code j}. */
    public static long wordOf(int j, int bits) {
        int block = j / BLOCK;
        int t = (j % BLOCK) / LANES;
        int lane = j % LANES;
        long blockStart = (long) block * LANES * bits;
        return blockStart + (long) LANES * ((t * bits) >>> 5) + lane;
    }

    /** Bit position of value {@code j} inside its first word. */
    public static int shiftOf(int j, int bits) {
        int t = (j % BLOCK) / LANES;
        return (t * bits) & 31;
    }

    /** Sign-extends the low {@code bits} bits of {@code v}. */
    public static int signExtend(int v, int bits) {
        return (v << (32 - bits)) >> (32 - bits);
    }
}
