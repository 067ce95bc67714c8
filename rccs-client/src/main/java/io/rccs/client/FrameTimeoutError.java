package io.rccs.client;

/**
 * No frame matching what a caller waited for arrived in time (or the connection closed first).
 * An {@link AssertionError}, so a test that waits for a frame fails with this message; the message
 * lists the frames received so far.
 */
public class FrameTimeoutError extends AssertionError {

    private static final long serialVersionUID = 1L;

    public FrameTimeoutError(String message) {
        super(message);
    }
}
