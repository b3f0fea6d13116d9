package dev.tersor.cli;

import dev.tersor.model.Model;
import dev.tersor.model.TsrFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code compress} on the PP-OCR classifier (fetched by the build): a line per layer, a summary, a sound file. */
class CompressCommandTest {

    @Test
    void compressesEveryLayerAndWritesASoundSmallerFile(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("cls.tsr");
        ModelCommandsTest.Result result = ModelCommandsTest.execute("compress", ModelCommandsTest.classifier().toString(),
                "-o", out.toString(), "--quant", "cws:8");
        assertThat(result.code()).as(result.err()).isZero();
        String text = result.out();
        java.util.List<String> lines = text.lines().filter(l -> l.startsWith("[")).toList();
        try (Model m = Model.load(out)) {
            assertThat(lines).hasSize(m.graph().weights().size());
            assertThat(lines).allMatch(l -> l.contains(" cws:8 "));
            assertThat(text).containsPattern("weights \\d+ -> \\d+ bytes \\(x");
        }
        TsrFile.verify(out);
        assertThat(text).contains("no tokenizer found");

        // pin the first layer (by its weight's name) to float32
        String weight = lines.getFirst().substring(lines.getFirst().indexOf("] ") + 2).trim().split("\\s+")[1];
        ModelCommandsTest.Result pinned = ModelCommandsTest.execute("compress", ModelCommandsTest.classifier().toString(),
                "-o", dir.resolve("pinned.tsr").toString(), "--quant", "cws:8", "--pin",
                java.util.regex.Pattern.quote(weight) + "$=float");
        assertThat(pinned.code()).as(pinned.err()).isZero();
        java.util.List<String> pinnedLines = pinned.out().lines().filter(l -> l.startsWith("[")).toList();
        assertThat(pinnedLines.getFirst()).contains(" float ");
        assertThat(pinnedLines.subList(1, pinnedLines.size())).allMatch(l -> l.contains(" cws:8 "));
    }

    @Test
    void badOptionsFailWithAMessage(@TempDir Path dir) {
        ModelCommandsTest.Result result = ModelCommandsTest.execute("compress", ModelCommandsTest.classifier().toString(),
                "-o", dir.resolve("x.tsr").toString(), "--quant", "fp4");
        assertThat(result.code()).isNotZero();
        assertThat(result.err()).contains("unknown quantizer 'fp4'");
    }

    @Test
    void aSearchThatMissesOnHeldOutTextAimsHigherByItsShortfall() {
        assertThat(CompressCommand.nextAim(0.99, 0.99, 0.985)).isCloseTo(0.996, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(CompressCommand.nextAim(0.996, 0.99, 0.9895)).isCloseTo(0.9975, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(CompressCommand.nextAim(0.999, 0.99, 0.95)).isEqualTo(CompressCommand.MAX_AIM);
    }
}
