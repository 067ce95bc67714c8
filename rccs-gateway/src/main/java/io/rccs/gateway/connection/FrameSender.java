package io.rccs.gateway.connection;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.rccs.common.ServerFrames;
import io.rccs.common.TaggedCounters;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;

/** Writes frames to connections without waiting: a slow client must not hold up the others. */
@ApplicationScoped
public class FrameSender {

    private final TaggedCounters framesOut;
    private final TaggedCounters protocolErrors;

    public FrameSender(MeterRegistry metrics) {
        this.framesOut = new TaggedCounters(metrics, "rccs_frames_out_total", "type");
        this.protocolErrors = new TaggedCounters(metrics, "rccs_protocol_errors_total", "code");
    }

    public void send(DeviceConnection connection, Frame frame) {
        framesOut.increment(frame.type());
        connection.socket().sendText(FrameCodec.encode(frame)).subscribe().with(ignored -> {
        }, failure -> Log.debugf("could not send %s to %s: %s", frame.type(), connection.connectionId(), failure.getMessage()));
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
