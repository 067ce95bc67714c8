package io.rccs.bench;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.SessionOpen;
import io.rccs.model.protocol.payload.SessionRef;
import io.rccs.model.protocol.payload.SessionsQuery;
import io.rccs.model.protocol.payload.StateGet;
import io.rccs.model.protocol.payload.StatePatch;

/**
 * One bench user of {@code sessions}: two desktops able to own the session ({@code roo.task@1}), one
 * on each gateway, and a phone that follows it; all three trusted (the first desktop registers first
 * and pairs the others). The user's work session is opened by desktop A, grown to the document size
 * and joined by desktop B and the phone, so all three get every version. Each device's frames are
 * routed here: inbox frames acknowledged, {@code handoff.*} to the {@link HandoffLoop}, {@code state}
 * to the {@link FanoutTracker} and, for both parts, every version to the device's {@link VersionOrder}.
 */
final class SessionUser {

    static final String CAPABILITY = "roo.task@1";
    static final int DESKTOP_A = 0;
    static final int DESKTOP_B = 1;
    static final int PHONE = 2;
    static final List<DevicePlan> PLANS = List.of(
            new DevicePlan("bench-desktop-a", "bench desktop A", "desktop", List.of(CAPABILITY), 0),
            new DevicePlan("bench-desktop-b", "bench desktop B", "desktop", List.of(CAPABILITY), 1),
            new DevicePlan("bench-phone", "bench phone", "mobile", List.of("notify"), 1));
    /** How the devices are named in the report, by index. */
    static final String[] DEVICE_NAMES = {"desktop A", "desktop B", "phone"};
    /** How the devices are named in sessions.json, by index. */
    static final String[] DEVICE_KEYS = {"desktopA", "desktopB", "phone"};

    /** A session as {@code state.get} tells it. */
    record Snapshot(String owner, long version) {
    }

    final String name;
    private final RunTracker run;
    private final SessionDevice[] devices = new SessionDevice[PLANS.size()];
    private final AtomicLong nextBase = new AtomicLong();
    private volatile String session;
    private volatile AccessToken token;
    private volatile VersionOrder[] versions;
    private volatile HandoffTracker handoffs;
    private volatile HandoffLoop loop;
    private volatile FanoutTracker fanout;
    private volatile int patcher = DESKTOP_A;

    SessionUser(String name, RunTracker run, ScheduledExecutorService timer) {
        this.name = name;
        this.run = run;
        for (int i = 0; i < devices.length; i++) {
            devices[i] = new SessionDevice(PLANS.get(i), timer);
        }
    }

    static String nameOf(int number) {
        return String.format("bench-session-%02d", number);
    }

    /** Connects the three devices with a fresh token, trusted (paired if need be); desktop A first. */
    void connect(DeviceConnector connector) {
        close();
        UserDevices.Connected connected = connector.connectTrusted(name, PLANS, plan -> {
            int index = PLANS.indexOf(plan);
            return (socket, frame, receivedNanos) -> onFrame(index, socket, frame, receivedNanos);
        });
        token = connected.token();
        for (int i = 0; i < devices.length; i++) {
            devices[i].attach(connected.sockets().get(i));
        }
    }

    /** True when a socket has closed or the token will expire before {@code until}. */
    boolean needsReconnect(Instant until) {
        if (token == null || token.expiresBefore(until)) {
            return true;
        }
        for (SessionDevice device : devices) {
            if (!device.isOpen()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Closes what an earlier, interrupted run left open (a user may have 100 open sessions), then opens
     * this run's session on desktop A, grows its document to {@code documentBytes} and has desktop B and
     * the phone join it.
     *
     * @return how many leftover sessions were closed
     */
    int openSession(int documentBytes) {
        int closed = closeLeftovers();
        SessionDevice owner = devices[DESKTOP_A];
        JsonNode opened = owner.expect(FrameType.SESSION_OPEN, new SessionOpen("bench-sessions " + run.runId,
                SessionDocument.initial(), List.of(CAPABILITY), false, null), FrameType.STATE, "session.open").path("payload");
        String id = opened.path("session").asText();
        long version = opened.path("version").asLong();
        for (ArrayNode ops : SessionDocument.growth(documentBytes)) {
            JsonNode grown = owner.expect(FrameType.STATE_PATCH, new StatePatch(id, version, ops), FrameType.STATE,
                    "growing the document (state.patch at version " + version + ")");
            version = grown.path("payload").path("version").asLong();
        }
        session = id;
        for (int follower : new int[] {DESKTOP_B, PHONE}) {
            devices[follower].expect(FrameType.SESSION_JOIN, new SessionRef(id), FrameType.STATE, "session.join");
        }
        return closed;
    }

    /** The session's owner and version now ({@code state.get}). */
    Snapshot snapshot() {
        JsonNode state = devices[DESKTOP_A].expect(FrameType.STATE_GET, new StateGet(session), FrameType.STATE, "state.get")
                .path("payload");
        return new Snapshot(state.path("owner").asText(), state.path("version").asLong());
    }

    /** Prepares this user's closed handoff loop from the session as it is now; every version counts from here. */
    HandoffLoop beginHandoffs(int rate, HandoffTracker tracker, ScheduledExecutorService timer) {
        Snapshot now = snapshot();
        versions = newVersionOrders(now.version());
        handoffs = tracker;
        HandoffLoop started = new HandoffLoop(devices, session, desktopIndex(now.owner()), now.version(), rate, tracker, timer);
        loop = started;
        return started;
    }

    /**
     * After the handoff part: what each device received of the versions it made. The followers' last
     * {@code handoff.done} may still be on its way, so this waits for it up to {@code deadlineNanos}
     * before the loop stops listening.
     */
    VersionOrder.Counts[] endHandoffs(long deadlineNanos) {
        VersionOrder.Counts[] counts = versionCounts(deadlineNanos);
        HandoffLoop ended = loop;
        if (ended != null) {
            ended.abandon();
        }
        handoffs = null;
        loop = null;
        return counts;
    }

    /** Prepares the fan-out part: the current owner patches, from the current version; every version counts from here. */
    void beginFanout(FanoutTracker tracker) {
        Snapshot now = snapshot();
        patcher = desktopIndex(now.owner());
        nextBase.set(now.version());
        versions = newVersionOrders(now.version());
        fanout = tracker;
    }

    /** Sends patch {@code k} from the owner, at the version it expects the session to be at (it is the only writer). */
    void patch(int k, long intendedSinceOrigin, SendChain.Outcome outcome) {
        long base = nextBase.getAndIncrement();
        devices[patcher].send(SessionFrames.tickPatch(run.runId, session, base, k, intendedSinceOrigin), null, outcome);
    }

    /** After the fan-out part: what each device received of the versions the patches made, by role ({@link FanoutTracker}). */
    VersionOrder.Counts[] endFanout(long deadlineNanos) {
        fanout = null;
        VersionOrder.Counts[] byDevice = versionCounts(deadlineNanos);
        VersionOrder.Counts[] byRole = new VersionOrder.Counts[FanoutTracker.ROLES];
        for (int device = 0; device < byDevice.length; device++) {
            byRole[roleOf(device)] = byDevice[device];
        }
        return byRole;
    }

    /** The device in each fan-out role: the patcher, the other desktop, the phone. */
    int roleOf(int device) {
        if (device == PHONE) {
            return FanoutTracker.PHONE;
        }
        return device == patcher ? FanoutTracker.OWNER : FanoutTracker.OTHER_DESKTOP;
    }

    /** Closes the session (its owner must), so bench runs do not pile up open sessions; best effort. */
    void closeSession() {
        String id = session;
        if (id == null) {
            return;
        }
        try {
            SessionDevice owner = devices[desktopIndex(snapshot().owner())];
            JsonNode answer = owner.ask(FrameType.SESSION_CLOSE, new SessionRef(id), "session.close");
            if (FrameType.ERROR.wire().equals(answer.path("type").asText())) {
                System.err.printf("[bench] %s: session.close of %s refused: %s%n", name, id, answer.path("payload"));
            }
        } catch (BenchException e) {
            System.err.printf("[bench] %s: could not close session %s: %s%n", name, id, e.getMessage());
        }
    }

    String session() {
        return session;
    }

    void flushAcks() {
        for (SessionDevice device : devices) {
            device.flushAcks();
        }
    }

    /** Frames waiting in the pacers and sockets: a growing number means the client cannot keep up. */
    int queuedFrames() {
        int queued = 0;
        for (SessionDevice device : devices) {
            queued += device.queuedFrames();
        }
        return queued;
    }

    void close() {
        for (SessionDevice device : devices) {
            device.close();
        }
    }

    private int closeLeftovers() {
        JsonNode listed = devices[DESKTOP_A].expect(FrameType.SESSION_LIST, new SessionsQuery(false), FrameType.SESSIONS,
                "session.list");
        int closed = 0;
        for (JsonNode info : listed.path("payload").path("sessions")) {
            if (!"open".equals(info.path("status").asText("open"))) {
                continue;
            }
            String owner = info.path("owner").asText();
            for (SessionDevice device : devices) {
                if (device.id().equals(owner)) {
                    device.ask(FrameType.SESSION_CLOSE, new SessionRef(info.path("session").asText()), "closing a leftover session");
                    closed++;
                }
            }
        }
        return closed;
    }

    private void onFrame(int device, FrameSocket socket, JsonNode frame, long receivedNanos) {
        devices[device].acknowledge(socket, frame);
        String type = frame.path("type").asText();
        JsonNode payload = frame.path("payload");
        if (FrameType.ERROR.wire().equals(type)) {
            onError(frame);
            return;
        }
        boolean isState = FrameType.STATE.wire().equals(type);
        boolean isOffer = FrameType.HANDOFF_OFFER.wire().equals(type);
        boolean isDone = FrameType.HANDOFF_DONE.wire().equals(type);
        if (!isState && !isOffer && !isDone) {
            return; // presence, pong and the like say nothing about the benchmark
        }
        if (session == null || !session.equals(payload.path("session").asText())) {
            run.onForeign(); // an earlier run's session, replayed from the inbox after the welcome
            return;
        }
        VersionOrder[] order = versions;
        if (isState) {
            if (order != null) {
                order[device].record(payload.path("version").asLong());
            }
            FanoutTracker tracker = fanout;
            JsonNode tick = SessionFrames.tickOf(payload);
            if (tracker != null && !tick.isMissingNode()) {
                tracker.onReceipt(roleOf(device), tick, receivedNanos);
            }
            return;
        }
        HandoffLoop current = loop;
        if (isOffer) {
            if (current != null) {
                current.onOffer(device, payload);
            }
            return;
        }
        if (payload.path("accepted").asBoolean(false) && order != null) {
            order[device].record(payload.path("version").asLong());
        }
        if (current != null) {
            current.onDone(device, payload, receivedNanos);
        }
    }

    private void onError(JsonNode frame) {
        String corr = frame.path("corr").asText(null);
        JsonNode error = frame.path("payload");
        String code = error.path("code").asText("unknown");
        FanoutTracker patches = fanout;
        int k = SessionFrames.patchNumber(run.runId, corr);
        if (k >= 0 && patches != null) {
            if (ErrorCode.CONFLICT.wire().equals(code) && error.path("details").path("version").canConvertToLong()) {
                // someone else changed the session: patch on from the version it is at
                nextBase.set(error.path("details").path("version").asLong());
            }
            patches.onRefused(k, code);
            return;
        }
        HandoffLoop current = loop;
        if (current != null && current.onError(corr, code)) {
            return;
        }
        HandoffTracker handoffTracker = handoffs;
        if (patches != null) {
            patches.step.onError(code);
        } else if (handoffTracker != null) {
            handoffTracker.onError(handoffTracker.measuring(), code);
        } else {
            run.onError(code);
        }
    }

    /** Each device's counts through the session's version now, once every device has it all or the deadline passed. */
    private VersionOrder.Counts[] versionCounts(long deadlineNanos) {
        VersionOrder[] order = versions;
        VersionOrder.Counts[] counts = new VersionOrder.Counts[devices.length];
        if (order == null) {
            Arrays.fill(counts, VersionOrder.Counts.NONE);
            return counts;
        }
        long through = snapshot().version();
        CommandFlush.waitUntil(() -> Arrays.stream(order).allMatch(device -> device.counts(through).missing() == 0), deadlineNanos);
        for (int i = 0; i < counts.length; i++) {
            counts[i] = order[i].counts(through);
        }
        return counts;
    }

    private VersionOrder[] newVersionOrders(long after) {
        VersionOrder[] order = new VersionOrder[devices.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = new VersionOrder(after);
        }
        return order;
    }

    /** The desktop with this device id; desktop A for anything else (the session is opened there). */
    private int desktopIndex(String deviceId) {
        return devices[DESKTOP_B].id().equals(deviceId) ? DESKTOP_B : DESKTOP_A;
    }
}
