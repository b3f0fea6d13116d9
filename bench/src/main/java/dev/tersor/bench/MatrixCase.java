package dev.tersor.bench;

import dev.tersor.format.QuantizedMatrix;

/**
 * One weight matrix the benchmarks run on: a layer's shape under one statistics preset. Cases are
 * named {@code shape@preset}, e.g. {@code vgg16-fc6@deep-compression}, and always produce the same
 * matrix, so that every fork of every run measures identical data.
 */
public interface MatrixCase {

    /** {@code shape@preset}; the JMH parameter value. */
    default String id() {
        return shape() + "@" + preset();
    }

    /** The layer, e.g. {@code vgg16-fc6}. */
    String shape();

    /** The statistics preset, e.g. {@code deep-compression}. */
    String preset();

    int rows();

    int cols();

    /** Intended fraction of non-zero entries (the measured one is in each trial record). */
    double density();

    /** Number of distinct non-zero values K. */
    int distinctValues();

    /** One line on where the matrix comes from, for the report. */
    String description();

    /** The matrix. Called once per trial; deterministic. */
    QuantizedMatrix load();
}
