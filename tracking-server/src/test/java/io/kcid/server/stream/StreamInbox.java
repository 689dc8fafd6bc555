package io.kcid.server.stream;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.StreamConversionsRequest;
import io.kcid.proto.tracking.v1.StreamConversionsResponse;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** Test helper: opens a conversion stream whose messages and error arrive in one queue. */
final class StreamInbox {
  private StreamInbox() {}

  static BlockingQueue<Object> open(ManagedChannel channel) {
    BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    ConversionServiceGrpc.newStub(channel).streamConversions(StreamConversionsRequest.getDefaultInstance(),
        new StreamObserver<>() {
          @Override
          public void onNext(StreamConversionsResponse value) {
            inbox.add(value);
          }

          @Override
          public void onError(Throwable t) {
            inbox.add(t);
          }

          @Override
          public void onCompleted() {}
        });
    return inbox;
  }
}
