package io.rccs.queue.outbox;

import java.util.UUID;

/**
 * One record to publish once the transaction that wrote it has committed.
 *
 * @param kind      {@link #DEVICE_FRAME} (to the device wherever it is connected), {@link #INBOX} (an
 *                  {@code inbox.append} event for the relay), {@link #EVENT} (rccs.command.events) or
 *                  {@link #DEAD_LETTER} (rccs.command.dead-letters)
 * @param userId    the user it concerns
 * @param target    the device id ({@link #DEVICE_FRAME}) or the record key (the others)
 * @param payload   the frame's or the CloudEvent's JSON
 * @param commandId the command it announces: entries of one command are published in id order
 */
public record Announcement(String kind, String userId, String target, String payload, UUID commandId) {

    public static final String DEVICE_FRAME = "frame";
    public static final String INBOX = "inbox";
    public static final String EVENT = "event";
    public static final String DEAD_LETTER = "dead";
}
