package dev.tersor.format;

import dev.tersor.format.bitpack.BitpackMatrix;
import dev.tersor.format.cer.CerMatrix;
import dev.tersor.format.cser.CserMatrix;
import dev.tersor.format.csr.CsrMatrix;
import dev.tersor.format.dense.DenseMatrix;
import dev.tersor.format.ham.HamMatrix;
import dev.tersor.format.q8.Q8Matrix;
import dev.tersor.format.sham.ShamMatrix;
import dev.tersor.format.xor.XorMatrix;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Every format's row, listed once, in registration order: the built-in formats, then any
 * {@link FormatPlugin} on the class path (a format kept outside this module, or one a test
 * registers).
 */
public final class MatrixFormats {

    private static final List<MatrixFormat> BUILT_IN = List.of(
            DenseMatrix.FORMAT,
            CsrMatrix.FORMAT,
            CerMatrix.FORMAT,
            CserMatrix.FORMAT,
            HamMatrix.FORMAT,
            ShamMatrix.FORMAT,
            XorMatrix.FORMAT,
            BitpackMatrix.FORMAT,
            Q8Matrix.FORMAT);

    private static final List<MatrixFormat> ALL = load();

    private MatrixFormats() {
    }

    public static List<MatrixFormat> all() {
        return ALL;
    }

    /** The format called {@code name}, or an exception listing the known names. */
    public static MatrixFormat named(String name) {
        for (MatrixFormat format : ALL) {
            if (format.name().equals(name)) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown format '" + name + "'; known formats: " + names());
    }

    public static List<String> names() {
        return ALL.stream().map(MatrixFormat::name).toList();
    }

    private static List<MatrixFormat> load() {
        List<MatrixFormat> formats = new ArrayList<>(BUILT_IN);
        for (FormatPlugin plugin : ServiceLoader.load(FormatPlugin.class, MatrixFormats.class.getClassLoader())) {
            formats.add(plugin.format());
        }
        Set<String> names = new HashSet<>();
        for (MatrixFormat format : formats) {
            if (!names.add(format.name())) {
                throw new IllegalStateException("two formats are called '" + format.name() + "'");
            }
        }
        return List.copyOf(formats);
    }
}
