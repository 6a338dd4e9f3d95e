package io.dfs.deploy.gateway;

import io.dfs.client.error.DfsException;
import io.netty.handler.codec.http.HttpResponseStatus;

/** The HTTP status for each kind of failure, one mapping for the whole gateway. */
final class HttpErrors {
  private HttpErrors() {}

  static HttpResponseStatus statusOf(Throwable e) {
    if (e instanceof BadRequestException) {
      return HttpResponseStatus.BAD_REQUEST;
    }
    if (e instanceof UnauthorizedException) {
      return HttpResponseStatus.UNAUTHORIZED;
    }
    if (e instanceof MethodNotAllowedException) {
      return HttpResponseStatus.METHOD_NOT_ALLOWED;
    }
    if (e instanceof CrossSiteException) {
      return HttpResponseStatus.FORBIDDEN;
    }
    if (e instanceof TooLargeException) {
      return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
    }
    if (!(e instanceof DfsException d)) {
      return HttpResponseStatus.INTERNAL_SERVER_ERROR;
    }
    return switch (d.code()) {
      case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
      case ALREADY_EXISTS, DIRECTORY_NOT_EMPTY -> HttpResponseStatus.CONFLICT;
      case INVALID_PATH, NAME_TOO_LONG, INVALID_ARGUMENT, NOT_A_DIRECTORY, IS_A_DIRECTORY ->
          HttpResponseStatus.BAD_REQUEST;
      case NO_SPACE, NOT_ENOUGH_NODES -> HttpResponseStatus.INSUFFICIENT_STORAGE;
      case PERMISSION_DENIED -> HttpResponseStatus.FORBIDDEN;
      default -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
    };
  }

  /** A request without the gateway's token. */
  static final class UnauthorizedException extends Exception {
    UnauthorizedException(String message) {
      super(message);
    }
  }

  /** A request the gateway refuses before asking the cluster: a missing or malformed parameter. */
  static final class BadRequestException extends Exception {
    BadRequestException(String message) {
      super(message);
    }
  }

  /** An operation asked with the wrong method (the four operations take POST only). */
  static final class MethodNotAllowedException extends Exception {
    MethodNotAllowedException(String message) {
      super(message);
    }
  }

  /** A state-changing request a browser sent on behalf of another site (CSRF). */
  static final class CrossSiteException extends Exception {
    CrossSiteException(String message) {
      super(message);
    }
  }

  /** A request body over the gateway's upload limit. */
  static final class TooLargeException extends Exception {
    TooLargeException(String message) {
      super(message);
    }
  }
}
