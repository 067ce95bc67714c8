package io.rccs.client;

import java.util.Objects;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.payload.ErrorPayload;

/**
 * The server refused a frame with an {@code error} (SPEC 3.1): {@link #code()} is its wire code,
 * such as {@code forbidden}, {@code not_trusted} or {@code conflict}, and {@link #frame()} the error
 * frame itself ({@code corr} names the refused frame).
 */
public class RccsErrorException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final transient Frame frame;
    private final transient ErrorPayload error;

    public RccsErrorException(String what, Frame frame, ErrorPayload error) {
        super(what + ": " + error.code() + (error.message() == null ? "" : ": " + error.message()));
        this.frame = Objects.requireNonNull(frame, "frame");
        this.error = error;
    }

    /** The error's wire code, such as {@code forbidden}. */
    public String code() {
        return error.code();
    }

    public ErrorPayload error() {
        return error;
    }

    public Frame frame() {
        return frame;
    }
}
