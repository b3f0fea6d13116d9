package dev.tersor.train;

import java.util.SplittableRandom;

/**
 * The order of a training set's examples in each epoch: a permutation drawn from {@code stream + epoch},
 * so any step's batch follows from the seed alone (what makes a resumed run match an uninterrupted
 * one). The current epoch's permutation is kept for its steps.
 */
final class EpochOrder {

    private final int count;
    private final long stream;
    private int epoch = -1;
    private int[] order;

    EpochOrder(int count, long stream) {
        this.count = count;
        this.stream = stream;
    }

    /** The order of the examples in {@code epoch}. */
    int[] of(int epoch) {
        if (epoch != this.epoch) {
            order = Datasets.permutation(count, new SplittableRandom(stream + epoch));
            this.epoch = epoch;
        }
        return order;
    }
}
