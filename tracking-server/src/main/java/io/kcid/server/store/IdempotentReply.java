package io.kcid.server.store;

/**
 * What an earlier call with the same request id left behind.
 *
 * @param reply the serialized first answer; empty while that call is still running
 * @param sameRequest whether the earlier call carried the same payload
 */
public record IdempotentReply(byte[] reply, boolean inProgress, boolean sameRequest) {}
