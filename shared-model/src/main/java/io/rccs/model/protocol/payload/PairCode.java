package io.rccs.model.protocol.payload;

/**
 * {@code pair.code}: a single-use pairing code, when it expires (epoch ms), and the same code as a
 * URI a QR code can carry ({@code rccs://pair?code=...}).
 */
public record PairCode(String code, long expiresAt, String uri) implements Payload {

    /** The URI form of a pairing code. */
    public static String uriOf(String code) {
        return "rccs://pair?code=" + code;
    }
}
