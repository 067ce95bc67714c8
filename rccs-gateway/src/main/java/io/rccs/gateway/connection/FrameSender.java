package io.rccs.gateway.connection;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.rccs.common.ServerFrames;
import io.rccs.common.TaggedCounters;
import io.rccs.gateway.GatewayConfig;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;

/** Writes frames to connections without waiting: a slow client must not hold up the others. */
@ApplicationScoped
public class FrameSender {

    private final TaggedCounters framesOut;
    private final TaggedCounters protocolErrors;
    private final MeterRegistry metrics;
    private final int maxPendingWrites;

    public FrameSender(MeterRegistry metrics, GatewayConfig config) {
        this.framesOut = new TaggedCounters(metrics, "rccs_frames_out_total", "type");
        this.protocolErrors = new TaggedCounters(metrics, "rccs_protocol_errors_total", "code");
        this.metrics = metrics;
        this.maxPendingWrites = config.maxPendingWrites();
    }

    /**
     * Hands the frame to the socket. The frames waiting to be written are counted per connection: a
     * client that does not read makes them pile up, and past twice the bound it is closed at once
     * (past the bound for too long, by {@link Heartbeats}); the inbox keeps what it missed.
     */
    public void send(DeviceConnection connection, Frame frame) {
        int pending = connection.pendingWrites().incrementAndGet();
        if (pending > maxPendingWrites) {
            if (pending > 2 * maxPendingWrites) {
                connection.pendingWrites().decrementAndGet();
                slowReader(connection);
                return;
            }
            if (connection.slowSince() == 0) {
                connection.slowSince(System.nanoTime());
            }
        }
        framesOut.increment(frame.type());
        connection.socket().sendText(FrameCodec.encode(frame)).subscribe().with(ignored -> written(connection),
                failure -> {
                    written(connection);
                    Log.debugf("could not send %s to %s: %s", frame.type(), connection.connectionId(), failure.getMessage());
                });
    }

    private void written(DeviceConnection connection) {
        if (connection.pendingWrites().decrementAndGet() <= maxPendingWrites && connection.slowSince() != 0) {
            connection.slowSince(0);
        }
    }

    /** Closes a connection whose client does not read what it is sent. */
    void slowReader(DeviceConnection connection) {
        if (connection.socket().isClosed()) {
            return;
        }
        metrics.counter("rccs_connections_closed_total", "reason", "slow_reader").increment();
        close(connection, CloseCodes.SLOW_READER, "frames were not read in time: reconnect and resume");
    }

    public void error(DeviceConnection connection, String corr, ErrorCode code, String message) {
        protocolErrors.increment(code.wire());
        send(connection, ServerFrames.error(corr, code, message));
    }

    public void close(DeviceConnection connection, int code, String reason) {
        connection.socket().close(new CloseReason(code, reason)).subscribe().with(ignored -> {
        }, failure -> Log.debugf("close of %s failed: %s", connection.connectionId(), failure.getMessage()));
    }
}
