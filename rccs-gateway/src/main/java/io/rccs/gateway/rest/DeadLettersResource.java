package io.rccs.gateway.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.DeadLetterAdmin;
import io.smallrye.mutiny.Uni;

/**
 * The command dead letters (EXPIRED and DEAD commands) of every user, for operators (SPEC 3.3, 4):
 * list, inspect, requeue, purge, one at a time or in bulk by filter. Role {@code rccs-admin}, checked
 * here (403 before anything is sent) and again by the command queue, which gets the caller's roles.
 */
@Path("/v1/admin/dead-letters")
@Tag(name = "dead letters")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(DeadLettersResource.ADMIN)
public class DeadLettersResource {

    public static final String ADMIN = "rccs-admin";

    private final RestCalls calls;

    public DeadLettersResource(RestCalls calls) {
        this.calls = calls;
    }

    @GET
    @Operation(summary = "Dead letters, newest first, optionally by user, device, reason (EXPIRED, DEAD) and age; pass `next` as `after` for the following page")
    public Uni<Response> list(@QueryParam("userId") String userId, @QueryParam("device") String device,
            @QueryParam("reason") String reason, @QueryParam("olderThanSec") Long olderThanSec,
            @QueryParam("after") String after, @QueryParam("limit") Integer limit) {
        return calls.ask(FrameType.DEAD_LETTERS_ADMIN, new DeadLetterAdmin("list", null, userId, device, reason, olderThanSec, after, limit),
                answer -> CommandsResource.page(FrameType.DEAD_LETTERS_ADMIN, answer));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One dead letter")
    public Uni<Response> get(@PathParam("id") String id) {
        return calls.ask(FrameType.DEAD_LETTERS_ADMIN, DeadLetterAdmin.one("get", id),
                answer -> CommandsResource.oneCommand(FrameType.DEAD_LETTERS_ADMIN, answer, noDeadLetter(id)));
    }

    @POST
    @Path("/{id}/requeue")
    @Operation(summary = "Requeues a dead letter: QUEUED again with fresh attempts and TTL, the sender is told; answers the command as it is now")
    public Uni<Response> requeue(@PathParam("id") String id) {
        return calls.ask(FrameType.DEAD_LETTERS_ADMIN, DeadLetterAdmin.one("requeue", id),
                answer -> CommandsResource.oneCommand(FrameType.DEAD_LETTERS_ADMIN, answer, noDeadLetter(id)));
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Purges a dead letter")
    public Uni<Response> purge(@PathParam("id") String id) {
        return calls.ask(FrameType.DEAD_LETTERS_ADMIN, DeadLetterAdmin.one("purge", id),
                answer -> CommandsResource.oneCommand(FrameType.DEAD_LETTERS_ADMIN, answer, noDeadLetter(id), purged -> Response.noContent().build()));
    }

    @POST
    @Path("/requeue")
    @Operation(summary = "Requeues every dead letter the filter matches, at most `limit` (a filter is required); answers those requeued, `next` set when more are left")
    public Uni<Response> requeueMatching(@QueryParam("userId") String userId, @QueryParam("device") String device,
            @QueryParam("reason") String reason, @QueryParam("olderThanSec") Long olderThanSec, @QueryParam("limit") Integer limit) {
        return bulk("requeue", userId, device, reason, olderThanSec, limit);
    }

    @DELETE
    @Operation(summary = "Purges every dead letter the filter matches, at most `limit` (a filter is required); answers those purged, `next` set when more are left")
    public Uni<Response> purgeMatching(@QueryParam("userId") String userId, @QueryParam("device") String device,
            @QueryParam("reason") String reason, @QueryParam("olderThanSec") Long olderThanSec, @QueryParam("limit") Integer limit) {
        return bulk("purge", userId, device, reason, olderThanSec, limit);
    }

    /** A bulk requeue or purge; {@link DeadLetterAdmin#validate} refuses one without a filter (400). */
    private Uni<Response> bulk(String action, String userId, String device, String reason, Long olderThanSec, Integer limit) {
        return calls.ask(FrameType.DEAD_LETTERS_ADMIN, new DeadLetterAdmin(action, null, userId, device, reason, olderThanSec, null, limit),
                answer -> CommandsResource.page(FrameType.DEAD_LETTERS_ADMIN, answer));
    }

    private static String noDeadLetter(String id) {
        return "no dead letter '" + id + "'";
    }
}
