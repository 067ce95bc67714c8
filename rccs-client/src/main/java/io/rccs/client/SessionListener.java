package io.rccs.client;

import io.rccs.model.protocol.payload.HandoffDone;
import io.rccs.model.protocol.payload.HandoffOffer;

/**
 * Hears about the work sessions a device follows ({@link WorkSessions}). Called on the device's
 * event thread, one frame at a time, after the replica took the frame; should return quickly. A
 * listener that throws is logged and does not stop the others. Each event is told once, even when
 * the server sends its frame twice (an accept sent again is answered again).
 */
public interface SessionListener {

    /**
     * A replica changed: a new version, or the whole session read again. A snapshot with status
     * {@code closed} is the last one of its session: the replica is dropped after this call.
     */
    default void onState(SessionSnapshot session) {
    }

    /** Another device offers this one a session: answer with {@link WorkSessions#acceptHandoff} or {@link WorkSessions#rejectHandoff}. */
    default void onOffer(HandoffOffer offer) {
    }

    /**
     * A handoff ended: accepted (ownership moved, reason {@code handoff} or {@code failover}) or not
     * (reason {@code rejected}, {@code timeout}, {@code superseded}).
     */
    default void onHandoffDone(HandoffDone done) {
    }
}
