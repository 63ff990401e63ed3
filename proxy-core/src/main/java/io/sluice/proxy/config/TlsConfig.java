package io.sluice.proxy.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS, from the optional {@code tls} section. Leaving the section out is the same as {@link #defaults()}.
 *
 * <p>Client side: clients that ask for TLS get {@link #certificate()}, or, without one, a self-signed certificate generated at
 * start (they can encrypt but cannot verify who they talk to).
 *
 * <p>Backend side, when {@link #backend()} is on: the backend's certificate chain is always verified, against
 * {@link #backendCa()} if given, else the JVM's default trust store; there is deliberately no "trust everything" switch. With
 * {@link #backendVerifyHostname()} on (the default, like Connector/J's {@code VERIFY_IDENTITY}) the certificate must also name the
 * host in the backend's address; turn it off for servers with MySQL's auto-generated certificates, which name no host (then it
 * is like {@code VERIFY_CA}: still only certificates issued by {@code backend_ca} are accepted).
 *
 * <p>Relative paths in the file are resolved against the directory of the configuration file; the loader checks that each
 * file exists and is readable. PEM contents are checked when the TLS contexts are built, at start.
 *
 * @param certificate           {@code tls.cert} and {@code tls.key}, which come together; default none
 * @param backend               {@code tls.backend}: connect to backends with TLS; default {@value #DEFAULT_BACKEND}
 * @param backendCa             {@code tls.backend_ca}: PEM file of CA certificates that issue the backends' certificates;
 *                              default none (the JVM's trust store); only allowed with {@code backend: true}
 * @param backendVerifyHostname {@code tls.backend_verify_hostname}: default {@value #DEFAULT_BACKEND_VERIFY_HOSTNAME}
 */
public record TlsConfig(Optional<CertificateFiles> certificate, boolean backend, Optional<Path> backendCa,
                        boolean backendVerifyHostname) {
    /** Default for {@code tls.backend}: plain TCP to the backends, which usually sit on a private network. */
    public static final boolean DEFAULT_BACKEND = false;
    /** Default for {@code tls.backend_verify_hostname}. */
    public static final boolean DEFAULT_BACKEND_VERIFY_HOSTNAME = true;

    public TlsConfig {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(backendCa, "backendCa");
    }

    /** No certificate (generate one), no TLS to the backends. */
    public static TlsConfig defaults() {
        return new TlsConfig(Optional.empty(), DEFAULT_BACKEND, Optional.empty(), DEFAULT_BACKEND_VERIFY_HOSTNAME);
    }

    /**
     * The proxy's own certificate and private key, as PEM files.
     *
     * @param cert {@code tls.cert}: the certificate, optionally followed by its intermediates
     * @param key  {@code tls.key}: the unencrypted private key (PKCS#8 {@code PRIVATE KEY}, or PKCS#1 {@code RSA PRIVATE KEY} /
     *             SEC1 {@code EC PRIVATE KEY} as {@code mysql_ssl_rsa_setup} and OpenSSL write them)
     */
    public record CertificateFiles(Path cert, Path key) {
        public CertificateFiles {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
        }
    }
}
