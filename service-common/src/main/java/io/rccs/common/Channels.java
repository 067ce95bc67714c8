package io.rccs.common;

/** Reactive-messaging channel names the services configure (and their tests reuse). */
public final class Channels {

    /** Outgoing to {@link io.rccs.model.events.Topics#FRAMES_IN} (gateway; the command queue's inbox appends). */
    public static final String FRAMES_IN_OUT = "frames-in-out";
    /** Incoming from {@link io.rccs.model.events.Topics#FRAMES_IN} (relay). */
    public static final String FRAMES_IN = "frames-in";
    /** Outgoing to {@link io.rccs.model.events.Topics#COMMANDS_IN} (gateway). */
    public static final String COMMANDS_IN_OUT = "commands-in-out";
    /** Incoming from {@link io.rccs.model.events.Topics#COMMANDS_IN} (command queue). */
    public static final String COMMANDS_IN = "commands-in";
    /** Outgoing to {@link io.rccs.model.events.Topics#DELIVERIES} (relay, command queue). */
    public static final String DELIVERIES_OUT = "deliveries-out";
    /** Incoming from this gateway's partition of {@link io.rccs.model.events.Topics#DELIVERIES}. */
    public static final String DELIVERIES = "deliveries";
    /** Outgoing to {@link io.rccs.model.events.Topics#DEVICE_EVENTS} (relay). */
    public static final String DEVICE_EVENTS_OUT = "device-events-out";
    /** Incoming from {@link io.rccs.model.events.Topics#DEVICE_EVENTS} (command queue). */
    public static final String DEVICE_EVENTS = "device-events";
    /** Outgoing to {@link io.rccs.model.events.Topics#SESSION_EVENTS} (relay). */
    public static final String SESSION_EVENTS_OUT = "session-events-out";
    /** Incoming from {@link io.rccs.model.events.Topics#SESSION_EVENTS} (the command queue: session owners). */
    public static final String SESSION_EVENTS = "session-events";
    /** Outgoing to {@link io.rccs.model.events.Topics#COMMAND_EVENTS} (command queue). */
    public static final String COMMAND_EVENTS_OUT = "command-events-out";

    /** Outgoing to {@link io.rccs.model.events.Topics#COMMAND_DEAD_LETTERS} (command queue). */
    public static final String COMMAND_DEAD_LETTERS_OUT = "command-dead-letters-out";
    /** Incoming from {@link io.rccs.model.events.Topics#COMMANDS_SUBMIT} (command queue). */
    public static final String COMMANDS_SUBMIT = "commands-submit";

    /** Outgoing to {@link io.rccs.model.events.Topics#DEAD_LETTERS} (every service). */
    public static final String DEAD_LETTERS_OUT = "dead-letters-out";
    /** Incoming from {@link io.rccs.model.events.Topics#DEVICE_EVENTS} for the relay's device cache (a group per instance). */
    public static final String DEVICE_EVENTS_CACHE = "device-events-cache";

    private Channels() {
    }
}
