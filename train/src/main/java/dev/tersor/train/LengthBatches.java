package dev.tersor.train;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;

/**
 * An epoch's sentences in batches of similar lengths. A batch of sequences is padded to its longest
 * one, so batches drawn at random from broad text spend much of their work on padding. Here the
 * epoch's random order ({@link EpochOrder}) is cut into windows of {@link #WINDOW} batches, each
 * window sorted by length and cut into batches, and the epoch's batches are shuffled. Like
 * {@link EpochOrder}, any step's batch follows from the seed alone, so resumed runs match.
 */
final class LengthBatches {

    /** Batches per window: wide enough to find similar lengths, narrow enough to keep batches varied. */
    static final int WINDOW = 64;

    private final int[] lengths;
    private final int batch;
    private final long stream;
    private final EpochOrder epochs;
    private int epoch = -1;
    private int[] ordered;

    /**
     * @param lengths each sentence's length in tokens
     * @param batch   sentences per batch
     */
    LengthBatches(int[] lengths, int batch, long stream) {
        if (batch < 1 || lengths.length < batch) {
            throw new IllegalArgumentException(lengths.length + " sentences cannot fill a batch of " + batch);
        }
        this.lengths = lengths.clone();
        this.batch = batch;
        this.stream = stream;
        this.epochs = new EpochOrder(lengths.length, stream);
    }

    /** Full batches in an epoch (the remainder of the random order waits for the next epoch). */
    int batchesPerEpoch() {
        return lengths.length / batch;
    }

    /** The sentences of {@code epoch}, batch after batch: batch k is entries {@code [k·batch, (k+1)·batch)}. */
    int[] of(int epoch) {
        if (epoch != this.epoch) {
            ordered = order(epoch);
            this.epoch = epoch;
        }
        return ordered;
    }

    private int[] order(int epoch) {
        int[] random = epochs.of(epoch);
        int batches = batchesPerEpoch();
        Integer[] used = new Integer[batches * batch];
        for (int i = 0; i < used.length; i++) {
            used[i] = random[i];
        }
        int window = WINDOW * batch;
        for (int from = 0; from < used.length; from += window) {
            // stable: equal lengths keep their random order
            Arrays.sort(used, from, Math.min(used.length, from + window), Comparator.comparingInt(i -> lengths[i]));
        }
        int[] batchOrder = Datasets.permutation(batches, new SplittableRandom(~stream + epoch));
        int[] out = new int[used.length];
        for (int k = 0; k < batches; k++) {
            for (int j = 0; j < batch; j++) {
                out[k * batch + j] = used[batchOrder[k] * batch + j];
            }
        }
        return out;
    }
}
