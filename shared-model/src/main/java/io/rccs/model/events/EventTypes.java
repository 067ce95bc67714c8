package io.rccs.model.events;

/** CloudEvents {@code type} values. Consumers switch on these; new types may be added, never renamed. */
public final class EventTypes {

    /** {@link Topics#FRAMES_IN}: a client sent a frame ({@link InboundFrame}). */
    public static final String FRAME_RECEIVED = "io.rccs.frame.received.v1";
    /** {@link Topics#FRAMES_IN}: a device's connection closed ({@link ConnectionClosed}). */
    public static final String CONNECTION_CLOSED = "io.rccs.connection.closed.v1";
    /** {@link Topics#DELIVERIES}: a frame for one device ({@link Delivery}). */
    public static final String DELIVERY = "io.rccs.delivery.v1";
    /** {@link Topics#DEVICE_EVENTS}: a device was registered ({@link DeviceEvent}). */
    public static final String DEVICE_REGISTERED = "io.rccs.device.registered.v1";
    /** {@link Topics#DEVICE_EVENTS}: a device is online and has been welcomed ({@link DeviceEvent}). */
    public static final String DEVICE_ONLINE = "io.rccs.device.online.v1";
    /** {@link Topics#DEVICE_EVENTS}: a device went offline ({@link DeviceEvent}). */
    public static final String DEVICE_OFFLINE = "io.rccs.device.offline.v1";
    /** {@link Topics#DEVICE_EVENTS}: a pending device was approved and is trusted now ({@link DeviceEvent}). */
    public static final String DEVICE_PAIRED = "io.rccs.device.paired.v1";
    /** {@link Topics#DEVICE_EVENTS}: a pending device's pairing was denied; it stays pending ({@link DeviceEvent}). */
    public static final String DEVICE_DENIED = "io.rccs.device.denied.v1";
    /** {@link Topics#DEVICE_EVENTS}: a device was revoked: credential void, inbox dropped ({@link DeviceEvent}). */
    public static final String DEVICE_REVOKED = "io.rccs.device.revoked.v1";
    /** {@link Topics#DEVICE_EVENTS}: a device was given a new name ({@link DeviceEvent}). */
    public static final String DEVICE_RENAMED = "io.rccs.device.renamed.v1";
    /** {@link Topics#COMMAND_EVENTS}: a command changed status ({@link CommandEvent}). */
    public static final String COMMAND_STATUS = "io.rccs.command.status.v1";

    /**
     * {@link Topics#COMMAND_DEAD_LETTERS}: a command became a dead letter, EXPIRED or DEAD
     * ({@link CommandEvent}, its status says which).
     */
    public static final String COMMAND_DEAD_LETTERED = "io.rccs.command.dead-lettered.v1";
    /** {@link Topics#COMMANDS_SUBMIT}: a backend submits a command in a user's name ({@link CommandSubmitRequest}). */
    public static final String COMMAND_SUBMIT = "io.rccs.command.submit.v1";
    /**
     * {@link Topics#FRAMES_IN}: a service puts a server frame in a device's inbox ({@link InboxAppend}),
     * to be delivered with a {@code seq} like a message, kept until the device acknowledges it.
     */
    public static final String INBOX_APPEND = "io.rccs.inbox.append.v1";

    /** {@link Topics#SESSION_EVENTS}: a work session was opened ({@link SessionEvent}, version 1). */
    public static final String SESSION_OPENED = "io.rccs.session.opened.v1";
    /** {@link Topics#SESSION_EVENTS}: a session's document changed ({@link SessionEvent} with the ops). */
    public static final String SESSION_STATE_CHANGED = "io.rccs.session.state-changed.v1";
    /** {@link Topics#SESSION_EVENTS}: the owner handed the session to another device ({@link SessionEvent}). */
    public static final String SESSION_HANDED_OFF = "io.rccs.session.handed-off.v1";
    /** {@link Topics#SESSION_EVENTS}: the owner was gone past the grace period; another device owns it ({@link SessionEvent}). */
    public static final String SESSION_FAILED_OVER = "io.rccs.session.failed-over.v1";
    /** {@link Topics#SESSION_EVENTS}: the owner closed the session ({@link SessionEvent}). */
    public static final String SESSION_CLOSED = "io.rccs.session.closed.v1";

    /** {@link Topics#DEAD_LETTERS}: a record no consumer can process ({@link DeadLetter}). */
    public static final String DEAD_LETTER = "io.rccs.dead-letter.v1";

    private EventTypes() {
    }
}
