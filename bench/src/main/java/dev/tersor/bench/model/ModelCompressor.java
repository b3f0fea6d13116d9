package dev.tersor.bench.model;

import dev.tersor.format.QuantizedMatrix;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Makes the model suite's compressed form: the fp32 model under the default preset of
 * {@code ./tersor compress}, written as a {@code .tsr}. Found through {@link ServiceLoader}
 * ({@code META-INF/services/dev.tersor.bench.model.ModelCompressor}), so the bench module does not
 * depend on the compression pipeline: the module that owns the {@code compress} command registers
 * one. Without one, the compressed form's trials are recorded as skipped with that reason; no other
 * form stands in for it.
 */
public interface ModelCompressor {

    /** What the report says produced the form, e.g. {@code "./tersor compress, default preset (…)"}. */
    String describe();

    /** Compresses {@code onnx} and writes the result to {@code tsr}. */
    void compress(Path onnx, Path tsr) throws IOException;

    /**
     * The quantized weight matrices the default preset makes of {@code onnx}, {@code [out, in]}, by
     * weight name in the model's weight order, before any format is chosen: the matrix suite's
     * <em>real</em> preset encodes them in every format.
     */
    Map<String, QuantizedMatrix> quantizedWeights(Path onnx) throws IOException;

    /** The compressors on the class path, in service order. */
    static List<ModelCompressor> available() {
        return ServiceLoader.load(ModelCompressor.class, ModelCompressor.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get).toList();
    }
}
