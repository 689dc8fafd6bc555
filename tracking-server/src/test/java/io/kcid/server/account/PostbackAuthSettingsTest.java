package io.kcid.server.account;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import org.junit.jupiter.api.Test;

/** Accounts stored before methods were stated (empty methods) keep meaning what they meant. */
class PostbackAuthSettingsTest {
  private static final PostbackAuthMethod TOKEN = PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN;

  private static UpdateAccountRequest allowlistOnly(String cidr) {
    return UpdateAccountRequest.newBuilder().setAccountId("a")
        .setPostbackAuth(PostbackAuth.newBuilder().addIpAllowlist(cidr)).build();
  }

  @Test
  void legacyTokenAccountKeepsItsTokenOnAnAllowlistUpdate() {
    // Stored by an older version: nothing configured, read as TOKEN.
    PostbackAuth legacy = PostbackAuth.getDefaultInstance();
    assertThat(PostbackAuthSettings.effectiveMethods(legacy)).containsExactly(TOKEN);
    assertThat(PostbackAuthSettings.updated(legacy, allowlistOnly("10.0.0.0/8")))
        .isEqualTo(PostbackAuth.newBuilder().addMethods(TOKEN).addIpAllowlist("10.0.0.0/8").build());
  }

  @Test
  void legacyIpOnlyAccountStaysIpOnlyOnAToleranceUpdate() {
    PostbackAuth ipOnly = PostbackAuth.newBuilder().addIpAllowlist("10.0.0.1").build();
    assertThat(PostbackAuthSettings.effectiveMethods(ipOnly)).isEmpty();
    UpdateAccountRequest tolerance = UpdateAccountRequest.newBuilder().setAccountId("a").setPostbackAuth(
        PostbackAuth.newBuilder().setSignatureTolerance(com.google.protobuf.Duration.newBuilder().setSeconds(60))).build();
    assertThat(PostbackAuthSettings.updated(ipOnly, tolerance)).isEqualTo(ipOnly.toBuilder()
        .setSignatureTolerance(com.google.protobuf.Duration.newBuilder().setSeconds(60)).build());
  }

  @Test
  void aToleranceOutOfRangeIsRefusedWhateverElseIsSet() {
    UpdateAccountRequest tooLong = UpdateAccountRequest.newBuilder().setAccountId("a").setPostbackAuth(
        PostbackAuth.newBuilder().setSignatureTolerance(com.google.protobuf.Duration.newBuilder().setSeconds(7200))).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> PostbackAuthSettings.updated(PostbackAuth.getDefaultInstance(), tooLong))
        .hasMessageContaining("signature_tolerance");
  }
}
