package dev.tersor.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks of command-line arguments, made before any work starts, each failing with one line that
 * names the option and what it accepts.
 */
final class Arguments {

    private Arguments() {
    }

    static int inRange(String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** {@code value} in {@code [min, max]}, or {@code [min, max)} when {@code maxExclusive}; NaN never passes. */
    static double inRange(String option, double value, double min, double max, boolean maxExclusive) {
        if (!(value >= min && (maxExclusive ? value < max : value <= max))) {
            throw new IllegalArgumentException(option + " must be in [" + number(min) + ", " + number(max) + (maxExclusive ? ")" : "]")
                    + ", got " + value);
        }
        return value;
    }

    /** An input file that exists and is not a directory. */
    static Path inputFile(String what, Path path) {
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException(what + " " + path + " is a directory, not a file");
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(what + " " + path + " does not exist");
        }
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException(what + " " + path + " is not readable");
        }
        return path;
    }

    /** A file to be written: not a directory, in a folder that exists, and not the same file as {@code input}. */
    static Path outputFile(String option, Path path, Path input) {
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException(option + " " + path + " is a directory; name the file to write");
        }
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(option + " " + path + ": the folder " + parent + " does not exist");
        }
        if (input != null && path.toAbsolutePath().normalize().equals(input.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException(option + " " + path + " is the input itself; write to another file");
        }
        return path;
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
