package io.rccs.gateway.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.Payload;
import io.rccs.model.protocol.payload.Sessions;
import io.rccs.model.protocol.payload.SessionsQuery;
import io.rccs.model.protocol.payload.State;
import io.rccs.model.protocol.payload.StateGet;
import io.smallrye.mutiny.Uni;

/**
 * The user's work sessions over REST (SPEC 3.5, 4), read only: the device relay owns them and
 * answers through Kafka ({@link RestExchanges}). The user is the token's {@code sub}; another user's
 * session is 404, as the relay answers it.
 */
@Path("/v1/sessions")
@Tag(name = "sessions")
@Produces(MediaType.APPLICATION_JSON)
public class SessionsResource {

    private final RestCalls calls;

    public SessionsResource(RestCalls calls) {
        this.calls = calls;
    }

    @GET
    @Operation(summary = "The user's work sessions, newest first, without their documents: open ones only unless closed=true")
    @APIResponse(responseCode = "200", description = "the sessions", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Sessions.class)))
    public Uni<Response> list(@Parameter(description = "true: closed sessions too", schema = @Schema(type = SchemaType.BOOLEAN))
            @QueryParam("closed") String closed) {
        Boolean includeClosed;
        try {
            includeClosed = strictBoolean("closed", closed);
        } catch (ProtocolException e) {
            return RestCalls.refused(e);
        }
        return calls.ask(FrameType.SESSION_LIST, new SessionsQuery(includeClosed), answer -> {
            Sessions sessions = RestCalls.payloadOrNull(answer, FrameType.SESSIONS, Sessions.class);
            return sessions == null || sessions.sessions() == null ? RestCalls.unexpectedAnswer(FrameType.SESSION_LIST, answer)
                    : Response.ok(sessions).build();
        });
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One work session of the user: its state document at its version, its owner device and status")
    @APIResponse(responseCode = "200", description = "the session's state", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = State.class)))
    @APIResponse(responseCode = "404", description = "the user has no such session", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class)))
    public Uni<Response> get(@PathParam("id") String id) {
        return calls.ask(FrameType.STATE_GET, new StateGet(id), answer -> {
            State state = RestCalls.payloadOrNull(answer, FrameType.STATE, State.class);
            // the relay answers state.get with the whole document; a state without one is not that answer
            return state == null || state.document() == null ? RestCalls.unexpectedAnswer(FrameType.STATE_GET, answer)
                    : Response.ok(state).build();
        });
    }

    /**
     * A boolean parameter, null when absent. JAX-RS would make any text but "true" false, and then
     * {@code closed=yes} would quietly leave the closed sessions out.
     */
    private static Boolean strictBoolean(String name, String value) throws ProtocolException {
        if (value == null) {
            return null;
        }
        Payload.require("true".equals(value) || "false".equals(value), name + " must be true or false, not '" + value + "'");
        return Boolean.valueOf(value);
    }
}
