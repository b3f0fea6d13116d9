package dev.tersor.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static dev.tersor.cli.MatrixCommandTest.parseArray;
import static dev.tersor.cli.MatrixCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code tersor matrix} with the entropy-coded and bit-level formats, {@code --format} and {@code --bits}. */
class EntropyFormatsCommandTest {

    @Test
    void xorAloneReportsItsFiguresAtThePaperDensity() throws IOException {
        MatrixCommandTest.Run run = run("matrix", "--rows", "512", "--cols", "4096", "--density", "0.09", "--values", "2",
                "--format", "xor", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<Map<String, Object>> rows = parseArray(run.out());
        assertThat(rows).hasSize(1);
        Map<String, Object> xor = rows.getFirst();
        assertThat(xor.get("format")).isEqualTo("xor");
        assertThat(xor.get("roundTrip")).isEqualTo(true);
        assertThat((Double) xor.get("bitsPerWeightNoMask")).isLessThanOrEqualTo(0.30);
        assertThat((Double) xor.get("patchRate")).isBetween(0.0, 0.1);
        assertThat(xor.get("planes")).isEqualTo(1.0);
    }

    @Test
    void xorWordAndSliceWidthsCanBeForced() throws IOException {
        MatrixCommandTest.Run run = run("matrix", "--rows", "64", "--cols", "1000", "--density", "0.2", "--values", "4",
                "--format", "xor", "--xor-in", "7", "--xor-out", "40", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, Object> xor = parseArray(run.out()).getFirst();
        assertThat(xor.get("wordBits")).isEqualTo(7.0);
        assertThat(xor.get("sliceBits")).isEqualTo(40.0);
        assertThat(xor.get("roundTrip")).isEqualTo(true);
    }

    @Test
    void shamIsSmallerThanCserAndItsStreamWithinOneBitOfTheEntropy() throws IOException {
        MatrixCommandTest.Run run = run("matrix", "--rows", "1024", "--cols", "1024", "--density", "0.1", "--values", "16",
                "--distribution", "peaked", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<Map<String, Object>> rows = parseArray(run.out());
        Map<String, Object> sham = find(rows, "sham");
        Map<String, Object> cser = find(rows, "cser");
        assertThat((Long) sham.get("bytes")).isLessThan((Long) cser.get("bytes"));
        double bits = (Double) sham.get("streamBitsPerNonZero");
        double entropy = (Double) sham.get("nonZeroEntropy");
        assertThat(bits).isGreaterThanOrEqualTo(entropy - 1e-3).isLessThan(entropy + 1);
        assertThat(rows).extracting(r -> r.get("format")).contains("ham", "sham", "xor", "bitpack");
    }

    @Test
    void bitsRequantizesAndUnrepresentableFormatsAreReportedNotFailed() throws IOException {
        MatrixCommandTest.Run run = run("matrix", "--rows", "100", "--cols", "300", "--density", "0.2", "--values", "16",
                "--bits", "2", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<Map<String, Object>> rows = parseArray(run.out());
        assertThat(find(rows, "xor").get("planes")).isEqualTo(2.0);
        // levels −0.5, −1/6, 1/6, 0.5 are no integers times a power of two
        assertThat(find(rows, "bitpack")).containsEntry("accepted", false).doesNotContainKey("roundTrip");
        MatrixCommandTest.Run table = run("matrix", "--rows", "100", "--cols", "300", "--density", "0.2", "--values", "16",
                "--bits", "2");
        assertThat(table.out()).contains("requantized to 2^2 levels").containsPattern("(?m)^bitpack +cannot represent");
    }

    @Test
    void anUnknownFormatIsAnErrorNamingTheKnownOnes() {
        MatrixCommandTest.Run run = run("matrix", "--rows", "4", "--cols", "4", "--density", "0.5", "--values", "3",
                "--format", "nope");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("unknown format 'nope'").contains("ham", "sham", "xor", "bitpack");
    }

    private static Map<String, Object> find(List<Map<String, Object>> rows, String format) {
        return rows.stream().filter(r -> format.equals(r.get("format"))).findFirst().orElseThrow();
    }
}
