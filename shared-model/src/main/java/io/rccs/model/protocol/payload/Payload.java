package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.ProtocolException;

/** A typed frame payload. {@link #validate()} rejects what JSON mapping alone lets through. */
public interface Payload {

    /** Checks the fields a client must send; the default accepts anything. */
    default void validate() throws ProtocolException {
    }

    static void require(boolean condition, String message) throws ProtocolException {
        if (!condition) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, message);
        }
    }

    static void requireText(String value, String field, int maxLength) throws ProtocolException {
        require(value != null && !value.isBlank(), "payload." + field + " is required");
        optionalText(value, field, maxLength);
    }

    /**
     * A text that may be absent but, when present, fits its column: at most {@code maxLength}
     * characters and no control characters (PostgreSQL refuses NUL, logs are forged with line breaks).
     */
    static void optionalText(String value, String field, int maxLength) throws ProtocolException {
        if (value == null) {
            return;
        }
        require(value.length() <= maxLength, "payload." + field + " is longer than " + maxLength + " characters");
        require(!hasControlCharacter(value), "payload." + field + " must not contain control characters");
    }

    static boolean hasControlCharacter(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return true;
            }
        }
        return false;
    }
}
