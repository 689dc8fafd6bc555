package io.kcid.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throwaway certificates made at test time with the openssl command line: a CA, a server
 * certificate for localhost/127.0.0.1 and a client certificate, all EC P-256, keys in PKCS#8 PEM.
 */
record TestCerts(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey, Path otherCa) {

  static TestCerts create(Path dir) throws IOException, InterruptedException {
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    ca(dir, "ca");
    ca(dir, "other-ca");
    signed(dir, "server", "localhost", "server.ext");
    signed(dir, "client", "kcid-edge", "client.ext");
    return new TestCerts(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"),
        dir.resolve("client.pem"), dir.resolve("client.key"), dir.resolve("other-ca.pem"));
  }

  private static void ca(Path dir, String name) throws IOException, InterruptedException {
    openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=kcid-test-" + name,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  }

  private static void signed(Path dir, String name, String cn, String ext) throws IOException, InterruptedException {
    openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn);
    openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", name + ".pem", "-days", "2", "-extfile", ext);
  }

  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + output);
    }
  }
}
