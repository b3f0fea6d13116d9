package dev.tersor.cli;

import dev.tersor.embed.InvalidTokenizerException;
import dev.tersor.embed.StoredTokenizer;
import dev.tersor.embed.Tokenizer;
import dev.tersor.graph.ModelException;
import dev.tersor.model.TsrFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Checks a {@code .tsr} file completely: exit 0 if sound, 1 with the first problem otherwise. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check a .tsr file: structure, bounds, every checksum, every weight's format invariants, the graph.")
final class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.tsr", description = "The file to check.")
    Path model;

    @Override
    public Integer call() {
        Arguments.inputFile("model", model);
        try {
            if (!startsLikeSafetensors(model)) {
                throw new IllegalArgumentException(model + " is not a .tsr file: it does not start with a safetensors header"
                        + " (an ONNX model becomes one with tersor import)");
            }
            TsrFile.Report r = TsrFile.verify(model);
            // The stored tokenizer decides every embedding: it must build, as embed will build it.
            try {
                String tokenizer = StoredTokenizer.json(r.metadata());
                if (tokenizer != null) {
                    Tokenizer.fromJson(tokenizer.getBytes(StandardCharsets.UTF_8)).close();
                }
            } catch (InvalidTokenizerException e) {
                throw new InvalidTokenizerException(model + ": the stored tokenizer: " + e.getMessage(), e);
            }
            spec.commandLine().getOut().printf("%s: ok (container version %d, %d nodes, %d constants, %d weights of %d bytes, "
                    + "file %d bytes)%n", model, r.version(), r.nodes(), r.constants(), r.weights(), r.weightBytes(), r.fileBytes());
            return 0;
        } catch (ModelException e) {
            throw new IllegalArgumentException(model + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A little-endian header length, then the header's opening brace: what every .tsr begins with. */
    private static boolean startsLikeSafetensors(Path file) throws IOException {
        byte[] start = new byte[9];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(start, 0, start.length) < start.length) {
                return false;
            }
        }
        return start[8] == '{';
    }
}
