package io.rccs.bench;

/** Somewhere to hand a frame's text: a device's socket ({@link FrameSocket}) or what paces it ({@link PacedSender}). */
@FunctionalInterface
interface FrameSink {

    /** Must not block; {@code outcome} (may be null) is told whether the frame reached the socket. */
    void send(String text, SendChain.Outcome outcome);
}
