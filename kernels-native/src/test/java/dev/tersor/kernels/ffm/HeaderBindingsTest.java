package dev.tersor.kernels.ffm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bindings match {@code tersor_kernels.h}: every declared function has a binding of
 * the same signature and descriptor (and a heap variant when it takes arrays), and no binding is
 * left over. The checker itself is shown to catch each kind of drift on edited copies of the header.
 */
class HeaderBindingsTest {

    private static String header() throws IOException {
        String path = System.getProperty("tersor.native.header", "src/main/c/include/tersor_kernels.h");
        return Files.readString(Path.of(path));
    }

    private static List<String> problems(String header) {
        return HeaderBindings.problems(header, TersorKernels.class, TersorKernels.Heap.class);
    }

    @Test
    void everyDeclaredFunctionHasAMatchingBinding() throws IOException {
        String header = header();
        List<HeaderBindings.CFunction> functions = HeaderBindings.parse(header);
        assertThat(functions).extracting(HeaderBindings.CFunction::name).contains(
                "tersor_abi_version", "tersor_isa", "tersor_isa_paths", "tersor_isa_select",
                "tersor_dense_matmul", "tersor_csr_matmul", "tersor_cer_matmul", "tersor_cser_matmul",
                "tersor_ham_matmul", "tersor_sham_matmul", "tersor_xor_matmul", "tersor_bitpack_matmul");
        assertThat(problems(header)).isEmpty();
    }

    /**
     * The bindings are what {@link BindingsWriter} makes of the header. With
     * {@code -Dtersor.bindings.write=true} the test rewrites them instead (after a header change).
     */
    @Test
    void theBindingsAreWrittenFromTheHeader() throws IOException {
        Path bindings = Path.of("src/main/java/dev/tersor/kernels/ffm/TersorKernels.java");
        String written = BindingsWriter.write(header());
        if (Boolean.getBoolean("tersor.bindings.write")) {
            Files.writeString(bindings, written);
        }
        assertThat(Files.readString(bindings)).as("TersorKernels.java, as BindingsWriter writes it from the header; "
                + "rewrite it with -Dtersor.bindings.write=true").isEqualTo(written);
    }

    @Test
    void parsesTypesAndDropsParameterNames() throws IOException {
        HeaderBindings.CFunction csr = HeaderBindings.parse(header()).stream()
                .filter(f -> f.name().equals("tersor_csr_matmul")).findFirst().orElseThrow();
        assertThat(csr.returnType()).isEqualTo("void");
        assertThat(csr.parameterTypes()).containsExactly("int32_t", "int32_t", "int32_t", "const void *",
                "const void *", "int32_t", "const void *", "int32_t", "const void *", "void *", "int32_t", "int32_t");
        assertThat(csr.takesArrays()).isTrue();
    }

    @Test
    void parsesAFloatParameter() throws IOException {
        HeaderBindings.CFunction sham = HeaderBindings.parse(header()).stream()
                .filter(f -> f.name().equals("tersor_sham_matmul")).findFirst().orElseThrow();
        assertThat(sham.parameterTypes()).hasSize(18).element(8).isEqualTo("float");
        assertThat(sham.takesArrays()).isTrue();
    }

    @Test
    void aChangedParameterTypeIsReported() throws IOException {
        String edited = replaceOnce(header(), "TERSOR_API void tersor_csr_matmul(int32_t rows, int32_t cols, int32_t batch,",
                "TERSOR_API void tersor_csr_matmul(int32_t rows, int32_t cols, int64_t batch,");
        assertThat(problems(edited)).anyMatch(p -> p.startsWith("TersorKernels.tersor_csr_matmul") && p.contains("missing"))
                .anyMatch(p -> p.startsWith("tersor_csr_matmul: descriptor"));
    }

    @Test
    void aChangedReturnTypeIsReported() throws IOException {
        String edited = replaceOnce(header(), "TERSOR_API int32_t tersor_isa_select(", "TERSOR_API void tersor_isa_select(");
        assertThat(problems(edited)).anyMatch(p -> p.contains("tersor_isa_select returns int"));
    }

    @Test
    void aFunctionWithoutBindingIsReported() throws IOException {
        String edited = header().replace("#ifdef __cplusplus\n}",
                "TERSOR_API void tersor_future_matmul(int32_t rows, const void *stream);\n\n#ifdef __cplusplus\n}");
        assertThat(edited).contains("tersor_future_matmul");
        assertThat(problems(edited)).anyMatch(p -> p.startsWith("TersorKernels.tersor_future_matmul") && p.contains("missing"))
                .anyMatch(p -> p.startsWith("Heap.tersor_future_matmul"));
    }

    @Test
    void aBindingWithoutDeclarationIsReported() throws IOException {
        String header = header();
        int start = header.indexOf("TERSOR_API void tersor_cer_matmul(");
        int end = header.indexOf(';', start) + 1;
        String edited = header.substring(0, start) + header.substring(end);
        assertThat(problems(edited)).contains("TersorKernels.tersor_cer_matmul binds nothing the header declares",
                "Heap.tersor_cer_matmul binds nothing the header declares");
    }

    @Test
    void aDifferentAbiVersionIsReported() throws IOException {
        int current = TersorKernels.TERSOR_KERNELS_ABI_VERSION;
        String edited = replaceOnce(header(), "#define TERSOR_KERNELS_ABI_VERSION " + current,
                "#define TERSOR_KERNELS_ABI_VERSION " + (current + 1));
        assertThat(problems(edited)).anyMatch(p -> p.startsWith("the header's ABI version is " + (current + 1)));
    }

    private static String replaceOnce(String text, String target, String replacement) {
        assertThat(text).as("the edit's anchor must exist").contains(target);
        return text.replace(target, replacement);
    }
}
