package dev.tersor.bench;

import java.util.List;

/**
 * Extra benchmark matrices found through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.tersor.bench.MatrixCaseProvider}).
 *
 * <p>This is where the "real" preset plugs in: MiniLM's own FFN weights under the default
 * compression preset, once the ONNX importer and the quantizer can produce them. A provider returns
 * one case per layer, with {@link MatrixCase#preset()} {@code "real"}; the suite plans, runs and
 * reports them like the synthetic ones, with no other change.
 */
public interface MatrixCaseProvider {

    List<MatrixCase> cases();
}
