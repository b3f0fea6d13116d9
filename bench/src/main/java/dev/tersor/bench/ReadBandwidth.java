package dev.tersor.bench;

import dev.tersor.kernels.Parallelism;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The memory roofline's denominator: a streaming Vector API sum over a buffer far larger than the
 * last-level cache, the cheapest way to read every byte once. Threads split the buffer into equal
 * ranges on the same pool the kernels use.
 */
public final class ReadBandwidth {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int UNROLL = 4;

    private ReadBandwidth() {
    }

    /**
     * The sum of every float in {@code buffer} (its size a multiple of 4 bytes), read on
     * {@code parallelism}'s threads.
     */
    public static float sum(MemorySegment buffer, Parallelism parallelism) {
        long floats = buffer.byteSize() / 4;
        int parts = parallelism.threads();
        float[] partial = new float[parts];
        long chunk = (floats + parts - 1) / parts;
        parallelism.forEachRange(parts, part -> part * chunk, (start, end) -> {
            for (int part = start; part < end; part++) {
                long from = Math.min(floats, part * chunk);
                long to = Math.min(floats, from + chunk);
                partial[part] = sum(buffer, from, to);
            }
        });
        float total = 0;
        for (float p : partial) {
            total += p;
        }
        return total;
    }

    /** The sum of floats {@code [from, to)} of {@code buffer}, with four independent vector accumulators. */
    static float sum(MemorySegment buffer, long from, long to) {
        int lanes = F.length();
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        long i = from;
        long step = (long) lanes * UNROLL;
        for (; i + step <= to; i += step) {
            long offset = 4 * i;
            a0 = a0.add(FloatVector.fromMemorySegment(F, buffer, offset, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(F, buffer, offset + 4L * lanes, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(F, buffer, offset + 8L * lanes, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(F, buffer, offset + 12L * lanes, ByteOrder.LITTLE_ENDIAN));
        }
        float total = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            total += buffer.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
        }
        return total;
    }
}
