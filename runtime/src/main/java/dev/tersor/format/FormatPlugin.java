package dev.tersor.format;

/**
 * A format kept outside this module, found through {@link java.util.ServiceLoader} (a line in
 * {@code META-INF/services/dev.tersor.format.FormatPlugin}); the built-in formats are listed in
 * {@link MatrixFormats} instead. The plugin's row must carry every fact a built-in row does.
 */
@FunctionalInterface
public interface FormatPlugin {

    MatrixFormat format();
}
