package io.rccs.gateway.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.DeviceRename;
import io.rccs.model.protocol.payload.DeviceRevoke;
import io.rccs.model.protocol.payload.Devices;
import io.rccs.model.protocol.payload.DevicesList;
import io.smallrye.mutiny.Uni;

/**
 * The user's devices over REST (SPEC 4): the device relay owns them and answers through Kafka
 * ({@link RestExchanges}). The user is the token's {@code sub}; another user's device is 404.
 */
@Path("/v1/devices")
@Tag(name = "devices")
@Produces(MediaType.APPLICATION_JSON)
public class DevicesResource {

    /** The body of {@code PATCH /v1/devices/{id}}. */
    public record Rename(String name) {
    }

    private final RestCalls calls;

    public DevicesResource(RestCalls calls) {
        this.calls = calls;
    }

    @GET
    @Operation(summary = "The user's devices, optionally filtered by kind, capability requirement (name@major) and presence")
    public Uni<Response> list(@QueryParam("kind") String kind, @QueryParam("capability") String capability,
            @QueryParam("online") Boolean online) {
        return calls.ask(FrameType.DEVICES_LIST, new DevicesList(kind, capability, online, null),
                answer -> Response.ok(RestCalls.payloadOrNull(answer, Devices.class)).build());
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One device of the user")
    public Uni<Response> get(@PathParam("id") String id) {
        return calls.ask(FrameType.DEVICES_LIST, new DevicesList(null, null, null, id), DevicesResource::first);
    }

    @PATCH
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Renames a device of the user")
    public Uni<Response> rename(@PathParam("id") String id, Rename body) {
        return calls.ask(FrameType.DEVICE_RENAME, new DeviceRename(id, body == null ? null : body.name()), DevicesResource::first);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Revokes a device: its credential stops working, its connection closes (4403), its inbox is dropped")
    public Uni<Response> revoke(@PathParam("id") String id) {
        return calls.ask(FrameType.DEVICE_REVOKE, new DeviceRevoke(id), answer -> Response.noContent().build());
    }

    private static Response first(Frame answer) {
        Devices devices = RestCalls.payloadOrNull(answer, Devices.class);
        return devices == null || devices.devices().isEmpty() ? Problem.of(ErrorCode.NOT_FOUND, "no such device")
                : Response.ok(devices.devices().get(0)).build();
    }
}
