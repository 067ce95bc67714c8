package io.rccs.gateway.rest;

import com.fasterxml.jackson.annotation.JsonInclude;

import jakarta.ws.rs.core.Response;

import io.rccs.model.protocol.ErrorCode;

/**
 * An RFC 9457 problem detail, the body of every REST error. {@code type} names the wire error code
 * (the same codes as the protocol's {@code error} frames), so one vocabulary serves both.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String code) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Response of(ErrorCode code, String detail) {
        int status = status(code);
        Problem problem = new Problem("https://rccs.io/problems/" + code.wire(), Response.Status.fromStatusCode(status) == null
                ? code.wire() : Response.Status.fromStatusCode(status).getReasonPhrase(), status, detail, code.wire());
        Response.ResponseBuilder response = Response.status(status).type(MEDIA_TYPE).entity(problem);
        if (code.retryable()) {
            response.header("Retry-After", "1");
        }
        return response.build();
    }

    static int status(ErrorCode code) {
        return switch (code) {
            case BAD_FRAME, UNKNOWN_TYPE -> 400;
            case FORBIDDEN, NOT_TRUSTED -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case TOO_LARGE -> 413;
            case RATE_LIMITED -> 429;
            case NO_CAPABLE_DEVICE -> 422;
            case UNAVAILABLE -> 503;
        };
    }
}
