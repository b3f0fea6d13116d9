package dev.tersor.model;

import dev.tersor.format.MatrixStatistics;

/**
 * Relative time of one matrix-vector product in a given format, from the matrix's statistics: what
 * {@link ExecutionPolicy#FASTEST} minimizes. The seam where a cost model measured on the machine
 * plugs in; {@link #ruleOfThumb()} is the documented default until one exists.
 */
@FunctionalInterface
public interface FormatCostModel {

    /** Cost (arbitrary units, comparable between formats for the same matrix) of one product in {@code format}. */
    double cost(String format, MatrixStatistics stats);

    /**
     * Per-element weights read off the kernels' inner loops, not measured: a streamed dense
     * multiply-add is 1; a gathered CSR entry (index load plus indirect x load) 2; a CER/CSER entry
     * (gather-add) 1.5 plus 2 per group (group multiply and pointer loads); a bit-packed entry 1.5
     * (unpack); a Huffman-coded entry 4 (table decode), sHAM 5 per stored entry; an XOR-coded entry 6
     * (plane reconstruction). Rows add 1 each for the sparse layouts. Unknown formats count 4 per entry.
     */
    static FormatCostModel ruleOfThumb() {
        return (format, s) -> {
            double entries = s.entries();
            double nonZeros = entries - s.zeros();
            return switch (format) {
                case "dense" -> entries;
                case "csr" -> 2 * nonZeros + s.rows();
                case "cer", "cser" -> 1.5 * s.explicitEntries() + 2 * s.groups() + s.rows();
                case "bitpack" -> 1.5 * entries;
                case "ham" -> 4 * entries;
                case "sham" -> 5 * s.explicitEntries() + s.rows();
                case "xor" -> 6 * entries;
                default -> 4 * entries;
            };
        };
    }
}
