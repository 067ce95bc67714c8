package io.rccs.bench;

/**
 * Writes the bench's {@code message} frames by hand, so each one has the requested size in bytes:
 * {@code {"v":1,"id":..,"type":"message","to":"bench-rx","ts":..,"payload":{"run","s","i","t","pad"}}}.
 * Every field is ASCII without escapes, so characters and bytes are the same count.
 */
final class MessageText {

    private final String runId;
    private final int frameBytes;

    MessageText(String runId, int frameBytes) {
        this.runId = runId;
        this.frameBytes = frameBytes;
    }

    /**
     * @param step               the step index
     * @param message            the message's number within the step (unique per step)
     * @param intendedSinceOrigin its intended send time, in nanoseconds since the run's origin
     */
    String build(int step, int message, long intendedSinceOrigin) {
        StringBuilder text = new StringBuilder(frameBytes + 8);
        text.append("{\"v\":1,\"id\":\"").append(runId).append('-').append(step).append('-').append(message)
                .append("\",\"type\":\"message\",\"to\":\"").append(BenchUser.RECEIVER_DEVICE)
                .append("\",\"ts\":").append(System.currentTimeMillis())
                .append(",\"payload\":{\"run\":\"").append(runId)
                .append("\",\"s\":").append(step)
                .append(",\"i\":").append(message)
                .append(",\"t\":").append(intendedSinceOrigin)
                .append(",\"pad\":\"");
        int closing = 3; // "}}
        for (int i = text.length() + closing; i < frameBytes; i++) {
            text.append('x');
        }
        return text.append("\"}}").toString();
    }
}
