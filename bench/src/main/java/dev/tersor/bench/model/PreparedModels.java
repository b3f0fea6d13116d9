package dev.tersor.bench.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tersor.bench.MatrixCases;
import dev.tersor.bench.RealCases;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.Execution;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.format.cser.CserMatrix;
import dev.tersor.graph.compile.WeightEncoder;
import dev.tersor.model.ImportOptions;
import dev.tersor.model.Model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files the model suite's trials load, made once per run before JMH starts, in a process of
 * their own so no trial's memory figures carry the work: the three Tersor {@code .tsr} files, and the
 * pooled outputs of ONNX Runtime fp32 and Tersor fp32 on every workload, which each trial checks its
 * own output against. {@value #MANIFEST} records what was made, and why a form could not be.
 *
 * <p>The ONNX models come from the build's model cache ({@code -Dtersor.models.dir}, default
 * {@code .cache/models}, filled by {@code mvn -pl runtime -am verify}).
 */
public final class PreparedModels {

    public static final String MANIFEST = "prepared.json";
    /** System property: the folder the runner prepared, passed to every fork. */
    public static final String PROPERTY = "tersor.bench.models";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What was prepared.
     *
     * @param files       form id to the file its trials load
     * @param unavailable form id to the reason it could not be prepared
     * @param compressor  what made the compressed form, or empty
     * @param layouts     Tersor form id to the formats of its weight matrices, e.g. {@code "cser ×36, dense ×3"}
     * @param references  reference form id, then workload id, to pooled outputs {@code [batch][width]}
     */
    public record Manifest(Map<String, String> files, Map<String, String> unavailable, String compressor,
                           Map<String, String> layouts, Map<String, Map<String, float[][]>> references) {

        public Path file(ModelForm form, Path dir) {
            String name = files.get(form.id());
            if (name == null) {
                throw new FormUnavailableException(form.id() + " is not available: "
                        + unavailable.getOrDefault(form.id(), "it was not prepared"));
            }
            return dir.resolve(name);
        }

        public float[][] reference(ModelForm form, ModelWorkload workload) {
            float[][] pooled = references.getOrDefault(form.id(), Map.of()).get(workload.id());
            if (pooled == null) {
                throw new IllegalStateException("no " + form.id() + " reference for " + workload.id()
                        + " was prepared");
            }
            return pooled;
        }
    }

    /**
     * How the int8 form is imported: the int8 model's integer weights (lossless codebook matrices of
     * its exact values) in CSER, the codebook format with a fast kernel on every provider; its float
     * weights dense. The default import would decode the integers to dense float32 and throw away
     * what int8 is for.
     */
    static final WeightEncoder INT8_ENCODER = new WeightEncoder() {
        private final WeightEncoder dense = WeightEncoder.dense();
        private final WeightEncoder cser = WeightEncoder.of(CserMatrix.FORMAT);

        @Override
        public WeightMatrix encode(String name, DenseMatrixView weights) {
            return dense.encode(name, weights);
        }

        @Override
        public WeightMatrix encode(String name, QuantizedMatrix weights) {
            return cser.encode(name, weights);
        }
    };

    private PreparedModels() {
    }

    public static Path modelsDir() {
        return Path.of(System.getProperty("tersor.models.dir", ".cache/models"));
    }

    public static Path fp32Onnx() {
        return existing(modelsDir().resolve("all-minilm-l6-v2/all-minilm-l6-v2.onnx"));
    }

    public static Path int8Onnx() {
        return existing(modelsDir().resolve("all-minilm-l6-v2-q/all-minilm-l6-v2-q.onnx"));
    }

    private static Path existing(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " is missing: the build fetches it (mvn -pl runtime -am verify), "
                    + "or set -Dtersor.models.dir to a folder that holds it");
        }
        return path;
    }

    /** Prepares every form and the references for {@code workloads} into {@code dir}; returns the manifest. */
    public static Manifest prepare(Path dir, List<ModelWorkload> workloads, List<ModelCompressor> compressors)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, String> files = new LinkedHashMap<>();
        Map<String, String> unavailable = new LinkedHashMap<>();
        Path fp32 = fp32Onnx();
        Path int8 = int8Onnx();
        importTsr(fp32, dir.resolve("minilm-fp32.tsr"), ImportOptions.defaults());
        files.put(ModelForm.TERSOR_FP32.id(), "minilm-fp32.tsr");
        importTsr(int8, dir.resolve("minilm-int8.tsr"), new ImportOptions(INT8_ENCODER));
        files.put(ModelForm.TERSOR_INT8.id(), "minilm-int8.tsr");
        String compressor = "";
        if (compressors.isEmpty()) {
            unavailable.put(ModelForm.TERSOR_COMPRESSED.id(), "no ModelCompressor on the class path: this build has "
                    + "no compression pipeline (./tersor compress) to make it");
        } else {
            ModelCompressor c = compressors.getFirst();
            compressor = c.describe();
            Path out = dir.resolve("minilm-compressed.tsr");
            c.compress(fp32, out);
            files.put(ModelForm.TERSOR_COMPRESSED.id(), out.getFileName().toString());
            writeRealCases(dir, c);
        }
        Map<String, String> layouts = new LinkedHashMap<>();
        for (ModelForm form : List.of(ModelForm.TERSOR_FP32, ModelForm.TERSOR_INT8, ModelForm.TERSOR_COMPRESSED)) {
            if (files.containsKey(form.id())) {
                try (Model model = Model.load(dir.resolve(files.get(form.id())))) {
                    layouts.put(form.id(), layouts(model));
                }
            }
        }
        files.put(ModelForm.ORT_FP32.id(), fp32.toAbsolutePath().toString());
        files.put(ModelForm.ORT_INT8.id(), int8.toAbsolutePath().toString());

        Map<String, Map<String, float[][]>> references = new LinkedHashMap<>();
        for (ModelForm reference : List.of(ModelForm.ORT_FP32, ModelForm.TERSOR_FP32)) {
            Path file = reference.isOnnxRuntime() ? fp32 : dir.resolve(files.get(reference.id()));
            Map<String, float[][]> byWorkload = new LinkedHashMap<>();
            for (ModelWorkload workload : workloads) {
                try (LoadedForm form = LoadedForm.open(reference, file, workload, 1)) {
                    byWorkload.put(workload.id(), form.pooled());
                }
            }
            references.put(reference.id(), byWorkload);
        }
        if (files.containsKey(ModelForm.TERSOR_COMPRESSED.id())) {
            Path file = dir.resolve(files.get(ModelForm.TERSOR_COMPRESSED.id()));
            Map<String, float[][]> byWorkload = new LinkedHashMap<>();
            for (ModelWorkload workload : workloads) {
                try (LoadedForm form = LoadedForm.openScalarReference(file, workload)) {
                    byWorkload.put(workload.id(), form.pooled());
                }
            }
            references.put(ModelForm.TERSOR_COMPRESSED.id(), byWorkload);
        }
        Manifest manifest = new Manifest(files, unavailable, compressor, layouts, references);
        JSON.writeValue(dir.resolve(MANIFEST).toFile(), manifest);
        return manifest;
    }

    /**
     * Writes the <em>real</em> matrix cases ({@link dev.tersor.bench.RealCases}): the default preset's
     * quantized weights of the fp32 model, one file per layer taken.
     */
    public static void writeRealCases(Path dir, ModelCompressor compressor) throws IOException {
        Files.createDirectories(dir);
        Map<String, QuantizedMatrix> weights = compressor.quantizedWeights(fp32Onnx());
        for (MatrixCases.Shape layer : RealCases.LAYERS) {
            QuantizedMatrix q = RealCases.pick(weights, layer);
            if (q == null) {
                throw new IllegalStateException(compressor.describe() + " gave no weight of shape [" + layer.rows()
                        + ", " + layer.cols() + "] for the real case " + layer.name());
            }
            QuantizedFiles.write(q, RealCases.file(dir, layer.name()));
        }
    }

    /** {@code "cser ×36, dense ×3"}: how many weight matrices of the model are in each format. */
    static String layouts(Model model) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (WeightMatrix w : model.graph().weights().values()) {
            counts.merge(w.formatName(), 1, Integer::sum);
        }
        return String.join(", ", counts.entrySet().stream().map(e -> e.getKey() + " ×" + e.getValue()).toList());
    }

    private static void importTsr(Path onnx, Path tsr, ImportOptions options) throws IOException {
        Path partial = tsr.resolveSibling(tsr.getFileName() + ".partial");
        try (Model model = Model.importOnnx(onnx, options, Execution.defaults())) {
            model.save(partial);
        }
        Files.move(partial, tsr, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static Manifest read(Path dir) {
        try {
            return JSON.readValue(dir.resolve(MANIFEST).toFile(), Manifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the prepared models in " + dir
                    + " (./tersor bench prepares them before the model suite runs)", e);
        }
    }

    /** The folder named by {@value #PROPERTY}, which every model trial needs. */
    public static Path dirFromProperty() {
        String dir = System.getProperty(PROPERTY);
        if (dir == null || dir.isBlank()) {
            throw new IllegalStateException(PROPERTY + " is not set: the model suite runs through ./tersor bench, "
                    + "or prepare a folder with java … " + PreparedModels.class.getName() + " DIR and pass -D"
                    + PROPERTY + "=DIR");
        }
        return Path.of(dir);
    }

    /** Deletes the prepared {@code .tsr} files, keeping the manifest. */
    public static void deleteModelFiles(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".tsr")).toList()) {
                Files.delete(f);
            }
        }
    }

    /** {@code java … PreparedModels DIR [WORKLOAD…]}: what the runner starts before the model suite. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: PreparedModels DIR [b1-t11 …]");
            System.exit(2);
        }
        List<ModelWorkload> workloads = args.length == 1 ? ModelWorkload.ALL
                : java.util.Arrays.stream(args, 1, args.length).map(ModelWorkload::parse).toList();
        Manifest m = prepare(Path.of(args[0]), workloads, ModelCompressor.available());
        System.out.println("prepared " + m.files().keySet() + (m.unavailable().isEmpty() ? ""
                : "; unavailable: " + m.unavailable()));
    }
}
