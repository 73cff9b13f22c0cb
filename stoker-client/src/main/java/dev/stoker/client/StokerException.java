package dev.stoker.client;

/**
 * The root of everything the Stoker client throws when a call does not succeed. It is unchecked and
 * sealed: a call either returns, or throws one of
 *
 * <ul>
 *   <li>{@link ProblemException}: the server answered and refused the request (an RFC 9457 problem:
 *       bad input, unknown task, lost lease, ...). Retrying the same request will not help;
 *   <li>{@link StokerUnavailableException}: the server could not be reached or could not serve
 *       (connection refused or reset, timeout, HTTP 502/503/504). Retrying later may help;
 *   <li>{@link StokerInterruptedException}: the calling thread was interrupted while it waited;
 *   <li>{@link StokerProtocolException}: the reply was not what API v1 promises (the base URL
 *       probably does not point at a Stoker server).
 * </ul>
 */
public abstract sealed class StokerException extends RuntimeException
    permits ProblemException,
        StokerUnavailableException,
        StokerInterruptedException,
        StokerProtocolException {
  private static final long serialVersionUID = 1L;

  StokerException(String message, Throwable cause) {
    super(message, cause);
  }
}
