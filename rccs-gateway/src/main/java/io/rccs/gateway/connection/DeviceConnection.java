package io.rccs.gateway.connection;

import java.util.List;

import io.quarkus.websockets.next.WebSocketConnection;

/** What the gateway knows of one open WebSocket: who opened it and, after hello, as which device. */
public final class DeviceConnection {

    private final WebSocketConnection socket;
    private final String userId;
    private final List<String> roles;
    private final RateLimiter rateLimiter;
    private volatile String deviceId;
    private volatile long onlineSince;
    private volatile boolean welcomed;
    private final PublishQueue publishing;
    private long helloTimer = -1;
    private long expiryTimer = -1;

    DeviceConnection(WebSocketConnection socket, String userId, List<String> roles, RateLimiter rateLimiter,
            int maxPublishesWaiting) {
        this.socket = socket;
        this.publishing = new PublishQueue(maxPublishesWaiting);
        this.userId = userId;
        this.roles = roles;
        this.rateLimiter = rateLimiter;
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

    /** The device this connection said hello as, or null before hello. */
    public String deviceId() {
        return deviceId;
    }

    public boolean saidHello() {
        return deviceId != null;
    }

    void helloReceived(String deviceId) {
        this.onlineSince = System.currentTimeMillis();
        this.deviceId = deviceId;
    }

    /**
     * Whether the relay's welcome has been sent on this connection. Until then only answers to this
     * connection are forwarded: the welcome is followed by the replay of the device's inbox, and
     * live traffic must not overtake it (a message stored before the hello is in the replay).
     */
    public boolean welcomed() {
        return welcomed;
    }

    void markWelcomed() {
        welcomed = true;
    }

    /** This connection's frames on their way to the broker. */
    PublishQueue publishing() {
        return publishing;
    }

    /** The hello could not be recorded: the connection must say hello again. */
    void helloFailed() {
        this.welcomed = false;
        this.deviceId = null;
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
