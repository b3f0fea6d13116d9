package dev.tersor.format.xor;

import dev.tersor.format.OffHeap;
import dev.tersor.format.huffman.BitWriter;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.xor.RiceMask;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The pruning mask of the XOR-encrypted format, stored apart from the encrypted planes and
 * compressed (Decision 6; the paper does not say how it stores the mask, methods brief §4.2).
 *
 * <p>Representation: per row, the gaps between consecutive kept ("care") columns, Golomb–Rice
 * coded with one parameter {@code k} for the matrix ({@link RiceMask} gives the bit format), in a
 * u32 MSB-first stream with the start bit of every row in {@code maskRowBit[rows+1]}.
 *
 * <p>Why: magnitude pruning leaves care positions close to a Bernoulli process, whose gaps are
 * geometric, and Golomb codes are the optimal prefix codes for geometric sources; Rice codes are the
 * power-of-two Golomb codes, decoded with a leading-zero count and a shift. At 91 % pruning the
 * best {@code k} is 3 and the expected cost is about 4.89 bits per kept weight, 0.44 bits per
 * weight, against the entropy bound {@code H(0.09)} = 0.436 bits per weight and the 1 bit per
 * weight of a plain bitmap. The gaps also give the kernel the kept columns directly, so a product
 * visits only kept weights. {@code k} is chosen by computing the exact total for every candidate.
 * Row offsets let threads start at any row.
 */
final class EncodedMask {

    final MemorySegment words;
    final IndexArray rowBit;
    final int riceBits;

    private EncodedMask(MemorySegment words, IndexArray rowBit, int riceBits) {
        this.words = words;
        this.rowBit = rowBit;
        this.riceBits = riceBits;
    }

    /** Care columns of each row, ascending. */
    interface CareColumns {
        /** Writes row r's care columns to {@code out} and returns how many. */
        int row(int r, int[] out);
    }

    static EncodedMask encode(Arena arena, int rows, int cols, CareColumns care) {
        int[] columns = new int[cols];
        long[] gapCounts = new long[Math.max(1, cols)];
        for (int r = 0; r < rows; r++) {
            int m = care.row(r, columns);
            int previous = -1;
            for (int i = 0; i < m; i++) {
                gapCounts[columns[i] - previous - 1]++;
                previous = columns[i];
            }
        }
        int riceBits = 0;
        long best = Long.MAX_VALUE;
        for (int k = 0; k <= RiceMask.MAX_RICE_BITS; k++) {
            long bits = 0;
            for (int g = 0; g < gapCounts.length; g++) {
                bits += gapCounts[g] * ((g >>> k) + 1 + k);
            }
            if (bits < best) {
                best = bits;
                riceBits = k;
            }
        }
        if (best > IndexWidth.U32.maxValue()) {
            throw new IllegalArgumentException("the pruning mask needs " + best + " bits, beyond the u32 offset limit");
        }
        BitWriter writer = new BitWriter();
        IndexArray rowBit = OffHeap.indices(arena, rows + 1L, best);
        for (int r = 0; r < rows; r++) {
            rowBit.width().set(rowBit.segment(), r, (int) writer.position());
            int m = care.row(r, columns);
            int previous = -1;
            for (int i = 0; i < m; i++) {
                int gap = columns[i] - previous - 1;
                writer.zeros(gap >>> riceBits);
                writer.write(1, 1);
                writer.write(gap & ((1 << riceBits) - 1), riceBits);
                previous = columns[i];
            }
        }
        rowBit.width().set(rowBit.segment(), rows, (int) writer.position());
        assert writer.position() == best;
        return new EncodedMask(writer.toSegment(arena), rowBit, riceBits);
    }

    /** Wraps validated arrays. */
    static EncodedMask of(MemorySegment words, IndexArray rowBit, int riceBits) {
        return new EncodedMask(words, rowBit, riceBits);
    }

    /** Bits of the stream, without the last word's padding. */
    long bits() {
        return Integer.toUnsignedLong(rowBit.get(rowBit.length() - 1));
    }

    /** Bytes of the mask's arrays. */
    long byteSize() {
        return words.byteSize() + rowBit.byteSize();
    }
}
