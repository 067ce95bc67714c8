package io.rccs.gateway.connection;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.rccs.common.ServerFrames;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;

/** Writes frames to connections without waiting: a slow client must not hold up the others. */
@ApplicationScoped
public class FrameSender {

    private final MeterRegistry metrics;

    public FrameSender(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    public void send(DeviceConnection connection, Frame frame) {
        metrics.counter("rccs_frames_out_total", "type", frame.type()).increment();
        connection.socket().sendText(FrameCodec.encode(frame)).subscribe().with(ignored -> {
        }, failure -> Log.debugf("could not send %s to %s: %s", frame.type(), connection.connectionId(), failure.getMessage()));
    }

    public void error(DeviceConnection connection, String corr, ErrorCode code, String message) {
        metrics.counter("rccs_protocol_errors_total", "code", code.wire()).increment();
        send(connection, ServerFrames.error(corr, code, message));
    }

    public void close(DeviceConnection connection, int code, String reason) {
        connection.socket().close(new CloseReason(code, reason)).subscribe().with(ignored -> {
        }, failure -> Log.debugf("close of %s failed: %s", connection.connectionId(), failure.getMessage()));
    }
}
