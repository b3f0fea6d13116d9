package dev.tersor.format;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The formats on the class path, in their registration order. */
public final class MatrixFormats {

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
        List<MatrixFormat> formats = new ArrayList<>();
        for (MatrixFormat format : ServiceLoader.load(MatrixFormat.class, MatrixFormats.class.getClassLoader())) {
            formats.add(format);
        }
        return List.copyOf(formats);
    }
}
