package dev.tersor.kernels.arrays;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.xor.RiceMask;
import dev.tersor.kernels.xor.XorNetwork;

import java.lang.foreign.MemorySegment;

/**
 * XOR-encrypted: {@code planes} bit-planes of the care entries' codebook indices, N_in =
 * {@code wordBits}-bit encrypted words expanding to N_out = {@code sliceBits}-bit slices through the
 * network whose byte tables are {@code decodeTable} (i64), patches per row, the pruning mask
 * Rice-coded; layout in {@link dev.tersor.kernels.xor.XorRows}.
 */
public record XorArrays(int rows, int cols, int planes, int wordBits, int sliceBits, MemorySegment decodeTable,
                        MemorySegment words, MemorySegment omega, IndexArray patchPtr, IndexArray patches,
                        MemorySegment mask, IndexArray maskRowBit, int riceBits, MemorySegment rowScale)
        implements WeightArrays {

    public XorArrays {
        Checks.shape(rows, cols);
        if (planes < 0 || planes > 24) {
            throw new IllegalArgumentException("planes must be 0..24, got " + planes);
        }
        XorNetwork.checkShape(wordBits, sliceBits);
        if (riceBits < 0 || riceBits > RiceMask.MAX_RICE_BITS) {
            throw new IllegalArgumentException("riceBits must be 0.." + RiceMask.MAX_RICE_BITS + ", got " + riceBits);
        }
        Checks.requireBytes("decodeTable", decodeTable, 8L * 256 * XorNetwork.tables(wordBits));
        long slices = ((long) cols + sliceBits - 1) / sliceBits;
        long wordBytes = 8 * ((Math.multiplyExact((long) rows * planes * slices, (long) wordBits) + 63) / 64);
        Checks.requireBytes("words", words, wordBytes);
        Checks.requireBytes("omega", omega, 4L * (planes == 0 ? 1 : 2 + (1L << (planes - 1))));
        Checks.requireLength("patches", patches, Checks.pointerEnd("patchPtr", patchPtr, rows));
        Checks.requireBytes("mask", mask, (Checks.pointerEnd("maskRowBit", maskRowBit, rows) + 7) / 8);
        Checks.rowScale(rows, rowScale);
        rowScale = Checks.noScales(rowScale);
    }

    @Override
    public boolean onHeap() {
        return !decodeTable.isNative() || !words.isNative() || !omega.isNative() || !patchPtr.segment().isNative()
                || !patches.segment().isNative() || !mask.isNative() || !maskRowBit.segment().isNative()
                || !rowScale.isNative();
    }
}
