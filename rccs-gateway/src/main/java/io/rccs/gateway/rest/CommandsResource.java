package io.rccs.gateway.rest;

import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.CommandCancel;
import io.rccs.model.protocol.payload.CommandStatus;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.model.protocol.payload.CommandView;
import io.rccs.model.protocol.payload.CommandsPage;
import io.rccs.model.protocol.payload.CommandsQuery;
import io.rccs.model.protocol.payload.Payload;
import io.smallrye.mutiny.Uni;

/**
 * The user's commands over REST (SPEC 3.3, 4), for backend callers: the command queue owns them and
 * answers through Kafka ({@link RestExchanges}). A command submitted here has no sending device; the
 * user sees only their own commands (another user's is 404).
 */
@Path("/v1/commands")
@Tag(name = "commands")
@Produces(MediaType.APPLICATION_JSON)
public class CommandsResource {

    /** The header whose value is the submit frame's id, so that a retried POST yields one command. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    /** Frame-id characters only: a key goes into logs and the queue's rows unchanged. */
    private static final Pattern IDEMPOTENCY_KEY_FORM = Pattern.compile("[A-Za-z0-9._:-]{1," + Frame.MAX_ID_LENGTH + "}");

    /** The body of {@code POST /v1/commands}: {@code command.submit}'s target and payload (SPEC 3.3). */
    public record Submit(String to, String name, JsonNode args, String priority, Long notBefore, Long ttlSec,
            Integer maxAttempts, List<String> requires) {

        CommandSubmit payload() {
            return new CommandSubmit(name, args, priority, notBefore, ttlSec, maxAttempts, requires);
        }
    }

    private final RestCalls calls;

    public CommandsResource(RestCalls calls) {
        this.calls = calls;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submits a command (201, Location of the command, its first status); the same Idempotency-Key again yields the same command")
    public Uni<Response> submit(@HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey, Submit body) {
        try {
            checkSubmit(idempotencyKey, body);
        } catch (ProtocolException e) {
            return RestCalls.refused(e);
        }
        String frameId = idempotencyKey != null ? idempotencyKey : UUID.randomUUID().toString();
        return calls.ask(FrameType.COMMAND_SUBMIT, frameId, body.to(), body.payload(), answer -> {
            CommandStatus status = RestCalls.payloadOrNull(answer, FrameType.COMMAND_STATUS, CommandStatus.class);
            if (status == null || status.commandId() == null) {
                return RestCalls.unexpectedAnswer(FrameType.COMMAND_SUBMIT, answer);
            }
            // relative, as RFC 9110 allows: right behind any proxy, and built without the request's context
            String location = UriBuilder.fromResource(CommandsResource.class).path("{id}").build(status.commandId()).toString();
            return Response.status(Response.Status.CREATED).header(HttpHeaders.LOCATION, location).entity(status).build();
        });
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One command of the user")
    public Uni<Response> get(@PathParam("id") String id) {
        return calls.ask(FrameType.COMMANDS_QUERY, new CommandsQuery(id, null, null, null, null),
                answer -> oneCommand(FrameType.COMMANDS_QUERY, answer, "no command '" + id + "'"));
    }

    @GET
    @Operation(summary = "The user's commands, newest first, optionally by status and device (sender or target); pass `next` as `after` for the following page")
    public Uni<Response> list(@QueryParam("status") String status, @QueryParam("device") String device,
            @QueryParam("after") String after, @QueryParam("limit") Integer limit) {
        return calls.ask(FrameType.COMMANDS_QUERY, new CommandsQuery(null, status, device, after, limit),
                answer -> page(FrameType.COMMANDS_QUERY, answer));
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Cancels a command that has not been dispatched yet (409 when it has, or is finished)")
    public Uni<Response> cancel(@PathParam("id") String id) {
        return calls.ask(FrameType.COMMAND_CANCEL, new CommandCancel(id), answer -> {
            CommandStatus status = RestCalls.payloadOrNull(answer, FrameType.COMMAND_STATUS, CommandStatus.class);
            return status == null ? RestCalls.unexpectedAnswer(FrameType.COMMAND_CANCEL, answer) : Response.ok(status).build();
        });
    }

    /** What a submit must be before it is sent: the codec's checks of a {@code command.submit} frame. */
    private static void checkSubmit(String idempotencyKey, Submit body) throws ProtocolException {
        Payload.require(body != null, "the body must be a JSON object {name, to?, args?, priority?, notBefore?, ttlSec?, maxAttempts?, requires?}");
        Payload.require(idempotencyKey == null || IDEMPOTENCY_KEY_FORM.matcher(idempotencyKey).matches(),
                IDEMPOTENCY_KEY + " must be 1.." + Frame.MAX_ID_LENGTH + " letters, digits, '.', '_', ':' or '-'");
        String to = body.to();
        Payload.require(to == null || !to.isEmpty() && to.length() <= Frame.MAX_ID_LENGTH && !Payload.hasControlCharacter(to),
                "to must be a device id of 1.." + Frame.MAX_ID_LENGTH + " characters without control characters");
    }

    /** A {@code commands} answer as the page it is. */
    static Response page(FrameType asked, Frame answer) {
        CommandsPage page = RestCalls.payloadOrNull(answer, FrameType.COMMANDS, CommandsPage.class);
        return page == null || page.commands() == null ? RestCalls.unexpectedAnswer(asked, answer) : Response.ok(page).build();
    }

    /** A {@code commands} answer about one command: that command, or 404 when the page is empty. */
    static Response oneCommand(FrameType asked, Frame answer, String whenMissing) {
        return oneCommand(asked, answer, whenMissing, command -> Response.ok(command).build());
    }

    /** As {@link #oneCommand(FrameType, Frame, String)}, answering {@code onFound} of the command. */
    static Response oneCommand(FrameType asked, Frame answer, String whenMissing, Function<CommandView, Response> onFound) {
        CommandsPage page = RestCalls.payloadOrNull(answer, FrameType.COMMANDS, CommandsPage.class);
        if (page == null || page.commands() == null) {
            return RestCalls.unexpectedAnswer(asked, answer);
        }
        return page.commands().isEmpty() ? Problem.of(ErrorCode.NOT_FOUND, whenMissing) : onFound.apply(page.commands().get(0));
    }
}
