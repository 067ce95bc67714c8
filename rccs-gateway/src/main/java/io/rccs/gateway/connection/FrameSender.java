package io.rccs.gateway.connection;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.quarkus.websockets.next.CloseReason;
import io.rccs.common.ServerFrames;
import io.rccs.common.TaggedCounters;
import io.rccs.gateway.GatewayConfig;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;

/** Writes frames to connections without waiting: a slow client must not hold up the others. */
@ApplicationScoped
@Startup // created at start, so that the protocol error counters exist before the first connection
public class FrameSender {

    private final TaggedCounters framesOut;
    private final TaggedCounters protocolErrors;
    private final MeterRegistry metrics;
    private final long maxPendingBytes;
    private final ConnectionEnds ends;

    public FrameSender(MeterRegistry metrics, GatewayConfig config, ConnectionEnds ends) {
        this.framesOut = new TaggedCounters(metrics, "rccs_frames_out_total", "type");
        // every code from the start: an alert on the error rate must see the first one
        this.protocolErrors = new TaggedCounters(metrics, "rccs_protocol_errors_total", "code")
                .atZero(java.util.Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).toList());
        this.metrics = metrics;
        this.maxPendingBytes = config.maxPendingWriteBytes();
        this.ends = ends;
    }

    /**
     * Hands the frame to the socket. The bytes waiting to be written are counted per connection: a
     * client that does not read makes them pile up, and past eight times the bound it is closed at
     * once (past the bound for too long, by {@link Heartbeats}); the inbox keeps what it missed.
     */
    public void send(DeviceConnection connection, Frame frame) {
        if (connection.closing()) {
            // a flood's last frames are still handled after its 4429: their answers have nowhere to go,
            // and each would cost a warning on the event loop the other connections share
            return;
        }
        String text = FrameCodec.encode(frame);
        long size = text.length();
        long pending = connection.pendingWriteBytes().addAndGet(size);
        if (pending > maxPendingBytes) {
            if (pending > 8 * maxPendingBytes) {
                connection.pendingWriteBytes().addAndGet(-size);
                slowReader(connection);
                return;
            }
            if (connection.slowSince() == 0) {
                connection.slowSince(System.nanoTime());
            }
        }
        framesOut.increment(frame.type());
        connection.socket().sendText(text).subscribe().with(ignored -> written(connection, size),
                failure -> {
                    written(connection, size);
                    Log.debugf("could not send %s to %s: %s", frame.type(), connection.connectionId(), failure.getMessage());
                });
    }

    private void written(DeviceConnection connection, long size) {
        if (connection.pendingWriteBytes().addAndGet(-size) <= maxPendingBytes && connection.slowSince() != 0) {
            connection.slowSince(0);
        }
    }

    /**
     * Ends a connection whose client does not read what it is sent. Its close frame waits behind
     * the unread frames and may never go out, so its end is recorded now (offline to the other
     * devices, nothing more routed to it), as for a dead peer; the socket goes when its TCP does.
     */
    void slowReader(DeviceConnection connection) {
        if (connection.socket().isClosed()) {
            return;
        }
        metrics.counter("rccs_connections_closed_total", "reason", "slow_reader").increment();
        close(connection, CloseCodes.SLOW_READER, "frames were not read in time: reconnect and resume");
        ends.ended(connection, CloseCodes.SLOW_READER).subscribe().with(ignored -> {
        });
        abort(connection);
    }

    public void error(DeviceConnection connection, String corr, ErrorCode code, String message) {
        protocolErrors.increment(code.wire());
        send(connection, ServerFrames.error(corr, code, message));
    }

    /**
     * Drops the TCP connection under the socket at once, with whatever waits to be written: for a peer
     * that reads nothing (or is dead) a close frame never gets through, and the socket would keep its
     * unwritten frames for as long as the peer keeps TCP open. websockets-next has no API for it, so
     * the Vert.x socket is reached by reflection; if that ever fails, the close frame stays the way.
     */
    void abort(DeviceConnection connection) {
        try {
            Object webSocket = webSocketOf(connection.socket());
            if (webSocket instanceof io.vertx.core.http.impl.WebSocketImplBase<?> base) {
                base.channelHandlerContext().channel().close();
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.debugf("could not drop the TCP connection of %s: %s", connection.connectionId(), e.toString());
        }
    }

    private static volatile java.lang.reflect.Method webSocketAccessor;

    private static Object webSocketOf(Object socket) throws ReflectiveOperationException {
        java.lang.reflect.Method accessor = webSocketAccessor;
        if (accessor == null) {
            for (Class<?> type = socket.getClass(); type != null && accessor == null; type = type.getSuperclass()) {
                for (java.lang.reflect.Method method : type.getDeclaredMethods()) {
                    if (method.getName().equals("webSocket") && method.getParameterCount() == 0) {
                        method.setAccessible(true);
                        accessor = method;
                        break;
                    }
                }
            }
            if (accessor == null) {
                throw new NoSuchMethodException("webSocket() of " + socket.getClass());
            }
            webSocketAccessor = accessor;
        }
        return accessor.invoke(socket);
    }

    public void close(DeviceConnection connection, int code, String reason) {
        if (!connection.startClosing()) {
            return; // closed once already: a second close is only a warning in the framework's log
        }
        connection.socket().close(new CloseReason(code, reason)).subscribe().with(ignored -> {
        }, failure -> Log.debugf("close of %s failed: %s", connection.connectionId(), failure.getMessage()));
    }
}
