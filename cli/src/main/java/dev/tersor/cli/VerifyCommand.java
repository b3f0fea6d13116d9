package dev.tersor.cli;

import dev.tersor.model.TsrFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
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
        try {
            TsrFile.Report r = TsrFile.verify(model);
            spec.commandLine().getOut().printf("%s: ok (container version %d, %d nodes, %d constants, %d weights of %d bytes, "
                    + "file %d bytes)%n", model, r.version(), r.nodes(), r.constants(), r.weights(), r.weightBytes(), r.fileBytes());
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
