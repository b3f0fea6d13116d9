package dev.tersor.bench.model;

import java.util.Arrays;
import java.util.List;

/**
 * One of the five forms of all-MiniLM-L6-v2 the model suite compares: three Tersor {@code .tsr} files
 * (the fp32 and int8 ONNX models imported, and the fp32 model under {@code ./tersor compress}'s
 * default preset) and ONNX Runtime on the two ONNX files.
 *
 * @param id      the JMH parameter value
 * @param title   the report's name for it
 * @param exact   whether its weights are the fp32 model's own, so its output must match fp32 to
 *                float rounding; quantized forms only have to stay close
 */
public enum ModelForm {
    TERSOR_FP32("tersor-fp32", "Tersor fp32 (imported)", true),
    TERSOR_INT8("tersor-int8", "Tersor int8 (the -q model imported, integer weights in CSER)", false),
    TERSOR_COMPRESSED("tersor-compressed", "Tersor compressed (default preset)", false),
    ORT_FP32("ort-fp32", "ONNX Runtime fp32", true),
    ORT_INT8("ort-int8", "ONNX Runtime int8", false);

    /** Least cosine of each pooled output to the fp32 reference for a form with the fp32 weights. */
    public static final double EXACT_COSINE = 0.9999;
    /** Least cosine for a quantized form: far above what a broken kernel or a wrong layer gives. */
    public static final double QUANTIZED_COSINE = 0.97;

    private final String id;
    private final String title;
    private final boolean exact;

    ModelForm(String id, String title, boolean exact) {
        this.id = id;
        this.title = title;
        this.exact = exact;
    }

    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    public boolean isOnnxRuntime() {
        return this == ORT_FP32 || this == ORT_INT8;
    }

    /** The least cosine its pooled outputs must reach against the reference before it is timed. */
    public double minCosine() {
        return exact || this == TERSOR_COMPRESSED ? EXACT_COSINE : QUANTIZED_COSINE;
    }

    /**
     * The reference this form is checked against, so that each check compares two independent
     * implementations: ONNX Runtime fp32 for the imported forms and ONNX Runtime int8, Tersor fp32 for
     * ONNX Runtime fp32, and for the compressed form the same file run by the scalar reference kernels
     * under the same execution policy (int8 activations included). Its distance to fp32 belongs to the compression, not the runtime, and on the suite's
     * synthetic token ids it is larger than on real text; {@code eval-embed} measures it on real
     * sentences (docs/compression-frontier.md).
     */
    public ModelForm reference() {
        return switch (this) {
            case ORT_FP32 -> TERSOR_FP32;
            case TERSOR_COMPRESSED -> TERSOR_COMPRESSED;
            default -> ORT_FP32;
        };
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(ModelForm::id).toList();
    }

    public static ModelForm of(String id) {
        for (ModelForm form : values()) {
            if (form.id.equals(id)) {
                return form;
            }
        }
        throw new IllegalArgumentException("unknown model form '" + id + "'; known: " + ids());
    }
}
