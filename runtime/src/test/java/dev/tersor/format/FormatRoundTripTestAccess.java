package dev.tersor.format;

/** The bit-exact comparison of {@link FormatRoundTripTest}, for tests in format packages. */
public final class FormatRoundTripTestAccess {

    private FormatRoundTripTestAccess() {
    }

    public static void assertSameBits(String what, float[] expected, float[] actual) {
        FormatRoundTripTest.assertSameBits(what, expected, actual);
    }
}
