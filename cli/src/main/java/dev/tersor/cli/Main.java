package dev.tersor.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Locale;
import java.util.Properties;

/** The {@code tersor} command line. Run it through the {@code ./tersor} launcher, which sets the JVM flags. */
@Command(name = "tersor",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Inference runtime for compressed neural networks.",
        subcommands = {MatrixCommand.class, ImportCommand.class, RunCommand.class, InspectCommand.class, VerifyCommand.class,
                InfoCommand.class, EmbedCommand.class, ServeCommand.class, EvalEmbedCommand.class, SelfCompressCommand.class, ShareWeightsCommand.class, DistillCommand.class, SparkEmbedCommand.class, SparkEvalEmbedCommand.class, CompressCommand.class, DemoCommand.class, BenchCommand.class, SoakCommand.class, TestCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // One-line log records; must be set before java.util.logging formats anything.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "[%4$s] %5$s%6$s%n");
        }
        // DJL's tokenizer logs through SLF4J; without this SLF4J warns on stderr that it has no provider.
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "WARN");
            }
        }
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        // Option values may be subcommand names: `bench --suite model` names a suite, not `bench model`.
        commandLine.setAllowSubcommandsAsOptionParameters(true);
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            cmd.getErr().println("tersor: " + describe(e));
            if (Boolean.getBoolean("tersor.debug")) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return commandLine;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * One line for a failed command, in words: file-system exceptions carry only a path or a
     * platform phrase as their message, so they are said again with both.
     */
    static String describe(Throwable e) {
        Throwable cause = e;
        while (cause instanceof UncheckedIOException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return switch (cause) {
            case NoSuchFileException f -> f.getFile() + " does not exist";
            case AccessDeniedException f -> f.getFile() + ": permission denied";
            case FileSystemException f when f.getFile() != null -> f.getFile()
                    + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "")
                    + ": " + (f.getReason() == null ? "cannot be read or written" : f.getReason().toLowerCase(Locale.ROOT));
            case CharacterCodingException c -> "a text input is not UTF-8";
            default -> cause.getMessage() != null && !cause.getMessage().isBlank() ? cause.getMessage()
                    : cause.getClass().getSimpleName();
        };
    }

    /** The version the build wrote into {@code version.properties}. */
    public static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"tersor " + version()};
        }
    }
}
