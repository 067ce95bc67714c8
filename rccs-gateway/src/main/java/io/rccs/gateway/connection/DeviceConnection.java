package io.rccs.gateway.connection;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.quarkus.websockets.next.WebSocketConnection;

/** What the gateway knows of one open WebSocket: who opened it and, after hello, as which device. */
public final class DeviceConnection {

    private final WebSocketConnection socket;
    private final String userId;
    /** Replaced by a refreshed token's roles ({@code auth.refresh}); the user never changes. */
    private volatile List<String> roles;
    private final RateLimiter rateLimiter;
    /** When anything (a frame, a pong) last came from the peer, System.nanoTime(). */
    private volatile long lastHeard;
    /** Bytes of frames handed to the socket and not yet written. */
    private final AtomicLong pendingWriteBytes = new AtomicLong();
    /** A newer connection of the device was bound in its place on this gateway. */
    private volatile boolean replaced;
    /** Since when more than the allowed frames wait to be written (nanoTime), 0 when not. */
    private volatile long slowSince;
    private volatile String deviceId;
    private volatile long onlineSince;
    private volatile boolean welcomed;
    private volatile boolean trusted;
    /** The id of the hello waiting for its welcome. */
    private volatile String helloId;
    /** The credential this gateway made for a hello without one (handed over in the welcome, then forgotten). */
    private volatile String issuedCredential;
    /** SHA-256 of the credential of the hello waiting for its welcome (what the relay checks). */
    private volatile String credentialHash;
    private final PublishQueue publishing;
    // set from the event loop and from the deliveries consumer (a refused hello restarts its timer)
    private volatile long helloTimer = -1;
    private volatile long expiryTimer = -1;
    /** Set by the first close the gateway starts: later frames and closes have nowhere to go. */
    private final AtomicBoolean closing = new AtomicBoolean();

    DeviceConnection(WebSocketConnection socket, String userId, List<String> roles, RateLimiter rateLimiter,
            int maxPublishesWaiting) {
        this.socket = socket;
        this.publishing = new PublishQueue(maxPublishesWaiting);
        this.userId = userId;
        this.roles = roles;
        this.rateLimiter = rateLimiter;
        this.lastHeard = System.nanoTime();
    }

    /** Whether the gateway has started to close this connection (or the socket is closed). */
    public boolean closing() {
        return closing.get() || socket.isClosed();
    }

    /** Marks the connection closing; true only for the first caller, who sends the close frame. */
    boolean startClosing() {
        return closing.compareAndSet(false, true) && !socket.isClosed();
    }

    public WebSocketConnection socket() {
        return socket;
    }

    public String connectionId() {
        return socket.id();
    }

    public String userId() {
        return userId;
    }

    public List<String> roles() {
        return roles;
    }

    boolean replaced() {
        return replaced;
    }

    void markReplaced() {
        replaced = true;
    }

    void roles(List<String> refreshed) {
        this.roles = refreshed;
    }

    /** Something came from the peer: it is alive. */
    void heard(long nanoTime) {
        lastHeard = nanoTime;
    }

    long lastHeard() {
        return lastHeard;
    }

    AtomicLong pendingWriteBytes() {
        return pendingWriteBytes;
    }

    long slowSince() {
        return slowSince;
    }

    void slowSince(long nanoTime) {
        slowSince = nanoTime;
    }

    /** The device this connection said hello as, or null before hello. */
    public String deviceId() {
        return deviceId;
    }

    public boolean saidHello() {
        return deviceId != null;
    }

    /**
     * A hello was sent as {@code deviceId}: the connection waits for the relay's verdict. Until the
     * welcome it is bound to nothing (the device's current connection, if any, is untouched).
     */
    void helloReceived(String deviceId, String helloId, String credentialHash, String issuedCredential) {
        this.onlineSince = System.currentTimeMillis();
        this.helloId = helloId;
        this.credentialHash = credentialHash;
        this.issuedCredential = issuedCredential;
        this.deviceId = deviceId;
    }

    /** Whether hello was sent and its answer has not come yet. */
    public boolean awaitingWelcome() {
        return deviceId != null && !welcomed;
    }

    public String helloId() {
        return helloId;
    }

    public String credentialHash() {
        return credentialHash;
    }

    /** Whether the client presented no credential, so the gateway made one (the relay registers it on a new device). */
    public boolean credentialIssued() {
        return issuedCredential != null;
    }

    /** The credential made for this connection's hello, once: later calls get null. */
    public String takeIssuedCredential() {
        String credential = issuedCredential;
        issuedCredential = null;
        return credential;
    }

    /** Whether the device is trusted (welcome said so, or its pairing was approved since). */
    public boolean trusted() {
        return trusted;
    }

    public void markTrusted() {
        trusted = true;
    }

    /**
     * Whether the relay's welcome has been sent on this connection. Until then only answers to this
     * connection are forwarded: the welcome is followed by the replay of the device's inbox, and
     * live traffic must not overtake it (a message stored before the hello is in the replay).
     */
    public boolean welcomed() {
        return welcomed;
    }

    void markWelcomed(boolean trusted) {
        this.trusted = trusted;
        this.credentialHash = null;
        welcomed = true;
        // read only while awaiting the welcome
        this.helloId = null;
    }

    /** This connection's frames on their way to the broker. */
    PublishQueue publishing() {
        return publishing;
    }

    /** The hello could not be published or was refused: the connection must say hello again. */
    void helloFailed() {
        this.welcomed = false;
        this.trusted = false;
        this.deviceId = null;
        this.helloId = null;
        this.credentialHash = null;
        this.issuedCredential = null;
    }

    /** When this connection said hello (epoch ms): the presence entry's {@code since}. */
    public long onlineSince() {
        return onlineSince;
    }

    RateLimiter rateLimiter() {
        return rateLimiter;
    }

    void timers(long helloTimer, long expiryTimer) {
        this.helloTimer = helloTimer;
        this.expiryTimer = expiryTimer;
    }

    long helloTimer() {
        return helloTimer;
    }

    long expiryTimer() {
        return expiryTimer;
    }
}
