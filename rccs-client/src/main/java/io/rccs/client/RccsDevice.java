package io.rccs.client;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Ack;
import io.rccs.model.protocol.payload.AuthRefresh;
import io.rccs.model.protocol.payload.AuthRefreshed;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.model.protocol.payload.PairClaim;
import io.rccs.model.protocol.payload.PairCode;
import io.rccs.model.protocol.payload.PairDecision;
import io.rccs.model.protocol.payload.PairResult;
import io.rccs.model.protocol.payload.PairStart;
import io.rccs.model.protocol.payload.Reconnect;
import io.rccs.model.protocol.payload.Welcome;

/**
 * A resilient device session: stays connected to one of several gateways, resumes where it left
 * off, and hands the application every frame from its inbox (every frame with a {@code seq}: the
 * {@code message}s, and the {@code command.status} frames of the commands it submitted) exactly
 * once, in {@code seq} order (SPEC 3.2, 3.3). Build one with {@link #builder}.
 *
 * <ul>
 *   <li>Connects to the gateways in turn (the next one after every failure, lost connection or
 *       {@code reconnect} frame), with exponential backoff and jitter capped at
 *       {@link Builder#maxBackoff}. A gateway that drains sends {@code reconnect {afterMs}}: the
 *       device stops sending there, acknowledges what it handed over, and leaves after
 *       {@code afterMs} plus a little jitter (20 s at most), resuming elsewhere as after any drop.</li>
 *   <li>Keeps its token alive: a connection is opened with the current token while it is valid for
 *       longer than the renewal margin, else with a new one from the supplier. Before the current
 *       token expires, the device sends a new one from the supplier in {@code auth.refresh}
 *       ({@link #refreshToken} does it by hand); when that fails, it reconnects with a new token
 *       before the old one runs out.</li>
 *   <li>Says {@code hello} with {@code resume.lastSeq} once it has one (from
 *       {@link Builder#resumeFrom} or from what it handed over), and keeps the {@link Welcome}.
 *       When the server says inbox entries were lost to retention ({@code resumed=false, missed=n})
 *       it stops waiting for them.</li>
 *   <li>Proves who it is: every {@code hello} carries the credential from its
 *       {@link Builder#credentialStore}, and a credential issued in {@code welcome} is saved there
 *       before anything else happens. A {@code hello} refused as {@code forbidden} (wrong, missing
 *       or revoked credential) stops the device: trying again cannot help.</li>
 *   <li>Knows whether it is {@link #trusted()}; a pending device pairs with {@link #pairClaim},
 *       a trusted one lets others in with {@link #pairStart}, {@link #pairApprove} and
 *       {@link #pairDeny}.</li>
 *   <li>Passes every received frame with a {@code seq} (and every {@code message}) through a
 *       {@link MessageSequencer}, and hands over what it releases in seq order: messages to
 *       {@link Builder#onMessage}, other frames (a replayed {@code command.status}) the way a
 *       frame without seq goes, to the futures it answers and {@link Builder#onOtherFrame}.
 *       Acknowledges {@code ack {upTo: lastSeq}} every {@link Builder#ackEvery} frames and at
 *       most {@link Builder#ackDelay} after any unacknowledged one.</li>
 *   <li>Reconnects by itself when the connection closes, unless {@link #close()} was called or the
 *       server closed it with 4409 (another connection took the device: that one wins) or 4403
 *       (the device was revoked).</li>
 *   <li>Follows work sessions ({@link #sessions()}): keeps a {@link SessionReplica} of each session
 *       it opened, joined or was offered, up to date from the {@code state} and {@code handoff.*}
 *       frames of its inbox (handed over in seq order like the rest), and patches, closes and hands
 *       sessions off.</li>
 *   <li>{@link #send} queues application frames in order; they go out once welcomed, and a frame
 *       refused with a retryable {@code error} ({@code unavailable}, {@code rate_limited}, ...) is
 *       sent again with the same id after a backoff, before anything handed over after it.</li>
 * </ul>
 *
 * <p>Threads: all session work runs on one event thread per device, and both handlers are called
 * there, one frame at a time. A handler may call {@link #send} and {@link #close()}; it should not
 * block for long (acks and resends wait for it). A handler that throws is logged and does not get
 * that frame again.
 */
public final class RccsDevice implements AutoCloseable {

    /** Close code: another connection of the same device replaced this one. */
    public static final int REPLACED = 4409;
    /** Close code this device closes with when the application closes it. */
    public static final int NORMAL_CLOSURE = 1000;
    /** Close code: the device was revoked; its credential is void. */
    public static final int REVOKED = 4403;
    /** Close code: the connection's token expired (no {@code auth.refresh} came in time). */
    public static final int TOKEN_EXPIRED = 4401;

    private static final System.Logger LOG = System.getLogger(RccsDevice.class.getName());
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(8);
    private static final Duration RETRY_BACKOFF_BASE = Duration.ofMillis(200);
    private static final Duration RECONNECT_BACKOFF_BASE = Duration.ofMillis(100);
    private static final int REMEMBERED_SENT_FRAMES = 2_000;
    /**
     * The longest a draining gateway is stayed on, whatever {@code afterMs} it asks for (a gateway
     * asks for at most 16 s, then jitter): while it waits the device sends only acks, so this stays
     * under the command queue's 30 s ack timeout and out of the 30 s before a token's renewal.
     */
    static final Duration MAX_DRAIN_WAIT = Duration.ofSeconds(20);
    /** How soon an automatic token refresh that found no newer token is tried again, at most. */
    private static final Duration REFRESH_RETRY = Duration.ofSeconds(5);

    private final Settings settings;
    private final List<URI> gateways;
    private final MessageSequencer sequencer;
    private final RetryingOutbox outbox;
    private final Backoff reconnectBackoff;
    private final Backoff retryBackoff;
    private final ScheduledExecutorService events;
    /** Runs what blocks (opening and closing sockets) so the event thread never waits on the network. */
    private final ExecutorService io;
    private final CompletableFuture<Integer> stopped = new CompletableFuture<>();
    private final AtomicInteger reconnects = new AtomicInteger();
    private final AtomicInteger reconnectsRequested = new AtomicInteger();
    private final Object connectedSignal = new Object();
    private final PendingAnswers answers;
    private final WorkSessions sessions;

    // read from any thread
    private volatile Welcome welcome;
    private volatile boolean trusted;
    private volatile boolean connected;
    private volatile boolean closing;
    private volatile Thread eventThread;

    // event-thread state
    private volatile Connection current; // volatile only for toString
    private int gatewayIndex;
    private int consecutiveFailures;
    private boolean everWelcomed;
    /** The token to open connections with while it is fresh; null: ask the supplier. */
    private AccessToken token;
    /** Issued by the server but not saved (the store failed): still proves the device in this JVM. */
    private String unsavedCredential;
    private ScheduledFuture<?> ackTimer;
    private ScheduledFuture<?> flushTimer;
    private long sendingPausedUntilNanos = System.nanoTime();
    private long nextSendNanos = System.nanoTime();
    private final long sendIntervalNanos;
    /** Frames that may go out at once after a quiet while (well under the gateway's burst of 100). */
    private static final int SEND_BURST = 20;

    /** One attempt at a connection, from opening the socket to its close. */
    private static final class Connection {
        final URI url;
        /** The token the socket was opened with: set on the io thread before the event thread hears of it. */
        String token;
        RccsClient client;
        String helloId;
        boolean welcomed;
        long welcomedAtNanos;
        ScheduledFuture<?> welcomeTimeout;
        /** The gateway sent {@code reconnect}: nothing more is sent here but acks. */
        boolean draining;
        ScheduledFuture<?> refreshTimer;

        Connection(URI url) {
            this.url = url;
        }
    }

    private RccsDevice(Settings settings) {
        this.settings = settings;
        this.gateways = settings.gateways();
        this.sequencer = new MessageSequencer(settings.resumeFrom(), settings.ackEvery(), settings.maxHeld());
        this.outbox = new RetryingOutbox(REMEMBERED_SENT_FRAMES, settings.maxSendAttempts());
        this.answers = new PendingAnswers(settings.deviceId());
        this.sessions = new WorkSessions(this, settings.sessionTimeout(), settings.maxBackoff(), settings.sessionListener());
        this.reconnectBackoff = new Backoff(RECONNECT_BACKOFF_BASE, settings.maxBackoff());
        this.sendIntervalNanos = 1_000_000_000L / settings.maxSendRate();
        this.retryBackoff = new Backoff(RETRY_BACKOFF_BASE, settings.maxBackoff());
        ScheduledThreadPoolExecutor eventLoop =
                new ScheduledThreadPoolExecutor(1, daemon("rccs-device-" + settings.deviceId(), true));
        // once stopped, pending timers (acks, reconnects, resends) have nothing left to do
        eventLoop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        eventLoop.setRemoveOnCancelPolicy(true);
        this.events = eventLoop;
        this.io = Executors.newCachedThreadPool(daemon("rccs-device-io-" + settings.deviceId(), false));
        this.token = settings.fixedToken() == null ? null : AccessToken.read(settings.fixedToken(), Instant.now());
    }

    /**
     * Starts configuring a device.
     *
     * @param deviceId the device's id in {@code hello}
     * @param gateways the WebSocket URLs to connect to, tried in turn (for example
     *                 {@code ws://127.0.0.1:8080/v1/connect} and {@code ws://127.0.0.1:8081/v1/connect})
     * @param tokens   gives a currently valid bearer token; called when the device needs a new one:
     *                 to connect when it has none that stays valid for longer than the
     *                 {@linkplain Builder#tokenRefreshMargin renewal margin}, and before its
     *                 current one expires (for {@code auth.refresh}). Called on a background
     *                 thread; it may block (a password grant, say).
     */
    public static Builder builder(String deviceId, List<URI> gateways, Supplier<String> tokens) {
        return new Builder(deviceId, gateways, Objects.requireNonNull(tokens, "tokens"), null);
    }

    /**
     * As {@link #builder(String, List, Supplier)} with one token and no way to get another: the
     * device connects with it until {@link #refreshToken} replaces it, and renews nothing by itself
     * (once it has expired, the server closes the connection with {@link #TOKEN_EXPIRED} and
     * refuses every reconnect with HTTP 401).
     */
    public static Builder builder(String deviceId, List<URI> gateways, String token) {
        return new Builder(deviceId, gateways, null, Objects.requireNonNull(token, "token"));
    }

    // ---------------------------------------------------------------------------------- public API

    /**
     * Queues an application frame with a fresh id and the current time, and returns it at once; it
     * goes out as soon as the device is connected and welcomed, after every frame queued before it.
     *
     * @param to      target device id, or null
     * @param payload a record, a map, an {@code ObjectNode} or null (empty payload)
     * @throws IllegalStateException after {@link #close()} or once the device has stopped
     */
    public Frame send(String type, String to, Object payload) {
        return send(newFrame(type, to, payload));
    }

    /** As {@link #send(String, String, Object)} with a complete frame (its id is kept: the idempotency key). */
    public Frame send(Frame frame) {
        return send(frame, RetryingOutbox.NO_DEADLINE);
    }

    /** Queues {@code frame}; it is dropped unsent once {@code sendByNanos} ({@link System#nanoTime()}) has passed. */
    private Frame send(Frame frame, long sendByNanos) {
        Objects.requireNonNull(frame, "frame");
        if (closing || stopped.isDone()) {
            throw new IllegalStateException("device " + settings.deviceId() + " is closed; not sent: " + frame.type());
        }
        post(() -> {
            outbox.add(frame, sendByNanos);
            flushOutbox();
        });
        return frame;
    }

    /** The last seq (of a frame from the inbox) handed to the application with nothing missing before it, or null before any. */
    public Long lastSeq() {
        return sequencer.lastSeq();
    }

    /**
     * Whether the device is trusted: the latest {@code welcome} said so, or a {@code pair.result}
     * approving this device came since. A device that is not (pending) may only pair
     * ({@link #pairClaim}); the server refuses anything else it sends with {@code not_trusted}.
     */
    public boolean trusted() {
        return trusted;
    }

    /**
     * A trusted device asks for a pairing code for a new device ({@code pair.start}). Completes with
     * the {@code pair.code} payload (the code, when it expires, and the {@code rccs://pair?code=...}
     * URI for a QR code); fails with a {@link RccsErrorException} when the server refuses (for
     * example {@code not_trusted}), or when the connection is lost before the answer. The new
     * device's claim then comes as a {@code pair.request} frame to {@link Builder#onOtherFrame}.
     * Never completes when no answer comes: bound the wait ({@code orTimeout}, {@code get(timeout)}).
     */
    public CompletableFuture<PairCode> pairStart() {
        return request(FrameType.PAIR_START, new PairStart(), answer -> RccsClient.payload(answer, PairCode.class));
    }

    /**
     * A pending device claims the pairing code a trusted device showed ({@code pair.claim}).
     * Completes with the {@code pair.result} about this device once a trusted device decided
     * ({@code approved} true: the device is trusted from then on; false: it stays pending), or with
     * an approval when a later {@code welcome} says the device is trusted. Fails with a
     * {@link RccsErrorException} when the server refuses the claim ({@code not_found} for an
     * unknown code, {@code conflict} for a used or expired one, {@code rate_limited} after too many
     * wrong ones). Waits as long as nobody decides: bound the wait.
     *
     * @param code the code as shown, in any case, or the {@code rccs://pair?code=...} URI
     * @throws IllegalArgumentException when there is no code in {@code code}
     */
    public CompletableFuture<PairResult> pairClaim(String code) {
        Frame claim = newFrame(FrameType.PAIR_CLAIM.wire(), null, new PairClaim(Pairing.codeOf(code)));
        return queueAwaiting(claim, answers.expectClaim(claim.id()));
    }

    /**
     * A trusted device lets the device behind a {@code pair.request} in ({@code pair.approve}).
     * Completes with the server's {@code pair.result}; fails with a {@link RccsErrorException}
     * when the server refuses (an unknown or decided claim). Bound the wait.
     */
    public CompletableFuture<PairResult> pairApprove(String claimId) {
        return request(FrameType.PAIR_APPROVE, new PairDecision(claimId), answer -> RccsClient.payload(answer, PairResult.class));
    }

    /** As {@link #pairApprove}, refusing it ({@code pair.deny}): the claiming device stays pending. */
    public CompletableFuture<PairResult> pairDeny(String claimId) {
        return request(FrameType.PAIR_DENY, new PairDecision(claimId), answer -> RccsClient.payload(answer, PairResult.class));
    }

    /**
     * Gives the connection a newer token of the same user ({@code auth.refresh}), so that it outlives
     * the token it was opened with. Completes with the server's {@code auth.ok} (when the connection
     * now expires, epoch seconds); from then on the device opens its connections with this token
     * while it is fresh, and renews it by itself before {@code expiresAt} when it has a token
     * supplier. Fails with a {@link RccsErrorException} when the server refuses it
     * ({@code forbidden}: another user's, invalid or expired; the connection keeps its old token and
     * stays open), and with a {@link ConnectionLostException} when the connection is lost before the
     * answer (the next connection is opened with a valid token anyway). Sent once the device is
     * connected, after what was queued before it. Bound the wait.
     */
    public CompletableFuture<AuthRefreshed> refreshToken(String token) {
        Objects.requireNonNull(token, "token");
        Instant obtainedAt = Instant.now();
        // read on the event thread as the answer arrives: the new token is in place before anyone hears of it
        return request(FrameType.AUTH_REFRESH, new AuthRefresh(token), answer -> {
            AuthRefreshed accepted = RccsClient.payload(answer, AuthRefreshed.class);
            tokenAccepted(AccessToken.read(token, obtainedAt).expiringAt(accepted.expiresAt()));
            return accepted;
        });
    }

    /**
     * The work sessions of this device (SPEC 3.5): open, join, read, patch, close and hand off
     * sessions, with a replica of each session the device follows.
     */
    public WorkSessions sessions() {
        return sessions;
    }

    /** Whether a connection is open and welcomed now. */
    public boolean isConnected() {
        return connected;
    }

    /** The {@code welcome} of the latest connection, or null before the first. */
    public Welcome welcome() {
        return welcome;
    }

    /** How many times the device was welcomed again after its first connection. */
    public int reconnects() {
        return reconnects.get();
    }

    /** How many {@code reconnect} frames (a gateway draining) the device received. */
    public int reconnectsRequested() {
        return reconnectsRequested.get();
    }

    public String deviceId() {
        return settings.deviceId();
    }

    /** Waits until the device is connected and welcomed; false when that does not happen in time or it stopped. */
    public boolean awaitConnected(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (connectedSignal) {
            while (!connected && !stopped.isDone()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    connectedSignal.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return connected;
        }
    }

    /**
     * Completes when the device stops for good, with the close code: {@link #NORMAL_CLOSURE} after
     * {@link #close()}, {@link #REPLACED} when another connection took the device, {@link #REVOKED}
     * when the device was revoked. Completes exceptionally when the server refused {@code hello}
     * with an error that is not retryable: a {@link RccsErrorException} whose
     * {@link RccsErrorException#code() code} is {@code forbidden} when the credential is missing,
     * wrong or revoked (or was presented for a device the server does not know: clear the store to
     * register anew), {@code conflict} when the user has too many devices.
     */
    public CompletableFuture<Integer> stopped() {
        return stopped;
    }

    /**
     * Drops the current connection without a close handshake, as a lost network would; the device
     * reconnects and resumes as after any drop.
     */
    public void dropConnection() {
        post(() -> {
            Connection connection = current;
            if (connection != null && connection.client != null) {
                connection.client.abort();
            }
        });
    }

    /**
     * Acknowledges what was handed over, closes the connection normally and stops reconnecting.
     * Frames with seq received but not yet handed over are dropped (the server sends them again next
     * time); queued frames are not sent. Waits a few seconds at most, and not at all when called
     * from a handler.
     */
    @Override
    public void close() {
        if (!closing) {
            closing = true;
            post(this::shutDown);
        }
        if (Thread.currentThread() == eventThread) {
            return; // called by a handler: shutDown runs once it returns
        }
        try {
            stopped.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // stopped some other way, or the server did not answer the close in time
        }
        events.shutdownNow();
        io.shutdown();
    }

    @Override
    public String toString() {
        Connection connection = current;
        return "RccsDevice[" + settings.deviceId()
                + (connected && connection != null ? ", connected to " + connection.url : ", not connected")
                + ", lastSeq " + lastSeq() + "]";
    }

    static Frame newFrame(String type, String to, Object payload) {
        return new Frame(Frame.VERSION, RccsClient.newId(), type, to, null, null, null, System.currentTimeMillis(),
                RccsClient.payloadOf(payload));
    }

    /** Queues a request whose answer names it by corr, and returns the future for that answer. */
    private <T> CompletableFuture<T> request(FrameType type, Object payload, Function<Frame, T> reading) {
        return ask(newFrame(type.wire(), null, payload), reading);
    }

    /** Queues {@code frame} and returns the future of the answer naming it by corr, read by {@code reading}. */
    <T> CompletableFuture<T> ask(Frame frame, Function<Frame, T> reading) {
        return ask(frame, reading, RetryingOutbox.NO_DEADLINE);
    }

    /** As {@link #ask(Frame, Function)}; the frame is not sent once {@code sendByNanos} ({@link System#nanoTime()}) has passed. */
    <T> CompletableFuture<T> ask(Frame frame, Function<Frame, T> reading, long sendByNanos) {
        return queueAwaiting(frame, answers.expect(frame.id(), frame.type(), reading), sendByNanos);
    }

    /**
     * On the event thread only: its sender gave up on the request with this id. Nobody waits for
     * its answer any more, and it is not sent (again) from now on. True when the server cannot have
     * taken it (it never went out, or every send was refused); false when it may have.
     */
    boolean withdrawUnsent(String requestId) {
        answers.withdraw(requestId);
        return outbox.withdraw(requestId);
    }

    /**
     * Runs {@code task} on the event thread: at once when called there, else queued. False (and
     * nothing run) once the device has stopped.
     */
    boolean onEventThread(Runnable task) {
        if (Thread.currentThread() == eventThread) {
            task.run();
            return true;
        }
        return post(task);
    }

    private <T> CompletableFuture<T> queueAwaiting(Frame frame, CompletableFuture<T> answer) {
        return queueAwaiting(frame, answer, RetryingOutbox.NO_DEADLINE);
    }

    private <T> CompletableFuture<T> queueAwaiting(Frame frame, CompletableFuture<T> answer, long sendByNanos) {
        try {
            send(frame, sendByNanos);
        } catch (IllegalStateException closed) {
            answers.withdraw(frame.id());
            answer.completeExceptionally(closed);
        }
        return answer;
    }

    // ---------------------------------------------------------------------------------- connecting

    private RccsDevice start() {
        post(this::connectNext);
        return this;
    }

    private void connectNext() {
        if (closing || stopped.isDone()) {
            return;
        }
        Connection connection = new Connection(gateways.get(gatewayIndex % gateways.size()));
        current = connection;
        // a token that is about to expire would only buy a connection the server closes soon (4401)
        boolean fresh = token != null
                && (settings.tokens() == null || token.freshAt(Instant.now(), settings.tokenRefreshMargin()));
        String reuse = fresh ? token.value() : null;
        io.execute(() -> open(connection, reuse));
    }

    /**
     * On an io thread: opens the socket with {@code reuse}, else a token from the supplier;
     * everything it receives goes to the event thread.
     */
    private void open(Connection connection, String reuse) {
        try {
            connection.token = reuse != null ? reuse : settings.tokens().get();
            RccsClient client = RccsClient.connect(connection.url, connection.token, settings.connectTimeout(),
                    frame -> post(() -> onFrame(connection, frame)));
            if (closing || !post(() -> opened(connection, client))) {
                client.close(); // closed meanwhile: nobody will use it
            }
        } catch (RuntimeException e) {
            post(() -> openFailed(connection, e));
        }
    }

    private void opened(Connection connection, RccsClient client) {
        if (connection != current || closing) {
            closeInBackground(client);
            return;
        }
        connection.client = client;
        client.closed().whenComplete((code, error) -> post(() -> onClosed(connection, code == null ? 1006 : code)));
        if (token == null || !token.value().equals(connection.token)) {
            token = AccessToken.read(connection.token, Instant.now()); // the server took it: good for reconnects while fresh
        }
        String credential;
        try {
            credential = credentialForHello();
        } catch (RuntimeException e) {
            // an unreadable store does not heal by itself, and a hello without the credential would be refused
            stopRefused(new IllegalStateException("cannot read the credential of " + settings.deviceId() + " from "
                    + settings.credentialStore() + ": " + e.getMessage(), e));
            return;
        }
        Hello hello = RccsClient.helloPayload(settings.deviceId(), settings.name(), settings.kind(), settings.capabilities(),
                sequencer.lastSeq(), credential);
        try {
            connection.helloId = client.sendHello(hello).id();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "hello to {0} failed: {1}", connection.url, e.getMessage());
            drop(connection);
            return;
        }
        connection.welcomeTimeout = events.schedule(() -> {
            if (connection == current && !connection.welcomed) {
                LOG.log(System.Logger.Level.INFO, "no welcome from {0} within {1}", connection.url, settings.welcomeTimeout());
                drop(connection);
            }
        }, settings.welcomeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void openFailed(Connection connection, RuntimeException failure) {
        if (connection != current || closing) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "cannot connect {0} to {1}: {2}", settings.deviceId(), connection.url,
                failure.getMessage());
        if (failure instanceof RccsConnectException refused && refused.httpStatus() == 401) {
            forgetToken(); // whatever its exp says, the server does not take it (any more)
        }
        retryConnecting(reconnectBackoff.delay(++consecutiveFailures));
    }

    private void onClosed(Connection connection, int code) {
        if (connection != current) {
            return;
        }
        if (connection.welcomeTimeout != null) {
            connection.welcomeTimeout.cancel(false);
        }
        if (connection.refreshTimer != null) {
            connection.refreshTimer.cancel(false);
        }
        closeInBackground(connection.client); // releases its keep-alive timer
        setConnected(false);
        answers.connectionLost();
        if (closing) {
            return;
        }
        if (code == REPLACED) {
            // another connection of this device is live now: fighting it would replace it in turn
            LOG.log(System.Logger.Level.INFO, "device {0} was replaced by another connection; stopping", settings.deviceId());
            stop(REPLACED);
            return;
        }
        if (code == REVOKED) {
            // its credential is void: every hello from now on would be refused
            LOG.log(System.Logger.Level.WARNING, "device {0} was revoked; stopping", settings.deviceId());
            stop(REVOKED);
            return;
        }
        if (code == TOKEN_EXPIRED) {
            forgetToken();
        }
        if (connection.welcomed && System.nanoTime() - connection.welcomedAtNanos >= settings.maxBackoff().toNanos()) {
            consecutiveFailures = 0; // it was a good connection: come back quickly
        }
        LOG.log(System.Logger.Level.INFO, "connection of {0} to {1} closed with {2}; reconnecting", settings.deviceId(),
                connection.url, String.valueOf(code));
        retryConnecting(reconnectBackoff.delay(++consecutiveFailures));
    }

    /** The next attempt goes to the next gateway: the one just lost may be gone. */
    private void retryConnecting(Duration delay) {
        gatewayIndex++;
        current = null;
        events.schedule(this::connectNext, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes a connection that is no use; its close brings the reconnect. */
    private void drop(Connection connection) {
        closeInBackground(connection.client);
    }

    /** Closing waits for the server's answer: never on the event thread. */
    private void closeInBackground(RccsClient client) {
        if (client == null) {
            return;
        }
        try {
            io.execute(client::close);
        } catch (RejectedExecutionException e) {
            Thread closer = new Thread(client::close, "rccs-device-close-" + settings.deviceId());
            closer.setDaemon(true);
            closer.start();
        }
    }

    // ---------------------------------------------------------------------------------- receiving

    private void onFrame(Connection connection, Frame frame) {
        if (connection != current || closing) {
            return; // a late frame of a connection given up on
        }
        if (frame.seq() != null || frame.is(FrameType.MESSAGE)) {
            // an inbox entry: messages, and the frames services put there (command.status for a command
            // this device submitted) share one seq, so all of them go through the sequencer
            handOver(sequencer.accept(frame));
            return;
        }
        if (connection.helloId != null && connection.helloId.equals(frame.corr())) {
            if (!connection.welcomed) {
                onHelloAnswer(connection, frame);
            } // else: the same welcome again (the server retried a step): skipping lost entries twice would drop some
            return;
        }
        if (frame.is(FrameType.RECONNECT)) {
            moveElsewhere(connection, frame);
        }
        otherFrame(frame);
    }

    /** A frame that is not a message, handed over at once or (from the inbox) once in seq order. */
    private void otherFrame(Frame frame) {
        if (frame.is(FrameType.ERROR) && resendIfRetryable(frame)) {
            return;
        }
        if (frame.is(FrameType.PAIR_RESULT)) {
            noteApproval(frame);
        }
        // each step on its own: one that fails on an odd frame must not keep it from the others
        guarded(frame, "the work sessions", () -> sessions.onFrame(frame)); // replicas first: a future this frame
                                                                             // completes finds its replica up to date
        guarded(frame, "the pending answers", () -> answers.onFrame(frame));
        tellApplication(frame);
    }

    private void guarded(Frame frame, String what, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, what + " failed on a " + frame.type() + " frame " + frame.id(), e);
        }
    }

    /** A pair.result about this device (not one answering our decision about another) that approves it. */
    private void noteApproval(Frame frame) {
        try {
            PairResult result = RccsClient.payload(frame, PairResult.class);
            if (result.approved() && settings.deviceId().equals(result.deviceId())) {
                trusted = true;
            }
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.INFO, "unreadable pair.result: {0}", e.getMessage());
        }
    }

    /**
     * The store's credential; one the store failed to save wins, as the newest. A device without one
     * makes its own and saves it before its first hello: should the welcome be lost, the same hello
     * can be sent again (a credential the server made would be lost with the welcome, and with it
     * the device id).
     */
    private String credentialForHello() {
        if (unsavedCredential != null) {
            return unsavedCredential;
        }
        java.util.Optional<String> stored = settings.credentialStore().load();
        if (stored.isPresent()) {
            return stored.get();
        }
        String made = newCredential();
        keepCredential(made);
        return made;
    }

    /** 256 random bits, base64url: what the gateway would make, made here so that it survives a lost welcome. */
    static String newCredential() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** Keeps a credential issued in welcome: it is shown only this once, and without it the device id is lost. */
    private void keepCredential(String credential) {
        try {
            settings.credentialStore().save(credential);
            unsavedCredential = null;
        } catch (RuntimeException e) {
            unsavedCredential = credential;
            LOG.log(System.Logger.Level.ERROR, "cannot save the credential of " + settings.deviceId() + " in "
                    + settings.credentialStore() + "; it lasts only as long as this process", e);
        }
    }

    private void onHelloAnswer(Connection connection, Frame answer) {
        if (connection.welcomeTimeout != null) {
            connection.welcomeTimeout.cancel(false);
        }
        if (answer.is(FrameType.ERROR)) {
            tellApplication(answer);
            RccsErrorException refusal = PendingAnswers.refusal("hello of " + settings.deviceId(), answer);
            if (refusal.error().retryable()) {
                drop(connection);
            } else {
                // forbidden (the credential), conflict (too many devices): the same hello gets the same answer
                stopRefused(refusal);
            }
            return;
        }
        Welcome accepted = RccsClient.payload(answer, Welcome.class);
        if (accepted.credential() != null) {
            keepCredential(accepted.credential()); // first: a crash after this welcome must not lose it
        }
        welcome = accepted;
        trusted = accepted.trusted();
        if (accepted.trusted()) {
            answers.trustedOnWelcome();
        }
        connection.welcomed = true;
        connection.welcomedAtNanos = System.nanoTime();
        if (everWelcomed) {
            reconnects.incrementAndGet();
        }
        everWelcomed = true;
        if (accepted.heartbeatSec() > 0) {
            connection.client.keepAlive(Duration.ofSeconds(accepted.heartbeatSec()));
        }
        setConnected(true);
        tellApplication(answer);
        if (!accepted.resumed() && accepted.missed() > 0) {
            LOG.log(System.Logger.Level.WARNING, "{0} inbox entries for {1} after seq {2} were lost to retention",
                    String.valueOf(accepted.missed()), settings.deviceId(), String.valueOf(sequencer.lastSeq()));
            handOver(sequencer.skipLost(accepted.missed()));
        }
        // before the flush, so that the reads this asks for go out with the rest
        guarded(answer, "the work sessions", () -> sessions.welcomed(accepted.missed() > 0));
        flushOutbox();
        scheduleAck();
        scheduleRefresh(connection);
    }

    /** Hands over what the sequencer released, in seq order: messages to onMessage, the rest as other frames. */
    private void handOver(List<Frame> deliverable) {
        for (Frame frame : deliverable) {
            // frame by frame: one that fails (a malformed payload, say) must not drop the rest of the batch,
            // which the sequencer released once and counts as handed over
            try {
                if (frame.is(FrameType.MESSAGE)) {
                    settings.onMessage().accept(frame);
                } else {
                    otherFrame(frame);
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "handing over the " + frame.type() + " frame with seq " + frame.seq()
                        + " failed", e);
            }
        }
        if (sequencer.ackDue()) {
            sendAck();
        } else {
            scheduleAck();
        }
    }

    /**
     * The server drains this gateway: go to the next one after the delay it asks for. What is
     * queued waits for the next connection (a frame sent now could be lost with this one); acks
     * still go out, so the next gateway replays less. What went out here and has no answer yet is
     * handled as after any lost connection.
     */
    private void moveElsewhere(Connection connection, Frame frame) {
        reconnectsRequested.incrementAndGet();
        if (connection.draining) {
            return; // told twice: the first delay stands
        }
        connection.draining = true;
        long afterMs = 0;
        try {
            afterMs = RccsClient.payload(frame, Reconnect.class).afterMs();
        } catch (IllegalArgumentException e) {
            // no usable delay: go now
        }
        consecutiveFailures = 0;
        long delay = drainDelayMillis(afterMs, ThreadLocalRandom.current().nextDouble());
        LOG.log(System.Logger.Level.INFO, "{0} is draining; {1} leaves it in {2} ms", connection.url, settings.deviceId(),
                String.valueOf(delay));
        events.schedule(() -> {
            if (connection == current) {
                sendAck();
                drop(connection);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /**
     * How long to stay on a draining gateway that asked for {@code afterMs}: that, plus a jitter of
     * up to a quarter of it (100 ms at least; {@code random} in [0, 1) picks where), so that the
     * devices it sends away do not all arrive at the next gateway in the same instant; never more
     * than {@link #MAX_DRAIN_WAIT}.
     */
    static long drainDelayMillis(long afterMs, double random) {
        long cap = MAX_DRAIN_WAIT.toMillis();
        long asked = Math.min(Math.max(0, afterMs), cap);
        long jitter = (long) (Math.max(100, asked / 4) * random);
        return Math.min(cap, asked + jitter);
    }

    private void tellApplication(Frame frame) {
        try {
            settings.onOtherFrame().accept(frame);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "frame handler failed on a " + frame.type() + " frame", e);
        }
    }

    // ---------------------------------------------------------------------------------- tokens

    /** On the event thread: the server took {@code accepted} as the connection's token ({@code auth.ok}). */
    private void tokenAccepted(AccessToken accepted) {
        token = accepted;
        Connection connection = current;
        if (connection != null && connection.welcomed) {
            scheduleRefresh(connection);
        }
    }

    /** The current token is no good for connecting: the next attempt asks the supplier (a fixed token is all there is). */
    private void forgetToken() {
        if (settings.tokens() != null) {
            token = null;
        }
    }

    /** Plans renewing the connection's token ahead of its expiry, when there is a supplier to renew it from. */
    private void scheduleRefresh(Connection connection) {
        if (connection.refreshTimer != null) {
            connection.refreshTimer.cancel(false);
            connection.refreshTimer = null;
        }
        Instant at = token == null || settings.tokens() == null ? null : token.refreshAt(settings.tokenRefreshMargin());
        if (at == null) {
            return; // nothing to renew from, or an expiry nobody knows: should it come, the server says so (4401)
        }
        long delay = Math.max(0, Duration.between(Instant.now(), at).toMillis());
        connection.refreshTimer = events.schedule(() -> refreshAutomatically(connection), delay, TimeUnit.MILLISECONDS);
    }

    /** Gets a new token from the supplier (which may block: not on the event thread) and sends it in auth.refresh. */
    private void refreshAutomatically(Connection connection) {
        if (connection != current || closing || connection.draining) {
            return; // a connection about to be replaced: the next one opens with a new token anyway
        }
        AccessToken old = token;
        try {
            io.execute(() -> {
                String fresh;
                try {
                    fresh = settings.tokens().get();
                } catch (RuntimeException e) {
                    post(() -> refreshLater(connection, old, "the token supplier failed: " + e.getMessage()));
                    return;
                }
                Instant obtainedAt = Instant.now();
                post(() -> sendRefresh(connection, old, fresh == null ? null : AccessToken.read(fresh, obtainedAt)));
            });
        } catch (RejectedExecutionException e) {
            // stopped
        }
    }

    private void sendRefresh(Connection connection, AccessToken old, AccessToken fresh) {
        if (connection != current || closing) {
            return;
        }
        if (fresh == null || !fresh.outlives(old)) {
            refreshLater(connection, old, "the token supplier gave no newer token");
            return;
        }
        refreshToken(fresh.value()).whenComplete((accepted, failure) -> {
            if (failure != null) {
                onEventThread(() -> refreshRefused(connection, failure));
            }
        });
    }

    /**
     * There is no newer token to send yet: try again soon, while the old one lasts. Should it run
     * out first, the server closes the connection (4401) and the reconnect asks the supplier.
     */
    private void refreshLater(Connection connection, AccessToken old, String why) {
        if (connection != current || closing || old.expiresAt() == null) {
            return;
        }
        Duration left = Duration.between(Instant.now(), old.expiresAt());
        LOG.log(System.Logger.Level.INFO, "cannot renew the token of {0} yet ({1}); it expires in {2}", settings.deviceId(),
                why, left);
        if (left.isNegative() || left.isZero()) {
            return;
        }
        Duration third = left.dividedBy(3);
        long wait = Math.max(100, (third.compareTo(REFRESH_RETRY) < 0 ? third : REFRESH_RETRY).toMillis());
        connection.refreshTimer = events.schedule(() -> refreshAutomatically(connection), wait, TimeUnit.MILLISECONDS);
    }

    /** The automatic refresh failed: when the server refused the new token, reconnect with a fresh one before the old expires. */
    private void refreshRefused(Connection connection, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (!(cause instanceof RccsErrorException) || connection != current || closing) {
            return; // lost with its connection (the next one opens with a new token), or the device stopped
        }
        LOG.log(System.Logger.Level.WARNING, "the gateway refused the new token of {0} ({1}); reconnecting with a fresh one",
                settings.deviceId(), cause.getMessage());
        forgetToken();
        drop(connection);
    }

    // ---------------------------------------------------------------------------------- acking

    private void scheduleAck() {
        if (ackTimer == null && sequencer.hasUnacked()) {
            ackTimer = events.schedule(this::sendAck, settings.ackDelay().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void sendAck() {
        if (ackTimer != null) {
            ackTimer.cancel(false);
            ackTimer = null;
        }
        OptionalLong upTo = sequencer.ackUpTo();
        if (!connected || upTo.isEmpty()) {
            return; // the next welcome schedules it again
        }
        try {
            current.client.send(FrameType.ACK.wire(), null, new Ack(upTo.getAsLong()));
            sequencer.acked(upTo.getAsLong());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "ack failed: {0}", e.getMessage());
            drop(current);
        }
    }

    // ---------------------------------------------------------------------------------- sending

    private void flushOutbox() {
        if (!connected || closing || current == null || current.draining) {
            return; // a draining gateway's close could lose what is sent now: it goes to the next one
        }
        long pause = sendingPausedUntilNanos - System.nanoTime();
        if (pause > 0) {
            scheduleFlush(pause);
            return;
        }
        Frame next;
        while ((next = outbox.next()) != null) {
            // keep under the gateway's rate limit (50 frames/s, burst 100), resends and all: a burst of
            // resends after an outage must not earn rate_limited refusals and, repeated, a 4429 close
            long now = System.nanoTime();
            long earliest = Math.max(nextSendNanos, now - SEND_BURST * sendIntervalNanos);
            if (earliest > now) {
                scheduleFlush(earliest - now);
                return;
            }
            nextSendNanos = earliest + sendIntervalNanos;
            try {
                current.client.send(next);
            } catch (RuntimeException e) {
                // stays queued for the next connection
                LOG.log(System.Logger.Level.INFO, "send failed: {0}", e.getMessage());
                drop(current);
                return;
            }
            outbox.markSent();
            answers.sent(next.id());
        }
    }

    private void scheduleFlush(long delayNanos) {
        if (flushTimer == null || flushTimer.isDone()) {
            flushTimer = events.schedule(this::flushOutbox, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * An error naming one of our frames as retryable puts that frame back in its place and pauses
     * sending for a backoff. Returns false when the application should see the error.
     */
    private boolean resendIfRetryable(Frame errorFrame) {
        String refusedId = errorFrame.corr();
        if (refusedId == null) {
            return false;
        }
        ErrorPayload error;
        try {
            error = RccsClient.payload(errorFrame, ErrorPayload.class);
        } catch (IllegalArgumentException e) {
            return false;
        }
        // not_trusted is final for this frame: a pending device stays pending until a person approves it
        if (!error.retryable() || ErrorCode.NOT_TRUSTED.wire().equals(error.code())
                // a handoff names its target: whether that one is online and capable is the caller's to decide
                || (ErrorCode.NO_CAPABLE_DEVICE.wire().equals(error.code())
                        && FrameType.HANDOFF_REQUEST.wire().equals(outbox.sentType(refusedId)))) {
            outbox.forget(refusedId);
            return false;
        }
        OptionalInt attempts = outbox.requeue(refusedId);
        if (attempts.isEmpty()) {
            return false;
        }
        answers.requeued(refusedId);
        // pause everything, not only this frame, so that what follows it does not overtake it
        Duration backoff = retryBackoff.delay(attempts.getAsInt());
        sendingPausedUntilNanos = Math.max(sendingPausedUntilNanos, System.nanoTime() + backoff.toNanos());
        scheduleFlush(sendingPausedUntilNanos - System.nanoTime());
        return true;
    }

    // ---------------------------------------------------------------------------------- stopping

    private void shutDown() {
        sendAck(); // what was handed over need not come again
        Connection connection = current;
        current = null;
        setConnected(false);
        if (connection != null && connection.refreshTimer != null) {
            connection.refreshTimer.cancel(false);
        }
        if (connection != null && connection.client != null) {
            connection.client.close(); // on the event thread: nothing else is left to do
        }
        stop(NORMAL_CLOSURE);
    }

    private void stop(int code) {
        closing = true;
        setConnected(false);
        answers.close(new IllegalStateException("device " + settings.deviceId() + " stopped (" + code + ")"));
        stopped.complete(code);
        signalConnectedWaiters();
        events.shutdown();
        io.shutdown(); // lets a close already handed to it finish
    }

    private void stopRefused(RuntimeException why) {
        closing = true;
        Connection connection = current;
        current = null;
        setConnected(false);
        if (connection != null) {
            drop(connection);
        }
        answers.close(why);
        stopped.completeExceptionally(why);
        signalConnectedWaiters();
        events.shutdown();
        io.shutdown();
    }

    // ---------------------------------------------------------------------------------- plumbing

    private void setConnected(boolean now) {
        connected = now;
        signalConnectedWaiters();
    }

    private void signalConnectedWaiters() {
        synchronized (connectedSignal) {
            connectedSignal.notifyAll();
        }
    }

    /** Runs on the event thread; false (and nothing done) once the device has stopped. */
    private boolean post(Runnable task) {
        try {
            events.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "device " + settings.deviceId() + " failed to process an event", e);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false; // stopped: nothing more to do
        }
    }

    private ThreadFactory daemon(String name, boolean isEventThread) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, isEventThread ? name : name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            if (isEventThread) {
                eventThread = thread;
            }
            return thread;
        };
    }

    // ---------------------------------------------------------------------------------- configuration

    /** What a device was started with: a snapshot, so that reusing the builder changes nothing. */
    private record Settings(String deviceId, List<URI> gateways, Supplier<String> tokens, String fixedToken, String name,
            String kind, List<String> capabilities, Consumer<Frame> onMessage, Consumer<Frame> onOtherFrame, Long resumeFrom,
            int ackEvery, Duration ackDelay, int maxHeld, int maxSendAttempts, Duration maxBackoff,
            Duration connectTimeout, Duration welcomeTimeout, int maxSendRate, CredentialStore credentialStore,
            Duration sessionTimeout, SessionListener sessionListener, Duration tokenRefreshMargin) {
    }

    /** Configures a {@link RccsDevice}; {@link #start()} builds it and starts connecting. */
    public static final class Builder {

        private final String deviceId;
        private final List<URI> gateways;
        private final Supplier<String> tokens;
        private final String fixedToken;
        private String name;
        private String kind = "desktop";
        private List<String> capabilities = List.of();
        private Consumer<Frame> onMessage;
        private Consumer<Frame> onOtherFrame = frame -> { };
        private Long resumeFrom;
        private int ackEvery = MessageSequencer.DEFAULT_ACK_EVERY;
        private Duration ackDelay = Duration.ofMillis(200);
        private int maxHeld = MessageSequencer.DEFAULT_MAX_HELD;
        private int maxSendAttempts = 10;
        private Duration maxBackoff = Duration.ofSeconds(5);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration welcomeTimeout = Duration.ofSeconds(15);
        private int maxSendRate = 45;
        private CredentialStore credentialStore;
        private Duration sessionTimeout = Duration.ofSeconds(60);
        private SessionListener sessionListener;
        private Duration tokenRefreshMargin = Duration.ofSeconds(30);

        private Builder(String deviceId, List<URI> gateways, Supplier<String> tokens, String fixedToken) {
            this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
            this.gateways = List.copyOf(Objects.requireNonNull(gateways, "gateways"));
            if (this.gateways.isEmpty()) {
                throw new IllegalArgumentException("at least one gateway URL is needed");
            }
            this.tokens = tokens;
            this.fixedToken = fixedToken;
            this.name = deviceId;
        }

        /** The device's display name in {@code hello} (default: the device id). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** {@code desktop} (default), {@code mobile}, {@code web} or {@code service}. */
        public Builder kind(String kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
            return this;
        }

        public Builder capabilities(List<String> capabilities) {
            this.capabilities = List.copyOf(capabilities);
            return this;
        }

        /** Required: gets every {@code message} exactly once, in seq order (with the other frames that carry a seq). */
        public Builder onMessage(Consumer<Frame> handler) {
            this.onMessage = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Gets every other frame: {@code welcome}, {@code command}, answers, presence,
         * {@code command.status} (one with a seq, from the inbox, exactly once and in seq order
         * among the messages),
         * {@code pair.request} (a new device claimed a code this device started: approve or deny
         * it), {@code pair.result}, and errors other than the retryable ones the device resends by
         * itself ({@code not_trusted} included: a pending device's frame is not sent again).
         * Frames that answer {@link RccsDevice#pairStart} and the like come here too, and the work
         * session frames ({@code state}, {@code sessions}, {@code handoff.offer}, {@code handoff.done})
         * after the replicas of {@link RccsDevice#sessions()} took them.
         */
        public Builder onOtherFrame(Consumer<Frame> handler) {
            this.onOtherFrame = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** The last seq handed over by an earlier session (for example kept on disk): resume after it. */
        public Builder resumeFrom(Long lastSeq) {
            this.resumeFrom = lastSeq;
            return this;
        }

        /** Acknowledge after this many frames with seq at the latest (default 100). */
        public Builder ackEvery(int frames) {
            this.ackEvery = frames;
            return this;
        }

        /** Acknowledge at most this long after a frame with seq was handed over (default 200 ms). */
        public Builder ackDelay(Duration delay) {
            this.ackDelay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /** How many out-of-order frames with seq are held while a gap fills (default 10,000). */
        public Builder maxHeld(int frames) {
            this.maxHeld = frames;
            return this;
        }

        /** How often one frame is sent at most when the server keeps refusing it as retryable (default 10). */
        public Builder maxSendAttempts(int attempts) {
            this.maxSendAttempts = attempts;
            return this;
        }

        /**
         * Frames per second this device sends at most, resends included (default 45, under the
         * gateway's limit of 50 per connection).
         */
        public Builder maxSendRate(int framesPerSecond) {
            if (framesPerSecond < 1) {
                throw new IllegalArgumentException("maxSendRate must be at least 1");
            }
            this.maxSendRate = framesPerSecond;
            return this;
        }

        /**
         * Where the device's credential is kept (default: in memory, so that the device proves
         * itself on every reconnect in this JVM; a later run starts without it, and the server
         * refuses a known device id that comes without its credential). Use a
         * {@link FileCredentialStore} for a device that must stay the same device across runs.
         */
        public Builder credentialStore(CredentialStore store) {
            this.credentialStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The longest wait between connection attempts, and between resends (default 5 s). */
        public Builder maxBackoff(Duration cap) {
            this.maxBackoff = Objects.requireNonNull(cap, "cap");
            return this;
        }

        /** How long opening one WebSocket may take (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * How long a future of {@link RccsDevice#sessions()} waits at most (default 60 s: longer than
         * the server's default handoff offer of 30 s, so that a handoff's outcome comes within it).
         */
        public Builder sessionTimeout(Duration timeout) {
            this.sessionTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Hears about the sessions the device follows from its first frame on (more can be added with
         * {@link WorkSessions#addListener}); see {@link SessionListener}.
         */
        public Builder sessionListener(SessionListener listener) {
            this.sessionListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * How long before its token expires (the JWT's {@code exp}) the device renews it, at most
         * (default 30 s); a tenth of the token's lifetime when that is less. A token closer to its
         * expiry than that is not used to open a connection either.
         */
        public Builder tokenRefreshMargin(Duration margin) {
            if (margin.isNegative()) {
                throw new IllegalArgumentException("tokenRefreshMargin must not be negative");
            }
            this.tokenRefreshMargin = margin;
            return this;
        }

        /** How long to wait for {@code welcome} before trying again (default 15 s). */
        public Builder welcomeTimeout(Duration timeout) {
            this.welcomeTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Builds the device and starts connecting in the background; see {@link RccsDevice#awaitConnected}. */
        public RccsDevice start() {
            if (onMessage == null) {
                throw new IllegalStateException("onMessage is required");
            }
            return new RccsDevice(new Settings(deviceId, gateways, tokens, fixedToken, name, kind, capabilities, onMessage,
                    onOtherFrame, resumeFrom, ackEvery, ackDelay, maxHeld, maxSendAttempts, maxBackoff, connectTimeout,
                    welcomeTimeout, maxSendRate,
                    // a fresh one per device: a reused builder must not make two devices share a credential
                    credentialStore == null ? new InMemoryCredentialStore() : credentialStore, sessionTimeout,
                    sessionListener, tokenRefreshMargin)).start();
        }
    }
}
