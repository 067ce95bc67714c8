package io.rccs.gateway.rest;

import java.lang.reflect.Method;
import java.util.stream.Collectors;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.security.ForbiddenException;
import io.rccs.model.protocol.ErrorCode;

/**
 * The errors Quarkus REST raises itself, as problem details like every other REST error: a role the
 * token lacks (403), a body that is not JSON or not of its shape, a parameter that is not of its type
 * (400). A request without a valid token never gets here: the HTTP permission on {@code /v1/*}
 * answers 401 with its {@code WWW-Authenticate} challenge.
 */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, SimpleResourceInfo resource) {
        RolesAllowed needed = rolesAllowed(resource);
        return Problem.of(ErrorCode.FORBIDDEN, needed == null ? "the token lacks a role this needs"
                : "this needs the role " + String.join(" or ", needed.value()));
    }

    @ServerExceptionMapper
    public Response bodyOfAnotherShape(MismatchedInputException e) {
        String field = e.getPath().stream()
                .map(reference -> reference.getFieldName() != null ? reference.getFieldName() : "[" + reference.getIndex() + "]")
                .collect(Collectors.joining("."));
        return Problem.of(ErrorCode.BAD_FRAME, field.isEmpty() ? "the body must be a JSON object"
                : "the body's field " + field + " is not of its type");
    }

    @ServerExceptionMapper
    public Response unreadableInput(WebApplicationException e) {
        if (e.getCause() instanceof JacksonException) {
            return Problem.of(ErrorCode.BAD_FRAME, "the body is not valid JSON");
        }
        // JAX-RS makes a query or path parameter that does not convert a 404; it is the caller's input that is wrong
        if (e instanceof NotFoundException && e.getCause() instanceof IllegalArgumentException conversion) {
            return Problem.of(ErrorCode.BAD_FRAME, "a parameter is not of its type: " + conversion.getMessage());
        }
        return e.getResponse();
    }

    private static RolesAllowed rolesAllowed(SimpleResourceInfo resource) {
        if (resource == null || resource.getResourceClass() == null) {
            return null;
        }
        try {
            Method method = resource.getResourceClass().getMethod(resource.getMethodName(), resource.parameterTypes());
            RolesAllowed onMethod = method.getAnnotation(RolesAllowed.class);
            if (onMethod != null) {
                return onMethod;
            }
        } catch (NoSuchMethodException e) {
            // the class's annotation still says it
        }
        return resource.getResourceClass().getAnnotation(RolesAllowed.class);
    }
}
