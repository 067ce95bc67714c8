package io.rccs.client;

import java.net.URI;
import java.util.Locale;

import io.rccs.model.protocol.payload.PairCode;

/** Pairing codes as people handle them: typed, pasted or scanned as {@code rccs://pair?code=...}. */
public final class Pairing {

    private Pairing() {
    }

    /**
     * The code in what a person entered: the code itself (in any case, with spaces or dashes
     * grouping it) or the URI a QR code carries ({@link PairCode#uriOf}).
     *
     * @throws IllegalArgumentException when there is no code in it
     */
    public static String codeOf(String typedOrUri) {
        if (typedOrUri == null || typedOrUri.isBlank()) {
            throw new IllegalArgumentException("no pairing code given");
        }
        String text = typedOrUri.strip();
        if (text.regionMatches(true, 0, "rccs:", 0, 5)) {
            text = codeInUri(text);
        }
        // the code alphabet has neither dashes nor lower case: both can only come from a person
        String code = text.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
        if (code.isEmpty() || !code.chars().allMatch(c -> (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
            throw new IllegalArgumentException("not a pairing code: " + typedOrUri);
        }
        return code;
    }

    private static String codeInUri(String text) {
        String query;
        try {
            query = URI.create(text).getQuery();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a pairing URI: " + text, e);
        }
        if (query != null) {
            for (String parameter : query.split("&")) {
                if (parameter.startsWith("code=")) {
                    return parameter.substring("code=".length());
                }
            }
        }
        throw new IllegalArgumentException("no code in the pairing URI " + text);
    }
}
