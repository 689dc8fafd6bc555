package io.kcid.edge.postback;

import io.kcid.edge.http.Responses;
import io.kcid.edge.limit.PostbackRateLimits;
import io.kcid.edge.metrics.EdgeMetrics;
import io.kcid.edge.net.ClientIpResolver;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import java.time.Duration;

/** What both postback routes (single and batch) need: the backend, its deadline and the edge's shared parts. */
public record PostbackBackend(
    ConversionServiceGrpc.ConversionServiceStub stub,
    Duration deadline,
    Responses responses,
    EdgeMetrics metrics,
    ClientIpResolver clientIps,
    PostbackRateLimits limits) {}
