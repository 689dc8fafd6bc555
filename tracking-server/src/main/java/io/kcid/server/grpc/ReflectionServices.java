package io.kcid.server.grpc;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.rpc.ErrorDetailsProto;
import io.grpc.BindableService;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoFileDescriptorSupplier;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.util.ArrayList;
import java.util.List;

/**
 * Server reflection in both protocol versions, serving {@code google/rpc/error_details.proto} too.
 *
 * <p>v1 is the current protocol (grpcurl, Postman); v1alpha is what Python's grpcio-reflection
 * client and ghz still speak. grpc-java's reflection index holds only the files reachable from the
 * registered services' descriptors, and no kcid service names {@code google.rpc.ErrorInfo} (it
 * travels in the {@code grpc-status-details-bin} trailer as an {@code Any}), so a tool decoding a
 * refusal would get "google.rpc.ErrorInfo is not recognized". Each reflection service's own file
 * is therefore served with error_details.proto as one more dependency: the kcid contract stays as
 * it is, and every tool that resolves the trailer's type by reflection finds it.
 */
public final class ReflectionServices {
  private ReflectionServices() {}

  /** grpc.reflection.v1.ServerReflection. */
  public static ServerServiceDefinition v1() {
    return withErrorDetails(ProtoReflectionServiceV1.newInstance());
  }

  /** grpc.reflection.v1alpha.ServerReflection. */
  @SuppressWarnings("deprecation") // deprecated in grpc-java, yet grpcio-reflection and ghz speak only v1alpha
  public static ServerServiceDefinition v1alpha() {
    return withErrorDetails(ProtoReflectionService.newInstance());
  }

  private static ServerServiceDefinition withErrorDetails(BindableService reflection) {
    ServerServiceDefinition bound = reflection.bindService();
    io.grpc.ServiceDescriptor original = bound.getServiceDescriptor();
    var schema = (ProtoServiceDescriptorSupplier) original.getSchemaDescriptor();
    ServiceDescriptor service = schema.getServiceDescriptor();
    FileDescriptor file = withDependency(service.getFile(), ErrorDetailsProto.getDescriptor());
    ServiceDescriptor extended = file.findServiceByName(service.getName());

    io.grpc.ServiceDescriptor.Builder descriptor = io.grpc.ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(new Schema(extended));
    original.getMethods().forEach(descriptor::addMethod);
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> method : bound.getMethods()) {
      definition.addMethod(method);
    }
    return definition.build();
  }

  /** {@code file} as it is, declaring {@code extra} as one more dependency. */
  private static FileDescriptor withDependency(FileDescriptor file, FileDescriptor extra) {
    FileDescriptorProto proto = file.toProto().toBuilder().addDependency(extra.getName()).build();
    List<FileDescriptor> dependencies = new ArrayList<>(file.getDependencies());
    dependencies.add(extra);
    try {
      return FileDescriptor.buildFrom(proto, dependencies.toArray(FileDescriptor[]::new));
    } catch (DescriptorValidationException e) {
      throw new IllegalStateException("cannot extend " + file.getName(), e);
    }
  }

  /** What grpc-java's reflection reads from a service: its file and its descriptor. */
  private record Schema(ServiceDescriptor service) implements ProtoFileDescriptorSupplier, ProtoServiceDescriptorSupplier {
    @Override
    public FileDescriptor getFileDescriptor() {
      return service.getFile();
    }

    @Override
    public ServiceDescriptor getServiceDescriptor() {
      return service;
    }
  }
}
